import { describe, expect, it } from "vitest"
import * as Duration from "effect/Duration"
import type { EndpointConfig, RouterOptions } from "../../src/config/Model.ts"
import { userAgent } from "../../src/Version.ts"
import { endpoint, gateway, mirror, send, withRouter } from "../support/Router.ts"

const one = <A>(
  e: EndpointConfig,
  f: Parameters<typeof withRouter<A>>[1],
  router: Partial<RouterOptions> = {}
) => withRouter({ config: gateway([e], {}, router), proxies: [mirror], debug: false }, f)

describe("request building", () => {
  it("method, client path, params, no url, deadline from the endpoint timeout", () =>
    one(endpoint("/a/{id}", { method: "PUT", timeout: Duration.seconds(5) }), async (r) => {
      const body = (await send(r, "/%61/x+y?q=1", { method: "PUT" })).json()
      expect(body.method).toBe("PUT")
      expect(body.path).toBe("/a/x+y")
      expect(body.params).toEqual({ Id: "x+y" })
      expect(body.url).toBe(null)
      expect(body.deadlineIn).toBeGreaterThan(3000)
      expect(body.deadlineIn).toBeLessThanOrEqual(5000)
      expect(body.body).toBe(null)
      expect(body.clientIp).toBe("127.0.0.1")
    }))

  it("reads the body only when there is one", () =>
    one(endpoint("/a", { method: "POST" }), async (r) => {
      expect((await send(r, "/a", { method: "POST", body: "payload" })).json().body).toBe("payload")
      expect((await send(r, "/a", { method: "POST" })).json().body).toBe(null)
      const chunked = await send(r, "/a", { method: "POST", headers: { "transfer-encoding": "chunked" }, body: "chunks" })
      expect(chunked.json().body).toBe("chunks")
    }))
})

describe("headers", () => {
  it("empty input_headers: only Content-Type, plus the gateway headers", () =>
    one(endpoint("/a"), async (r) => {
      const h = (await send(r, "/a", { headers: { "content-type": "application/json", "x-other": "1", "user-agent": "curl/8" } })).json().headers
      expect(h).toEqual({
        "Content-Type": ["application/json"],
        "User-Agent": [userAgent],
        "X-Forwarded-For": ["127.0.0.1"],
        "X-Forwarded-Host": [`127.0.0.1:${r.port}`]
      })
    }))

  it("listed headers, case-insensitive, canonical names, all values in order; Content-Type dropped", () =>
    one(endpoint("/a", { input_headers: ["x-tenant", "X-MULTI", "User-Agent"] }), async (r) => {
      const h = (await send(r, "/a", {
        headers: { "X-Tenant": "t1", "x-multi": ["a", "b", "c"], "content-type": "text/plain", "user-agent": "curl/8" }
      })).json().headers
      expect(h["X-Tenant"]).toEqual(["t1"])
      expect(h["X-Multi"]).toEqual(["a", "b", "c"])
      expect(h["Content-Type"]).toBeUndefined()
      expect(h["User-Agent"]).toEqual(["curl/8"])
      expect(h["X-Forwarded-Via"]).toEqual([userAgent])
    }))

  it("* forwards every client header but hop-by-hop, Host and Content-Length", () =>
    one(endpoint("/a", { method: "POST", input_headers: ["*"] }), async (r) => {
      const h = (await send(r, "/a", {
        method: "POST",
        headers: {
          "x-one": "1",
          "keep-alive": "timeout=5",
          te: "trailers",
          trailer: "x-t",
          upgrade: "h2c",
          "proxy-authorization": "Basic x",
          "proxy-connection": "keep-alive",
          "content-type": "text/plain"
        },
        body: "x"
      })).json().headers
      expect(h["X-One"]).toEqual(["1"])
      expect(h["Content-Type"]).toEqual(["text/plain"])
      for (const name of ["Keep-Alive", "Te", "Trailer", "Upgrade", "Proxy-Authorization", "Proxy-Connection", "Connection", "Host", "Content-Length"]) {
        expect(h[name], name).toBeUndefined()
      }
    }))

  it("Connection-nominated names are removed, but gateway headers survive (C5)", () =>
    one(endpoint("/a", { input_headers: ["*"] }), async (r) => {
      const h = (await send(r, "/a", {
        headers: {
          connection: "keep-alive, X-Secret, X-Forwarded-For, X-Forwarded-Host, Authorization",
          "x-secret": "s",
          authorization: "Bearer t",
          "x-forwarded-for": "6.6.6.6",
          "x-forwarded-host": "evil"
        }
      })).json().headers
      expect(h["X-Secret"]).toBeUndefined()
      expect(h["Authorization"]).toBeUndefined()
      expect(h["X-Forwarded-For"]).toEqual(["127.0.0.1"])
      expect(h["X-Forwarded-Host"]).toEqual([`127.0.0.1:${r.port}`])
    }))

  it("client X-Forwarded-For/Host never override the gateway's", () =>
    one(endpoint("/a", { input_headers: ["X-Forwarded-For", "X-Forwarded-Host"] }), async (r) => {
      const h = (await send(r, "/a", { headers: { "x-forwarded-for": "6.6.6.6", "x-forwarded-host": "evil" } })).json().headers
      expect(h["X-Forwarded-For"]).toEqual(["127.0.0.1"])
      expect(h["X-Forwarded-Host"]).toEqual([`127.0.0.1:${r.port}`])
    }))
})

describe("query", () => {
  it("exact names, repeated values in order, nothing else", () =>
    one(endpoint("/a", { input_query_strings: ["a", "b[x]"] }), async (r) => {
      const q = (await send(r, "/a?a=1&A=9&c=3&a=2&b[x]=7&__proto__[x]=1")).json().query
      expect(q).toEqual([["a", "1"], ["a", "2"], ["b[x]", "7"]])
      expect(({} as Record<string, unknown>)["x"]).toBeUndefined()
    }))

  it("* forwards every pair, unexpanded, ordered by name like Go's url.Values (repeated values in order)", () =>
    one(endpoint("/a", { input_query_strings: ["*"] }), async (r) => {
      const q = (await send(r, "/a?z=1&__proto__[x]=1&a[]=2&z=3")).json().query
      expect(q).toEqual([["__proto__[x]", "1"], ["a[]", "2"], ["z", "1"], ["z", "3"]])
    }))

  it("no input_query_strings: no query", () =>
    one(endpoint("/a"), async (r) => {
      expect((await send(r, "/a?a=1")).json().query).toEqual([])
    }))
})

describe("client IP", () => {
  it("a client X-Forwarded-For is ignored when the peer is not trusted", () =>
    one(endpoint("/a"), async (r) => {
      const body = (await send(r, "/a", { headers: { "x-forwarded-for": "6.6.6.6" } })).json()
      expect(body.clientIp).toBe("127.0.0.1")
      expect(body.headers["X-Forwarded-For"]).toEqual(["127.0.0.1"])
    }, { forwarded_by_client_ip: true, trusted_proxies: ["10.0.0.0/8"] }))

  it("trusted peer: walk right to left skipping trusted hops (A, B, C via D → B)", () =>
    one(endpoint("/a"), async (r) => {
      const body = (await send(r, "/a", { headers: { "x-forwarded-for": "1.1.1.1, 2.2.2.2, 10.0.0.3" } })).json()
      expect(body.clientIp).toBe("2.2.2.2")
      expect(body.headers["X-Forwarded-For"]).toEqual(["2.2.2.2"])
      const real = (await send(r, "/a", { headers: { "x-real-ip": "3.3.3.3" } })).json()
      expect(real.clientIp).toBe("3.3.3.3")
      const garbage = (await send(r, "/a", { headers: { "x-forwarded-for": "not-an-ip" } })).json()
      expect(garbage.clientIp).toBe("127.0.0.1")
    }, { forwarded_by_client_ip: true, trusted_proxies: ["127.0.0.1", "10.0.0.0/8"] }))

  it("forwarded_by_client_ip off: the peer", () =>
    one(endpoint("/a"), async (r) => {
      expect((await send(r, "/a", { headers: { "x-forwarded-for": "2.2.2.2" } })).json().clientIp).toBe("127.0.0.1")
    }, { trusted_proxies: ["127.0.0.1"] }))
})
