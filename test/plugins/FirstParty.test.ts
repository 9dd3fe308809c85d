/**
 * The first-party plugins of `plugins/`, each through a gateway (the test kit, in memory; the
 * retry client against a real loopback backend).
 */
import * as Effect from "effect/Effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { echoBackend, jsonBackend, withGateway } from "../plugin/Support.ts"

const one = (extra: Record<string, unknown>, backend: Record<string, unknown> = {}, input_headers: ReadonlyArray<string> = []) => ({
  endpoint: "/e",
  method: "POST",
  input_headers,
  extra_config: extra,
  backend: [{ host: ["http://b1"], url_pattern: "/b", ...backend }]
})

type Echo = { headers: Record<string, string>; body: string }

describe("request-id", () => {
  const config = (settings: unknown) => ({
    version: 3,
    extra_config: { "plugin/http-server": { name: ["request-id"], "request-id": settings } },
    endpoints: [one({}, {}, ["X-Request-Id", "X-Env"])]
  })

  it("adds an id when missing, forwards it and echoes it; keeps the client's; injects headers (404s too)", async () => {
    await withGateway(
      { config: config({ request_headers: { "X-Env": "test" }, response_headers: { "X-Served-By": "sluice" } }), backends: { "http://b1": echoBackend } },
      (gw) =>
        Effect.gen(function*() {
          const fresh = yield* gw.request("/e", { method: "POST" })
          const id = fresh.headers["x-request-id"]
          expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
          const seen = (fresh.json() as Echo).headers
          expect([seen["x-request-id"], seen["x-env"], fresh.headers["x-served-by"]]).toEqual([id, "test", "sluice"])
          const kept = yield* gw.request("/e", { method: "POST", headers: { "x-request-id": "abc" } })
          expect([kept.headers["x-request-id"], (kept.json() as Echo).headers["x-request-id"]]).toEqual(["abc", "abc"])
          const missing = yield* gw.request("/nope")
          expect([missing.status, missing.headers["x-served-by"], typeof missing.headers["x-request-id"]]).toEqual([404, "sluice", "string"])
        })
    )
  })

  it("overwrite replaces the client's id; echo false keeps it off the response", async () => {
    const res = await withGateway(
      { config: config({ overwrite: true, echo: false }), backends: { "http://b1": echoBackend } },
      (gw) => gw.request("/e", { method: "POST", headers: { "x-request-id": "abc" } })
    )
    expect(res.headers["x-request-id"]).toBeUndefined()
    expect((res.json() as Echo).headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe("ip-filter", () => {
  const config = (settings: unknown, router: Record<string, unknown> = {}) => ({
    version: 3,
    extra_config: { router, "plugin/http-server": { name: ["ip-filter"], "ip-filter": settings } },
    endpoints: [one({})]
  })

  it("allow list with a denied address inside it; other clients get 403 (or the configured status)", async () => {
    await withGateway(
      { config: config({ allow: ["10.0.0.0/8", "2001:db8::/32"], deny: ["10.0.0.13"] }), backends: { "http://b1": jsonBackend({ ok: 1 }) } },
      (gw) =>
        Effect.gen(function*() {
          const status = (ip: string) => Effect.map(gw.request("/e", { method: "POST", remoteAddress: ip }), (r) => r.status)
          expect(yield* Effect.all([status("10.1.2.3"), status("::ffff:10.1.2.3"), status("2001:db8::1"), status("10.0.0.13"), status("192.168.1.1")])).toEqual([
            200,
            200,
            200,
            403,
            403
          ])
          const health = yield* gw.request("/__health", { remoteAddress: "192.168.1.1" })
          expect(health.status).toBe(403)
        })
    )
  })

  it("uses the gateway's client IP: X-Forwarded-For counts only from a trusted proxy", async () => {
    const router = { forwarded_by_client_ip: true, remote_ip_headers: ["X-Forwarded-For"], trusted_proxies: ["192.168.0.0/16"] }
    await withGateway(
      { config: config({ deny: ["203.0.113.7"], status: 451 }, router), backends: { "http://b1": jsonBackend({ ok: 1 }) } },
      (gw) =>
        Effect.gen(function*() {
          const viaProxy = yield* gw.request("/e", { method: "POST", remoteAddress: "192.168.1.1", headers: { "x-forwarded-for": "203.0.113.7" } })
          const spoofed = yield* gw.request("/e", { method: "POST", remoteAddress: "198.51.100.1", headers: { "x-forwarded-for": "203.0.113.7" } })
          const direct = yield* gw.request("/e", { method: "POST", remoteAddress: "203.0.113.7" })
          expect([viaProxy.status, spoofed.status, direct.status]).toEqual([451, 200, 451])
        })
    )
  })
})

describe("rewrite", () => {
  const settings = {
    request: {
      headers: { rename: { "x-old": "X-New" }, set: { "x-tenant": "acme" }, remove: ["X-Secret"] },
      body: { rename: { name: "full_name" }, set: { source: "gw" }, remove: ["password"] }
    },
    response: { data: { rename: { method: "verb" }, set: { rewritten: true }, remove: ["headers"] } },
    respond_if: { header: "X-Mock", equals: "yes", data: { mocked: true } },
    reject_if: { header: "X-Block", status: 451, message: "blocked", content_type: "text/plain", headers: { "x-why": "policy" } }
  }
  const config = (level: "endpoint" | "backend") => {
    const ns = { "plugin/req-resp-modifier": { name: ["rewrite"], rewrite: settings } }
    return {
      version: 3,
      extra_config: { router: { return_error_msg: true } },
      endpoints: [one(level === "endpoint" ? ns : {}, level === "backend" ? { extra_config: ns } : {}, ["X-Old", "X-Secret", "X-Mock", "X-Block", "Content-Type"])]
    }
  }

  it.each(["endpoint", "backend"] as const)("at %s level: headers, JSON body and response data rewritten; respond_if and reject_if", async (level) => {
    let calls = 0
    await withGateway(
      { config: config(level), backends: { "http://b1": (r) => (calls++, echoBackend(r)) } },
      (gw) =>
        Effect.gen(function*() {
          const res = yield* gw.request("/e", {
            method: "POST",
            headers: { "x-old": "1", "x-secret": "s", "content-type": "application/json" },
            body: JSON.stringify({ name: "Ada", password: "p", age: 36 })
          })
          const data = res.json() as { verb: string; body: string; rewritten: boolean; headers?: unknown }
          expect([data.verb, data.rewritten, data.headers]).toEqual(["POST", true, undefined])
          expect(JSON.parse(data.body)).toEqual({ full_name: "Ada", age: 36, source: "gw" })
          expect(calls).toBe(1)
          const mocked = yield* gw.request("/e", { method: "POST", headers: { "x-mock": "yes" } })
          expect([mocked.status, mocked.json()]).toEqual([200, { mocked: true }])
          expect(calls).toBe(1)
          const blocked = yield* gw.request("/e", { method: "POST", headers: { "x-block": "1" } })
          expect([blocked.status, blocked.body, blocked.headers["content-type"], blocked.headers["x-why"]]).toEqual([451, "blocked", "text/plain", "policy"])
          expect(calls).toBe(1)
        })
    )
  })

  it("the backend sees the rewritten headers (and response data removals apply)", async () => {
    const res = await withGateway(
      { config: config("backend"), backends: { "http://b1": echoBackend } },
      (gw) => gw.request("/e", { method: "POST", headers: { "x-old": "1", "x-secret": "s" } })
    )
    const { headers } = res.json() as { headers?: Record<string, string> } & Echo
    expect(res.status).toBe(200)
    expect(headers).toBeUndefined()
    const raw = await withGateway(
      { config: { ...config("backend"), endpoints: [one({}, { extra_config: { "plugin/req-resp-modifier": { name: ["rewrite"], rewrite: { request: settings.request } } } }, ["X-Old", "X-Secret"])] }, backends: { "http://b1": echoBackend } },
      (gw) => gw.request("/e", { method: "POST", headers: { "x-old": "1", "x-secret": "s" } })
    )
    const seen = (raw.json() as Echo).headers
    expect([seen["x-new"], seen["x-old"], seen["x-tenant"], seen["x-secret"]]).toEqual(["1", undefined, "acme", undefined])
  })
})

describe("retry", () => {
  let flaky: Backend.Backend
  let count = 0
  beforeAll(async () => {
    flaky = await Backend.start((req, res) => {
      if (req.url === "/flaky" && ++count % 3 !== 0) return Backend.json(res, 503, { down: true })
      if (req.url === "/always-down") return Backend.json(res, 503, { down: true })
      Backend.json(res, 200, { ok: true, n: count })
    })
  })
  afterAll(() => flaky.close())

  const config = (method: string, path: string, settings: unknown) => ({
    version: 3,
    endpoints: [{
      endpoint: "/r",
      method,
      backend: [{ host: [flaky.url], url_pattern: path, extra_config: { "plugin/http-client": { name: "retry", retry: settings } } }]
    }]
  })

  it("retries an idempotent request on 503 until it succeeds", async () => {
    count = 0
    const before = flaky.requests.length
    const res = await withGateway({ config: config("GET", "/flaky", { attempts: 3, backoff: 1 }), network: true }, (gw) => gw.request("/r"))
    expect([res.status, res.json()]).toEqual([200, { ok: true, n: 3 }])
    expect(flaky.requests.length - before).toBe(3)
  })

  it("does not retry a POST; stops after `attempts` for GET", async () => {
    const before = flaky.requests.length
    const post = await withGateway({ config: config("POST", "/always-down", { backoff: 1 }), network: true }, (gw) => gw.request("/r", { method: "POST" }))
    expect(post.status).toBe(500)
    expect(flaky.requests.length - before).toBe(1)
    const get = await withGateway({ config: config("GET", "/always-down", { attempts: 2, backoff: 1 }), network: true }, (gw) => gw.request("/r"))
    expect(get.status).toBe(500)
    expect(flaky.requests.length - before).toBe(3)
  })
})

describe("mock", () => {
  it("answers from config by path, through status handling and formatting", async () => {
    const mock = {
      name: "mock",
      mock: { body: { id: 1, secret: "x" }, routes: { "/missing": { status: 404, body: { error: "nope" } } } }
    }
    await withGateway(
      {
        config: {
          version: 3,
          endpoints: [
            { endpoint: "/m", backend: [{ host: ["http://mock"], url_pattern: "/any", deny: ["secret"], extra_config: { "plugin/http-client": mock } }] },
            {
              endpoint: "/missing",
              backend: [{
                host: ["http://mock"],
                url_pattern: "/missing",
                extra_config: { "plugin/http-client": mock, "backend/http": { return_error_code: true } }
              }]
            }
          ]
        }
      },
      (gw) =>
        Effect.gen(function*() {
          const ok = yield* gw.request("/m")
          expect([ok.status, ok.json()]).toEqual([200, { id: 1 }])
          const missing = yield* gw.request("/missing")
          expect(missing.status).toBe(404)
        })
    )
  })
})
