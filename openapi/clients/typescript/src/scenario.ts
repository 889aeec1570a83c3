// A short scenario a frontend or integration partner would run, through a client generated from
// the committed contract: every call below is type-checked against openapi/openapi.json.
//
// Usage: JALIN_BASE_URL=http://127.0.0.1:8080 node dist/scenario.js
import assert from "node:assert/strict";
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Region = components["schemas"]["Region"];
type Problem = components["schemas"]["Problem"];

const baseUrl = process.env.JALIN_BASE_URL ?? "http://127.0.0.1:8080";
const client = createClient<paths>({ baseUrl });

/// Signs in and sends the token with every later request.
async function signIn(): Promise<void> {
  const { data, error } = await client.POST("/v1/auth/login", {
    body: {
      username: process.env.JALIN_USERNAME ?? "admin",
      password: process.env.JALIN_PASSWORD ?? "",
    },
  });
  assert.ok(data, `login failed: ${JSON.stringify(error)}`);
  assert.equal(data.token_type, "Bearer");
  const token = data.access_token;
  client.use({
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  });
}

async function allRegions(parentCode: string): Promise<Region[]> {
  const items: Region[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await client.GET("/v1/regions", {
      params: { query: { parent_code: parentCode, limit: 10, ...(cursor ? { cursor } : {}) } },
    });
    assert.ok(data, `listRegions failed: ${JSON.stringify(error)}`);
    items.push(...data.items);
    cursor = data.next_cursor ?? undefined;
  } while (cursor);
  return items;
}

const checks: Array<[string, () => Promise<void>]> = [
  ["without a token the API answers 401", async () => {
    const anonymous = createClient<paths>({ baseUrl });
    const r = await anonymous.GET("/v1/regions/{code}", { params: { path: { code: "33" } } });
    assert.equal(r.response.status, 401);
    assert.equal(r.error?.code, "authentication_required");
  }],
  ["signing in gives a token that says who I am", async () => {
    await signIn();
    const me = await client.GET("/v1/me");
    assert.equal(me.data?.role, "admin");
  }],
  ["the server is ready", async () => {
    const ready = await client.GET("/health/ready");
    assert.equal(ready.data?.status, "ready");
  }],
  ["Jawa Tengah lists 35 regencies and cities across pages", async () => {
    const jateng = await allRegions("33");
    assert.equal(jateng.length, 35);
    assert.ok(jateng.some((r) => r.code === "33.74" && r.name === "Kota Semarang" && r.kind === "city"));
  }],
  ["R4: Taiwan has no diplomatic relations", async () => {
    const tw = await client.GET("/v1/countries/{iso2}", { params: { path: { iso2: "TW" } } });
    assert.equal(tw.data?.diplomatic_relations, false);
  }],
  ["R22: the 2024 annual report is due 2025-01-10", async () => {
    const due = await client.GET("/v1/calendar/working-days", {
      params: { query: { from: "2024-12-31", add: 7 } },
    });
    assert.equal(due.data?.to, "2025-01-10");
    assert.equal(due.data?.working_days, 7);
  }],
  ["a missing region is a typed problem, in Indonesian on request", async () => {
    const missing = await client.GET("/v1/regions/{code}", {
      params: { path: { code: "99.99" } },
      headers: { "Accept-Language": "id" },
    });
    const problem: Problem | undefined = missing.error;
    assert.equal(missing.response.status, 404);
    assert.equal(problem?.code, "not_found");
    assert.equal(problem?.title, "Tidak ditemukan");
    assert.equal(missing.response.headers.get("content-type"), "application/problem+json");
  }],
  ["a deadline past the holiday calendar is refused", async () => {
    const outside = await client.GET("/v1/calendar/working-days", {
      params: { query: { from: "2026-12-01", add: 45 } },
    });
    assert.equal(outside.response.status, 422);
    assert.equal(outside.error?.code, "calendar_out_of_range");
  }],
];

async function main(): Promise<number> {
  let passed = 0;
  let failed = 0;
  for (const [name, check] of checks) {
    try {
      await check();
      passed += 1;
      console.log(`ok   ${name}`);
    } catch (e) {
      failed += 1;
      console.log(`FAIL ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  console.log(`typescript: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error("typescript client scenario crashed:", e);
    process.exit(1);
  },
);
