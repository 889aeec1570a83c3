#!/usr/bin/env bash
# Checks the systemd units with `systemd-analyze verify` (CI runs it after `make test`).
# systemd-analyze needs each ExecStart binary to exist: the units name /usr/local/bin/jalin,
# so a temporary copy names the built binary instead (default target/debug/jalin).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/debug/jalin}")
[ -x "$bin" ] || { echo "deploy/verify.sh: no jalin binary at $bin (cargo build first)"; exit 1; }
command -v systemd-analyze >/dev/null || { echo "deploy/verify.sh: systemd-analyze is not installed"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for unit in deploy/systemd/*.service deploy/systemd/*.timer; do
  sed "s|/usr/local/bin/jalin|$bin|g" "$unit" >"$tmp/$(basename "$unit")"
done
# The EnvironmentFile is read at start, not verified; the units reference each other by name.
out=$(cd "$tmp" && systemd-analyze verify --man=no ./*.service ./*.timer 2>&1) || { echo "$out"; exit 1; }
# systemd-analyze exits 0 on some warnings: any line about our units is a failure.
if grep -E "jalin" <<<"$out"; then
  exit 1
fi
echo "systemd units verified: $(cd deploy/systemd && echo *.service *.timer)"
