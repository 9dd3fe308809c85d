/**
 * `auth/api-keys` (KrakenD Enterprise's shape) over real HTTP: header and query strategies,
 * roles, hashed keys, the per-key rate limit, role propagation and the config rule.
 */
import { createHash } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { afterAll, beforeAll } from "vitest"
import * as ApiKeys from "../../src/auth/ApiKeys.ts"
import * as Config from "../../src/config/Config.ts"
import type { ConfigError } from "../../src/config/ConfigError.ts"
import * as Backend from "../support/Backend.ts"
import { type Served, serve } from "../semantics/Harness.ts"

let backend: Backend.Backend
let gw: Served

beforeAll(async () => {
  backend = await Backend.start((req, res) => Backend.json(res, 200, { role: req.headers["x-role"] ?? null }))
  gw = await serve({
    version: 3,
    host: [backend.url],
    extra_config: {
      "auth/api-keys": {
        keys: [
          { "@description": "ops", key: "k-admin", roles: ["admin", "user"] },
          { key: "k-user", roles: ["user"] }
        ],
        propagate_role: "X-Role"
      }
    },
    endpoints: [
      { endpoint: "/admin", backend: [{ url_pattern: "/b" }], extra_config: { "auth/api-keys": { roles: ["admin"] } } },
      { endpoint: "/user", backend: [{ url_pattern: "/b" }], extra_config: { "auth/api-keys": { roles: ["user", "admin"] } } },
      { endpoint: "/query", backend: [{ url_pattern: "/b" }], extra_config: { "auth/api-keys": { roles: ["user"], strategy: "query_string", identifier: "api_key" } } },
      { endpoint: "/limited", backend: [{ url_pattern: "/b" }], extra_config: { "auth/api-keys": { roles: ["user"], client_max_rate: 1 } } },
      { endpoint: "/open", backend: [{ url_pattern: "/b" }] }
    ]
  })
})
afterAll(async () => {
  await gw?.close()
  await backend?.close()
})

const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${gw.url}${path}`, { headers })
  const body = await res.text()
  return { status: res.status, body, retryAfter: res.headers.get("retry-after") }
}

describe("auth/api-keys", () => {
  it("a missing or unknown key, or one without the endpoint's role, is 401 with an empty body; the backend is not called", async () => {
    const before = backend.requests.length
    expect(await get("/admin")).toMatchObject({ status: 401, body: "" })
    expect(await get("/admin", { authorization: "nope" })).toMatchObject({ status: 401, body: "" })
    expect(await get("/admin", { authorization: "k-user" })).toMatchObject({ status: 401, body: "" })
    expect(backend.requests.length).toBe(before)
    expect((await get("/open")).status).toBe(200)
  })

  it("a key with the role passes, Bearer optional, and its first accepted role reaches the backend", async () => {
    expect(await get("/admin", { authorization: "k-admin" })).toMatchObject({ status: 200, body: "{\"role\":\"admin\"}" })
    expect(await get("/user", { authorization: "Bearer k-admin" })).toMatchObject({ status: 200, body: "{\"role\":\"admin\"}" })
    expect(await get("/user", { authorization: "k-user", "x-role": "admin" })).toMatchObject({ status: 200, body: "{\"role\":\"user\"}" })
  })

  it("the query_string strategy reads its identifier", async () => {
    expect((await get("/query?api_key=k-user")).status).toBe(200)
    expect((await get("/query", { authorization: "k-user" })).status).toBe(401)
  })

  it("client_max_rate limits each key: 429 with Retry-After; another key has its own budget", async () => {
    expect((await get("/limited", { authorization: "k-user" })).status).toBe(200)
    expect(await get("/limited", { authorization: "k-user" })).toMatchObject({ status: 429, retryAfter: "1" })
    expect((await get("/limited", { authorization: "k-admin" })).status).toBe(200)
  })

  it("hashed keys: sha256, sha1 and fnv128 of salt + key, hex or base64", async () => {
    for (const [hash, stored] of [
      ["sha256", createHash("sha256").update("s4ltsecret").digest("hex")],
      ["sha1", createHash("sha1").update("s4ltsecret").digest("base64")],
      ["fnv128", ApiKeys.fnv128a("s4ltsecret").toString("hex").toUpperCase()]
    ] as const) {
      const hashed = await serve({
        version: 3,
        host: [backend.url],
        extra_config: { "auth/api-keys": { keys: [{ key: stored, roles: ["r"] }], hash, salt: "s4lt" } },
        endpoints: [{ endpoint: "/h", backend: [{ url_pattern: "/b" }], extra_config: { "auth/api-keys": { roles: ["r"] } } }]
      })
      try {
        expect((await fetch(`${hashed.url}/h`, { headers: { authorization: "secret" } })).status, hash).toBe(200)
        expect((await fetch(`${hashed.url}/h`, { headers: { authorization: stored } })).status, hash).toBe(401)
      } finally {
        await hashed.close()
      }
    }
  })

  it("FNV-1a 128 matches the reference vectors", () => {
    expect(ApiKeys.fnv128a("").toString("hex")).toBe("6c62272e07bb014262b821756295c58d")
    expect(ApiKeys.fnv128a("a").toString("hex")).toBe("d228cb696f1a8caf78912b704e4a8964")
  })

  it.effect("an endpoint requiring keys without any key defined is a config error", () =>
    Effect.gen(function*() {
      const issues = yield* Effect.flip(Config.decode({
        version: 3,
        host: ["http://127.0.0.1:1"],
        endpoints: [{ endpoint: "/a", backend: [{ url_pattern: "/b" }], extra_config: { "auth/api-keys": { roles: ["r"] } } }]
      })).pipe(Effect.map((e: ConfigError) => e.issues))
      expect(issues).toEqual([{ path: "$.endpoints[0].extra_config[\"auth/api-keys\"]", message: expect.stringContaining("no key is defined") }])
    }))
})
