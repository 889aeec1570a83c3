#!/usr/bin/env bash
# make bench: the national dataset (`jalin seed-bench`), a release build, and wrk at 64
# connections for each scenario, on SQLite and — when JALIN_BENCH_POSTGRES_URL is set (e.g.
# postgres://postgres@127.0.0.1:5432) — on PostgreSQL. Prints a Markdown table for BENCHMARKS.md.
# Knobs: JALIN_BENCH_SCALE (national|province|small), JALIN_BENCH_SECONDS (per scenario),
# JALIN_BENCH_ONLY (a part of the scenario names to run).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! command -v wrk >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing wrk from Debian's packages" >&2
  apt-get install -y -qq wrk >&2 || { apt-get update -qq >&2 && apt-get install -y -qq wrk >&2; } || true
fi
if ! command -v wrk >/dev/null; then
  echo "wrk is required (Debian: apt-get install wrk)" >&2
  exit 1
fi
scale=${JALIN_BENCH_SCALE:-national}
seconds=${JALIN_BENCH_SECONDS:-10}
if [ -n "${JALIN_BENCH_BIN:-}" ]; then
  # A binary built elsewhere, e.g. an earlier commit's, for before/after figures.
  bin=$JALIN_BENCH_BIN
elif [ "${JALIN_BENCH_PROFILE:-release}" = debug ]; then
  # Only to try the harness itself; numbers from a debug build mean nothing.
  cargo build --quiet --bin jalin
  bin=target/debug/jalin
else
  echo "== release build" >&2
  cargo build --release --quiet --bin jalin
  bin=target/release/jalin
fi
work=$(mktemp -d)
trap 'pkill -P $$ >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

cat >"$work/get.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
LUA
cat >"$work/create.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"region_code":"33","subtype":"sister_province","instrument":"mou","partner_ids":["bench-p-000001"],' ..
  '"title_id":"Kerja sama bench","objects":["cultural_exchange"],"languages":["id","en"],"level_justification":"bench"}'
LUA

# The workflow scenario: each request acts on an approval case standing at `central_consultation`
# (seed-bench puts every eleventh case there), alternately returning it to the exploration stage
# and completing exploration again, so the cases cycle and never run out. Each of wrk's two
# threads takes half of the cases and walks them round-robin, so a case's next action is sent
# long after its previous one finished.
cat >"$work/workflow.lua" <<'LUA'
local counter = 0
function setup(thread)
  thread:set("first", counter)
  counter = counter + 1
end
function init(args)
  ids = {}
  local k = 0
  for line in io.lines(os.getenv("CASES")) do
    if k % 2 == first then ids[#ids + 1] = line end
    k = k + 1
  end
  i = 0
end
local headers = {
  ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
  ["Content-Type"] = "application/json",
  ["If-Match"] = "*",
}
local back = '{"action":"return","note":"bench: back to exploration"}'
local again = '{"action":"complete_stage","record":{"kind":"exploration_report","benefits":"trade",' ..
  '"partner_profile":"province","politically_safe":true,"legally_safe":true,"technically_safe":true,' ..
  '"security_safe":true}}'
function request()
  local id = ids[(i % #ids) + 1]
  local body = (math.floor(i / #ids) % 2 == 0) and back or again
  i = i + 1
  return wrk.format("POST", "/v1/agreements/" .. id .. "/workflow/actions", headers, body)
end
LUA

rss() { awk -v k="$2" '$1 == k":" {print int($2/1024) " MB"}' "/proc/$1/status"; }
# Peak RSS counts the pages of the SQLite file the server has read through its memory map
# (file-backed, shared with the page cache, given back under memory pressure); the anonymous
# part is the server's own memory.
memory() { echo "peak RSS $(rss "$1" VmHWM), anonymous now $(rss "$1" RssAnon)"; }

run() {
  local label=$1 url=$2
  local data="$work/$label"
  mkdir -p "$data"
  echo "== $label: seeding ($scale)" >&2
  JALIN_DATABASE_URL="$url" JALIN_DATA_DIR="$data" RUST_LOG=warn "$bin" seed-bench --scale "$scale" >&2
  # The first run of the background jobs on the fresh dataset flags thousands of agreements
  # dormant; run it here, timed, so the scenarios measure a database in steady use.
  local jobs_started jobs_ms
  jobs_started=$(date +%s%N)
  JALIN_DATABASE_URL="$url" JALIN_DATA_DIR="$data" RUST_LOG=warn "$bin" jobs run >&2
  jobs_ms=$(( ($(date +%s%N) - jobs_started) / 1000000 ))
  echo "| $label | first jobs run on the new dataset (expiry, dormancy) | | ${jobs_ms} ms | | | |"
  # The filtered list's query alone, without HTTP (the same diesel code as the handler).
  # (An older binary given as JALIN_BENCH_BIN may not have bench-list, nor seed cases.)
  "$bin" bench-list --help >/dev/null 2>&1 && for threads in 1 2; do
    local raw
    raw=$(JALIN_DATABASE_URL="$url" JALIN_DATA_DIR="$data" RUST_LOG=warn "$bin" bench-list --threads "$threads" --iterations 3000)
    echo "$raw" >&2
    echo "| $label | raw filtered list query, $threads thread(s), no HTTP | $(sed -E 's/.*: ([0-9]+) lists\/s, p50 ([0-9]+) µs, p99 ([0-9]+) µs/\1 | \2 µs | \3 µs/' <<<"$raw") | 0 | |"
  done
  # The cases the workflow scenario cycles: those standing at central_consultation.
  local cases_sql="SELECT agreement_id FROM workflow_cases WHERE current_stage = 'central_consultation' ORDER BY agreement_id"
  case "$url" in
    sqlite://*) python3 -c 'import sqlite3, sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]' "${url#sqlite://}" "$cases_sql" ;;
    *) psql "$url" -Atqc "$cases_sql" ;;
  esac >"$data/cases.txt"
  export CASES="$data/cases.txt"
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local base="http://127.0.0.1:$port"
  local started
  started=$(date +%s%N)
  JALIN_DATABASE_URL="$url" JALIN_DATA_DIR="$data" JALIN_LISTEN="127.0.0.1:$port" \
    JALIN_JWT_SECRET=bench-secret-bench-secret-bench-secret-0000 JALIN_LOGIN_MAX_FAILURES=1000 \
    RUST_LOG=warn "$bin" serve >"$data/server.log" 2>&1 &
  local pid=$!
  until curl -fs "$base/health/ready" >/dev/null 2>&1; do sleep 0.01; done
  local ready_ms=$(( ($(date +%s%N) - started) / 1000000 ))
  local idle
  sleep 2 # the start-up jobs (expiry, dormancy) run just after ready
  idle="$(rss "$pid" VmRSS) (anonymous $(rss "$pid" RssAnon))"
  export TOKEN
  local officer_token
  officer_token=$(curl -fsS -H 'content-type: application/json' -d '{"username":"bench-33","password":"bench-password"}' \
    "$base/v1/auth/login" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
  TOKEN=$officer_token
  local admin_token
  admin_token=$(curl -fsS -H 'content-type: application/json' -d '{"username":"bench-admin","password":"bench-password"}' \
    "$base/v1/auth/login" 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' 2>/dev/null) ||
    admin_token=""
  local id
  id=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$base/v1/agreements?region_code=33&limit=1" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')
  echo "| $label | start to ready | | ${ready_ms} ms | | | idle RSS $idle |"
  for scenario in \
    "filtered list|/v1/agreements?region_code=33&status=active&sort=expires_on|get" \
    "agreement by id|/v1/agreements/$id|get" \
    "create agreement|/v1/agreements|create" \
    "stats/overview|/v1/stats/overview|get" \
    "workflow action (return / complete a stage)|/|workflow" \
    "reminders|/v1/reminders|get"; do
    IFS='|' read -r name path script <<<"$scenario"
    # JALIN_BENCH_ONLY=overview runs only the scenarios whose name contains it.
    case "$name" in *"${JALIN_BENCH_ONLY:-}"*) ;; *) continue ;; esac
    if [ "$script" = workflow ] && [ ! -s "$CASES" ]; then
      echo "(no approval cases in this dataset: workflow scenario skipped)" >&2
      continue
    fi
    local out
    # The workflow's actor is the national administrator (the cases span every province).
    if [ "$script" = workflow ]; then TOKEN=$admin_token; else TOKEN=$officer_token; fi
    out=$(wrk -t2 -c64 -d"${seconds}s" --latency -s "$work/$script.lua" "$base$path")
    local rps p50 p99 errors
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errors=$(awk '/Non-2xx/ {print $5}' <<<"$out")
    local timeouts
    timeouts=$(awk '/Socket errors/ {gsub(",", ""); print $NF}' <<<"$out")
    echo "| $label | $name | ${rps} | ${p50} | ${p99} | ${errors:-0}${timeouts:+ (+$timeouts timed out)} | $(memory "$pid") |"
    # Let the server finish what the load generator left queued before the next scenario.
    until curl -fs -m 1 "$base/health/ready" >/dev/null 2>&1; do sleep 0.2; done
    sleep 1
  done
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

echo "| database | scenario | req/s | p50 | p99 | non-2xx | memory |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
run sqlite "sqlite://$work/sqlite/jalin.db"
if [ -n "${JALIN_BENCH_POSTGRES_URL:-}" ]; then
  db="jalin_bench_$$"
  psql "$JALIN_BENCH_POSTGRES_URL/postgres" -qc "CREATE DATABASE $db" >/dev/null
  run postgres "$JALIN_BENCH_POSTGRES_URL/$db"
  psql "$JALIN_BENCH_POSTGRES_URL/postgres" -qc "DROP DATABASE $db WITH (FORCE)" >/dev/null || true
else
  echo "(PostgreSQL skipped: set JALIN_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432)" >&2
fi
