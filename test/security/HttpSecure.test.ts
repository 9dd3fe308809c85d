/**
 * `security/http` over real HTTP and HTTPS (AUTH-TLS.md §8, cases 52–55): the headers on every
 * routed answer (200, 404, a JWT 401, a backend error), STS only over HTTPS (or a trusted proxy
 * header, or forced), the host allowlist (500 `Bad Host`), the SSL redirect, the CSP nonce, and
 * what it does not touch (CORS preflights, a no-op backend's own header).
 */
import { request as httpsRequest } from "node:https"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import * as Certs from "../support/Certs.ts"
import { type Served, serve } from "../semantics/Harness.ts"

let backend: Backend.Backend
let ca: Certs.Authority
let leaf: Certs.Issued

beforeAll(async () => {
  backend = await Backend.start((req, res) => {
    if (req.url === "/slow") {
      setTimeout(() => Backend.json(res, 200, { slow: true }), 400)
      return
    }
    if (req.url === "/framed") {
      res.writeHead(200, { "content-type": "text/plain", "x-frame-options": "SAMEORIGIN" })
      return res.end("framed")
    }
    return req.url === "/fail" ? Backend.json(res, 500, { error: true }) : Backend.json(res, 200, { ok: true })
  })
  const dir = Certs.folder()
  ca = Certs.authority(dir, "ca")
  leaf = ca.issue("localhost", { dns: ["localhost"] })
})
afterAll(() => backend.close())

const gateway = (secure: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  version: 3,
  host: [backend.url],
  extra_config: { "security/http": secure },
  endpoints: [
    { endpoint: "/a", backend: [{ url_pattern: "/ok" }] },
    { endpoint: "/fail", backend: [{ url_pattern: "/fail" }] },
    { endpoint: "/framed", output_encoding: "no-op", backend: [{ url_pattern: "/framed" }] },
    {
      endpoint: "/jwt",
      backend: [{ url_pattern: "/ok" }],
      extra_config: { "auth/validator": { alg: "RS256", jwk_url: "https://127.0.0.1:1/jwks" } }
    }
  ],
  ...extra
})

const with_ = async (json: unknown, f: (gw: Served) => Promise<void>) => {
  const gw = await serve(json)
  try {
    await f(gw)
  } finally {
    await gw.close()
  }
}

const HEADERS = {
  frame_deny: true,
  content_type_nosniff: true,
  browser_xss_filter: true,
  referrer_policy: "same-origin",
  content_security_policy: "default-src 'self'",
  sts_seconds: 300,
  sts_include_subdomains: true
}

const httpsGet = (port: number, path: string) =>
  new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = httpsRequest({ host: "127.0.0.1", port, path, servername: "localhost", ca: [ca.certPem] }, (res) => {
      res.resume()
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }))
    })
    req.on("error", reject)
    req.end()
  })

describe("security/http headers", () => {
  it("52 are on every routed answer: 200, 404, 500, a JWT 401; STS only over HTTPS", async () => {
    await with_(gateway(HEADERS), async (gw) => {
      for (const [path, status] of [["/a", 200], ["/nope", 404], ["/fail", 500], ["/jwt", 401]] as const) {
        const res = await fetch(`${gw.url}${path}`)
        expect(res.status, path).toBe(status)
        expect(res.headers.get("x-frame-options")).toBe("DENY")
        expect(res.headers.get("x-content-type-options")).toBe("nosniff")
        expect(res.headers.get("x-xss-protection")).toBe("1; mode=block")
        expect(res.headers.get("referrer-policy")).toBe("same-origin")
        expect(res.headers.get("content-security-policy")).toBe("default-src 'self'")
        expect(res.headers.get("strict-transport-security")).toBeNull()
      }
    })
    await with_(gateway(HEADERS, { tls: { keys: [{ public_key: leaf.cert, private_key: leaf.key }] } }), async (gw) => {
      for (const path of ["/a", "/nope"]) {
        const res = await httpsGet(gw.port, path)
        expect(res.headers["strict-transport-security"]).toBe("max-age=300; includeSubDomains")
        expect(res.headers["x-frame-options"]).toBe("DENY")
      }
    })
  })

  it("53 STS on plain HTTP behind a trusted proxy header, or with force_sts_header", async () => {
    await with_(gateway({ sts_seconds: 60, ssl_proxy_headers: { "X-Forwarded-Proto": "https" } }), async (gw) => {
      expect((await fetch(`${gw.url}/a`)).headers.get("strict-transport-security")).toBeNull()
      expect((await fetch(`${gw.url}/a`, { headers: { "x-forwarded-proto": "http" } })).headers.get("strict-transport-security")).toBeNull()
      const proxied = await fetch(`${gw.url}/a`, { headers: { "x-forwarded-proto": "https" } })
      expect(proxied.headers.get("strict-transport-security")).toBe("max-age=60")
    })
    await with_(gateway({ sts_seconds: 60, force_sts_header: true }), async (gw) => {
      expect((await fetch(`${gw.url}/a`)).headers.get("strict-transport-security")).toBe("max-age=60")
    })
  })

  it("custom_frame_options_value wins over frame_deny; a no-op backend's own header wins; a CSP $NONCE is fresh per request", async () => {
    await with_(gateway({ frame_deny: true, custom_frame_options_value: "ALLOW-FROM https://a.example", content_security_policy: "script-src $NONCE" }), async (gw) => {
      expect((await fetch(`${gw.url}/a`)).headers.get("x-frame-options")).toBe("ALLOW-FROM https://a.example")
      expect((await fetch(`${gw.url}/framed`)).headers.get("x-frame-options")).toBe("SAMEORIGIN")
      const one = (await fetch(`${gw.url}/a`)).headers.get("content-security-policy")!
      const two = (await fetch(`${gw.url}/a`)).headers.get("content-security-policy")!
      expect(one).toMatch(/^script-src 'nonce-[A-Za-z0-9+/]{22}=='$/)
      expect(one).not.toBe(two)
    })
  })

  it("a request shed by sluice/server.max_concurrent_requests gets the headers too", async () => {
    const config = gateway({ frame_deny: true })
    await with_({
      ...config,
      extra_config: { ...config.extra_config, "sluice/server": { max_concurrent_requests: 1 } },
      endpoints: [...config.endpoints, { endpoint: "/slow", backend: [{ url_pattern: "/slow" }] }]
    }, async (gw) => {
      const [first, second] = await Promise.all([fetch(`${gw.url}/slow`), new Promise((r) => setTimeout(r, 100)).then(() => fetch(`${gw.url}/slow`))])
      expect([first.status, second.status].sort()).toEqual([200, 503])
      for (const res of [first, second]) expect(res.headers.get("x-frame-options")).toBe("DENY")
    })
  })

  it("a CORS preflight is answered before it and gets none of its headers", async () => {
    const config = gateway({ frame_deny: true })
    await with_({ ...config, extra_config: { ...config.extra_config, "security/cors": { allow_origins: ["https://app.example"] } } }, async (gw) => {
      const preflight = await fetch(`${gw.url}/a`, {
        method: "OPTIONS",
        headers: { origin: "https://app.example", "access-control-request-method": "GET" }
      })
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get("x-frame-options")).toBeNull()
      expect((await fetch(`${gw.url}/a`, { headers: { origin: "https://app.example" } })).headers.get("x-frame-options")).toBe("DENY")
    })
  })
})

describe("security/http hosts and redirects", () => {
  it("54 a host outside allowed_hosts gets 500 Bad Host, with no security header; the match ignores case and includes the port", async () => {
    await with_(gateway({ allowed_hosts: ["api.test:8080"], frame_deny: true }), async (gw) => {
      const before = backend.requests.length
      const bad = await fetch(`${gw.url}/a`)
      expect(bad.status).toBe(500)
      expect(await bad.text()).toBe("Bad Host\n")
      expect(bad.headers.get("content-type")).toBe("text/plain; charset=utf-8")
      expect(bad.headers.get("x-content-type-options")).toBe("nosniff")
      expect(bad.headers.get("x-frame-options")).toBeNull()
      expect(backend.requests.length).toBe(before)
      const { request } = await import("node:http")
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port: gw.port, path: "/a", headers: { host: "API.TEST:8080" } }, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on("error", reject)
        req.end()
      })
      expect(status).toBe(200)
    })
  })

  it("host_proxy_headers and regular expressions; is_development turns the allowlist off", async () => {
    await with_(gateway({ allowed_hosts: ["[a-z]+\\.example\\.com"], allowed_hosts_are_regex: true, host_proxy_headers: ["X-Forwarded-Host"] }), async (gw) => {
      expect((await fetch(`${gw.url}/a`, { headers: { "x-forwarded-host": "api.example.com" } })).status).toBe(200)
      expect((await fetch(`${gw.url}/a`, { headers: { "x-forwarded-host": "api.example.com.evil" } })).status).toBe(500)
      expect((await fetch(`${gw.url}/a`)).status).toBe(500)
    })
    await with_(gateway({ allowed_hosts: ["api.test"], is_development: true }), async (gw) => {
      expect((await fetch(`${gw.url}/a`)).status).toBe(200)
    })
  })

  it("55 ssl_redirect: 301 to https with the path and query (ssl_host when set); none over a trusted proxy header or in development", async () => {
    await with_(gateway({ ssl_redirect: true, ssl_proxy_headers: { "X-Forwarded-Proto": "https" } }), async (gw) => {
      const res = await fetch(`${gw.url}/a?b=1`, { redirect: "manual" })
      expect(res.status).toBe(301)
      expect(res.headers.get("location")).toBe(`https://127.0.0.1:${gw.port}/a?b=1`)
      expect(await res.text()).toBe(`<a href="https://127.0.0.1:${gw.port}/a?b=1">Moved Permanently</a>.\n\n`)
      const post = await fetch(`${gw.url}/a`, { method: "POST", redirect: "manual" })
      expect([post.status, await post.text()]).toEqual([301, ""])
      expect((await fetch(`${gw.url}/a`, { headers: { "x-forwarded-proto": "https" } })).status).toBe(200)
    })
    await with_(gateway({ ssl_redirect: true, ssl_host: "secure.example" }), async (gw) => {
      const res = await fetch(`${gw.url}/a?b=1`, { redirect: "manual" })
      expect(res.headers.get("location")).toBe("https://secure.example/a?b=1")
    })
    await with_(gateway({ ssl_redirect: true, is_development: true }), async (gw) => {
      expect((await fetch(`${gw.url}/a`, { redirect: "manual" })).status).toBe(200)
    })
  })

  it("is enforced under its legacy name github_com/devopsfaith/krakend-httpsecure", async () => {
    const config = gateway({})
    await with_({ ...config, extra_config: { "github_com/devopsfaith/krakend-httpsecure": { allowed_hosts: ["only.test"], frame_deny: true } } }, async (gw) => {
      expect((await fetch(`${gw.url}/a`)).status).toBe(500)
    })
  })
})
