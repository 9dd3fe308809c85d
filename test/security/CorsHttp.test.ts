/**
 * CORS (`security/cors`) over real HTTP through `sluice run`: preflights answered 204 by the
 * wrapper, allow headers only for allowed origins, methods and headers (RELIABILITY.md C12),
 * headers on actual answers (errors and 404s included), and the `*` + credentials config error.
 */
import { request, type IncomingHttpHeaders } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { type RunningSluice, runCli, startSluice, writeConfig } from "../support/Sluice.ts"

interface Answer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

const send = (base: string, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      let body = ""
      res.on("data", (d: Buffer) => (body += d.toString()))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on("error", reject)
    req.end()
  })

const ALLOW_KEYS = [
  "access-control-allow-origin",
  "access-control-allow-methods",
  "access-control-allow-headers",
  "access-control-allow-credentials",
  "access-control-max-age"
]

const allowHeaders = (headers: IncomingHttpHeaders) => ALLOW_KEYS.filter((k) => headers[k] !== undefined)

const PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"

const gatewayConfig = (backend: string, extra: Record<string, unknown>) => ({
  version: 3,
  host: [backend],
  extra_config: extra,
  endpoints: [
    { endpoint: "/a", method: "GET", backend: [{ url_pattern: "/ok" }] },
    { endpoint: "/a", method: "PUT", backend: [{ url_pattern: "/ok", method: "PUT" }] },
    { endpoint: "/fail", method: "GET", backend: [{ url_pattern: "/fail" }] }
  ]
})

let backend: Backend.Backend
beforeAll(async () => {
  backend = await Backend.start((req, res) =>
    req.url === "/ok" ? Backend.json(res, 200, { ok: true }) : Backend.json(res, 500, { error: "boom" }))
})
afterAll(() => backend.close())

describe("security/cors with listed origins and credentials", () => {
  let gw: RunningSluice
  const origin = "https://app.example.com"
  beforeAll(async () => {
    gw = await startSluice(gatewayConfig(backend.url, {
      "security/cors": {
        allow_origins: ["https://app.example.com", "https://*.example.org"],
        allow_methods: ["GET", "PUT"],
        allow_headers: ["Authorization", "X-Custom"],
        expose_headers: ["X-Total", "Content-Length"],
        max_age: "1h30m",
        allow_credentials: true
      }
    }))
  })
  afterAll(() => gw.stop())

  it("answers an allowed preflight 204 with the origin, method, headers, max age and credentials, without routing it", async () => {
    const before = backend.requests.length
    const res = await send(gw.url, "OPTIONS", "/a", {
      origin,
      "access-control-request-method": "PUT",
      "access-control-request-headers": "Authorization, x-custom"
    })
    expect(res.status).toBe(204)
    expect(res.body).toBe("")
    expect(res.headers["access-control-allow-origin"]).toBe(origin)
    expect(res.headers["access-control-allow-methods"]).toBe("PUT")
    expect(res.headers["access-control-allow-headers"]).toBe("authorization,x-custom") // rs/cors: no space
    expect(res.headers["access-control-allow-credentials"]).toBe("true")
    expect(res.headers["access-control-max-age"]).toBe("5400")
    expect(res.headers["vary"]).toBe(PREFLIGHT_VARY)
    expect(backend.requests.length).toBe(before)
  })

  it("a preflight for a path the gateway does not have is still answered by CORS", async () => {
    const res = await send(gw.url, "OPTIONS", "/nowhere", { origin, "access-control-request-method": "GET" })
    expect(res.status).toBe(204)
    expect(res.headers["access-control-allow-origin"]).toBe(origin)
    expect(res.headers["access-control-allow-methods"]).toBe("GET")
    expect(res.headers["access-control-allow-headers"]).toBeUndefined()
  })

  it("a disallowed origin gets 204 without any allow header (C12)", async () => {
    const res = await send(gw.url, "OPTIONS", "/a", { origin: "https://evil", "access-control-request-method": "DELETE" })
    expect(res.status).toBe(204)
    expect(allowHeaders(res.headers)).toEqual([])
    expect(res.headers["vary"]).toBe(PREFLIGHT_VARY)
  })

  it("a disallowed method gets no allow headers", async () => {
    const res = await send(gw.url, "OPTIONS", "/a", { origin, "access-control-request-method": "DELETE" })
    expect(res.status).toBe(204)
    expect(allowHeaders(res.headers)).toEqual([])
  })

  it("an unconfigured requested header is never echoed: no allow headers at all", async () => {
    const res = await send(gw.url, "OPTIONS", "/a", {
      origin,
      "access-control-request-method": "GET",
      "access-control-request-headers": "Authorization, X-Evil"
    })
    expect(res.status).toBe(204)
    expect(allowHeaders(res.headers)).toEqual([])
  })

  it("wildcard subdomain origins match subdomains only", async () => {
    const sub = await send(gw.url, "OPTIONS", "/a", { origin: "https://api.example.org", "access-control-request-method": "GET" })
    expect(sub.headers["access-control-allow-origin"]).toBe("https://api.example.org")
    const other = await send(gw.url, "OPTIONS", "/a", { origin: "https://example.org.evil.com", "access-control-request-method": "GET" })
    expect(allowHeaders(other.headers)).toEqual([])
  })

  it("an actual request from an allowed origin gets the origin, credentials, expose headers and Vary", async () => {
    const res = await send(gw.url, "GET", "/a", { origin })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({ ok: true })
    expect(res.headers["access-control-allow-origin"]).toBe(origin)
    expect(res.headers["access-control-allow-credentials"]).toBe("true")
    expect(res.headers["access-control-expose-headers"]).toBe("X-Total, Content-Length")
    expect(res.headers["access-control-allow-methods"]).toBeUndefined()
    expect(res.headers["vary"]).toBe("Origin")
  })

  it("errors and 404s carry the CORS headers for an allowed origin", async () => {
    const failed = await send(gw.url, "GET", "/fail", { origin })
    expect(failed.status).toBe(500)
    expect(failed.headers["access-control-allow-origin"]).toBe(origin)
    expect(failed.headers["access-control-allow-credentials"]).toBe("true")
    const missing = await send(gw.url, "GET", "/nowhere", { origin })
    expect(missing.status).toBe(404)
    expect(missing.headers["access-control-allow-origin"]).toBe(origin)
    expect(missing.headers["vary"]).toBe("Origin")
  })

  it("a disallowed origin or no origin gets no CORS headers, but Vary: Origin", async () => {
    const evil = await send(gw.url, "GET", "/a", { origin: "https://evil" })
    expect(evil.status).toBe(200)
    expect(evil.headers["access-control-allow-origin"]).toBeUndefined()
    expect(evil.headers["access-control-allow-credentials"]).toBeUndefined()
    expect(evil.headers["access-control-expose-headers"]).toBeUndefined()
    expect(evil.headers["vary"]).toBe("Origin")
    const none = await send(gw.url, "GET", "/a")
    expect(none.status).toBe(200)
    expect(none.headers["access-control-allow-origin"]).toBeUndefined()
    expect(none.headers["vary"]).toBe("Origin")
  })
})

describe("security/cors with the defaults", () => {
  let gw: RunningSluice
  beforeAll(async () => {
    gw = await startSluice(gatewayConfig(backend.url, { "security/cors": {} }))
  })
  afterAll(() => gw.stop())

  it("allows any origin with *, the default methods, and only safelisted headers", async () => {
    const ok = await send(gw.url, "OPTIONS", "/a", {
      origin: "https://any.test",
      "access-control-request-method": "post",
      "access-control-request-headers": "content-type"
    })
    expect(ok.status).toBe(204)
    expect(ok.headers["access-control-allow-origin"]).toBe("*")
    expect(ok.headers["access-control-allow-methods"]).toBe("POST")
    expect(ok.headers["access-control-allow-headers"]).toBe("content-type")
    expect(ok.headers["access-control-allow-credentials"]).toBeUndefined()
    expect(ok.headers["access-control-max-age"]).toBeUndefined()
    const put = await send(gw.url, "OPTIONS", "/a", { origin: "https://any.test", "access-control-request-method": "PUT" })
    expect(allowHeaders(put.headers)).toEqual([])
    const auth = await send(gw.url, "OPTIONS", "/a", {
      origin: "https://any.test",
      "access-control-request-method": "GET",
      "access-control-request-headers": "authorization"
    })
    expect(allowHeaders(auth.headers)).toEqual([])
    // rs/cors's default list (what KrakenD allows) includes X-Requested-With.
    const xhr = await send(gw.url, "OPTIONS", "/a", {
      origin: "https://any.test",
      "access-control-request-method": "GET",
      "access-control-request-headers": "x-requested-with"
    })
    expect(xhr.headers["access-control-allow-headers"]).toBe("x-requested-with")
    const actual = await send(gw.url, "GET", "/a", { origin: "https://any.test" })
    expect(actual.headers["access-control-allow-origin"]).toBe("*")
    expect(actual.headers["access-control-expose-headers"]).toBeUndefined()
  })

  it("OPTIONS without Access-Control-Request-Method is not a preflight: it is routed", async () => {
    const res = await send(gw.url, "OPTIONS", "/a", { origin: "https://any.test" })
    expect(res.status).toBe(405)
    expect(res.headers["access-control-allow-origin"]).toBe("*")
  })
})

describe("security/cors options", () => {
  it("options_passthrough routes the preflight and adds the headers; options_success_status sets the status", async () => {
    const pass = await startSluice(gatewayConfig(backend.url, {
      "security/cors": { allow_origins: ["https://a.test"], options_passthrough: true }
    }))
    const status = await startSluice(gatewayConfig(backend.url, {
      "security/cors": { allow_origins: ["https://a.test"], options_success_status: 200, allow_headers: ["*"] }
    }))
    try {
      const routed = await send(pass.url, "OPTIONS", "/a", { origin: "https://a.test", "access-control-request-method": "GET" })
      expect(routed.status).toBe(405)
      expect(routed.headers["access-control-allow-origin"]).toBe("https://a.test")
      expect(routed.headers["access-control-allow-methods"]).toBe("GET")
      const ok = await send(status.url, "OPTIONS", "/a", {
        origin: "https://a.test",
        "access-control-request-method": "GET",
        "access-control-request-headers": "X-Anything"
      })
      expect(ok.status).toBe(200)
      expect(ok.headers["access-control-allow-headers"]).toBe("x-anything")
    } finally {
      await pass.stop()
      await status.stop()
    }
  })

  it("not configured: no CORS headers and preflights are routed", async () => {
    const gw = await startSluice(gatewayConfig(backend.url, {}))
    try {
      const pre = await send(gw.url, "OPTIONS", "/a", { origin: "https://a.test", "access-control-request-method": "GET" })
      expect(pre.status).toBe(405)
      expect(allowHeaders(pre.headers)).toEqual([])
      const res = await send(gw.url, "GET", "/a", { origin: "https://a.test" })
      expect(res.status).toBe(200)
      expect(res.headers["access-control-allow-origin"]).toBeUndefined()
      expect(res.headers["vary"]).toBeUndefined()
    } finally {
      await gw.stop()
    }
  })

  it("allow_origins * with allow_credentials is a config error naming its path", async () => {
    const file = writeConfig(gatewayConfig("http://127.0.0.1:1", {
      "security/cors": { allow_origins: ["*"], allow_credentials: true }
    }))
    const r = await runCli(["check", "-c", file])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      "$.extra_config[\"security/cors\"].allow_credentials: allow_credentials cannot be used with allow_origins [\"*\"]"
    )
    // the message says why and what to write instead
    expect(r.stderr).toContain("browsers reject credentialed answers carrying \"Access-Control-Allow-Origin: *\"")
    expect(r.stderr).toContain("List the origins that may send credentials")
    expect(r.stderr).toContain("set \"allow_credentials\": false")
  })

  it("an empty allow_origins allows any origin, as in rs/cors (and is refused with allow_credentials)", async () => {
    const gw = await startSluice(gatewayConfig(backend.url, { "security/cors": { allow_origins: [] } }))
    try {
      const res = await send(gw.url, "GET", "/a", { origin: "https://anywhere.test" })
      expect(res.headers["access-control-allow-origin"]).toBe("*")
    } finally {
      await gw.stop()
    }
    const file = writeConfig(gatewayConfig("http://127.0.0.1:1", { "security/cors": { allow_origins: [], allow_credentials: true } }))
    const r = await runCli(["check", "-c", file])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("$.extra_config[\"security/cors\"].allow_credentials: allow_credentials cannot be used")
  })

  it("the default allow_origins (*) with allow_credentials is refused too", async () => {
    const file = writeConfig(gatewayConfig("http://127.0.0.1:1", { "security/cors": { allow_credentials: true } }))
    const r = await runCli(["check", "-c", file])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("$.extra_config[\"security/cors\"].allow_credentials")
  })
})
