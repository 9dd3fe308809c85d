import { describe, expect, it } from "vitest"
import * as Effect from "effect/Effect"
import * as Proxy from "../../src/proxy/Proxy.ts"
import { version } from "../../src/Version.ts"
import { endpoint, gateway, mirror, send, withRouter } from "../support/Router.ts"
import type { EndpointConfig, RouterOptions } from "../../src/config/Model.ts"

const tagged = (name: string): Proxy.Proxy => (req) => Effect.succeed(Proxy.response({ route: name, params: { ...req.params } }))

const routes: ReadonlyArray<readonly [EndpointConfig, Proxy.Proxy]> = [
  [endpoint("/users/{id}"), tagged("users-param")],
  [endpoint("/users/me"), tagged("users-me")],
  [endpoint("/users/{id}", { method: "DELETE" }), tagged("users-delete")],
  [endpoint("/items", { method: "POST" }), tagged("items-post")],
  [endpoint("/items/{id}/parts/{part}"), tagged("parts")],
  [endpoint("/Static/Path"), tagged("static-path")],
  [endpoint("/"), tagged("root")]
]

const run = <A>(
  f: Parameters<typeof withRouter<A>>[1],
  router: Partial<RouterOptions> = {},
  extra: Parameters<typeof gateway>[1] = {},
  debug = false
) => withRouter({ config: gateway(routes.map(([e]) => e), extra, router), proxies: routes.map(([, p]) => p), debug }, f)

describe("matching", () => {
  it("static beats param, params are capitalised, whole segments", () =>
    run(async (r) => {
      expect((await send(r, "/users/me")).json()).toEqual({ route: "users-me", params: {} })
      expect((await send(r, "/users/42")).json()).toEqual({ route: "users-param", params: { Id: "42" } })
      expect((await send(r, "/items/7/parts/wheel")).json()).toEqual({ route: "parts", params: { Id: "7", Part: "wheel" } })
      expect((await send(r, "/")).json()).toEqual({ route: "root", params: {} })
      const ok = await send(r, "/users/42")
      expect(ok.status).toBe(200)
      expect(ok.headers["x-krakend"]).toBe(`Version ${version}`)
    }))

  it("methods are registered separately; DELETE on /users/me falls back to the param route", () =>
    run(async (r) => {
      expect((await send(r, "/users/me", { method: "DELETE" })).json()).toEqual({ route: "users-delete", params: { Id: "me" } })
      expect((await send(r, "/items", { method: "POST" })).json()).toEqual({ route: "items-post", params: {} })
    }))

  it("matches on the decoded path; %2F cannot match a param segment", () =>
    run(async (r) => {
      expect((await send(r, "/%75sers/me")).json()).toEqual({ route: "users-me", params: {} })
      expect((await send(r, "/users/a%2Fb")).status).toBe(404)
      expect((await send(r, "/users/%zz")).status).toBe(400)
    }))
})

describe("404 and 405", () => {
  it("404 page not found, text/plain, completed false, version header", () =>
    run(async (r) => {
      const res = await send(r, "/nope")
      expect(res.status).toBe(404)
      expect(res.body).toBe("404 page not found")
      expect(res.headers["content-type"]).toBe("text/plain") // gin: no charset
      expect(res.headers["x-krakend-completed"]).toBe("false")
      expect(res.headers["x-krakend"]).toBe(`Version ${version}`)
    }))

  it("405 method not allowed with Allow", () =>
    run(async (r) => {
      const res = await send(r, "/items")
      expect(res.status).toBe(405)
      expect(res.body).toBe("405 method not allowed")
      expect(res.headers["content-type"]).toBe("text/plain")
      expect(res.headers["allow"]).toBe("POST")
      expect(res.headers["x-krakend-completed"]).toBe("false")
      const put = await send(r, "/users/9", { method: "PUT" })
      expect(put.status).toBe(405)
      expect(put.headers["allow"]).toBe("GET, DELETE")
    }))

  it("disable_handle_method_not_allowed → 404; hide_version_header", () =>
    run(async (r) => {
      const res = await send(r, "/items")
      expect(res.status).toBe(404)
      expect(res.headers["x-krakend"]).toBe("Version undefined")
    }, { disable_handle_method_not_allowed: true, hide_version_header: true }))

  it("error_body gives JSON bodies", () =>
    run(async (r) => {
      const nf = await send(r, "/nope")
      expect(nf.status).toBe(404)
      expect(nf.headers["content-type"]).toBe("application/json; charset=utf-8")
      expect(nf.json()).toEqual({ error: "not here" })
      const na = await send(r, "/items")
      expect(na.status).toBe(405)
      expect(na.json()).toEqual({ error: "wrong method", code: 405 })
    }, { error_body: { "404": { error: "not here" }, "405": { error: "wrong method", code: 405 } } }))
})

describe("redirects", () => {
  it("trailing slash: 301 for GET, 307 otherwise, query kept", () =>
    run(async (r) => {
      const get = await send(r, "/users/me/?a=1")
      expect(get.status).toBe(301)
      expect(get.headers.location).toBe("/users/me?a=1")
      const post = await send(r, "/items/", { method: "POST" })
      expect(post.status).toBe(307)
      expect(post.headers.location).toBe("/items")
    }))

  it("fixed path: case-insensitive and cleaned", () =>
    run(async (r) => {
      const res = await send(r, "/static/PATH?x=y")
      expect(res.status).toBe(301)
      expect(res.headers.location).toBe("/Static/Path?x=y")
      const cleaned = await send(r, "/users//me")
      expect(cleaned.status).toBe(301)
      expect(cleaned.headers.location).toBe("/users/me")
      const dots = await send(r, "/items/./x/../", { method: "POST" })
      expect(dots.status).toBe(307)
      expect(dots.headers.location).toBe("/items")
    }))

  it("flags disable each redirect", () =>
    run(async (r) => {
      expect((await send(r, "/users/me/")).status).toBe(404)
      expect((await send(r, "/static/path")).status).toBe(404)
    }, { disable_redirect_trailing_slash: true, disable_redirect_fixed_path: true }))

  it("remove_extra_slash matches without a redirect", () =>
    run(async (r) => {
      const res = await send(r, "//users///me")
      expect(res.status).toBe(200)
      expect(res.json()).toEqual({ route: "users-me", params: {} })
    }, { remove_extra_slash: true }))
})

describe("param checker", () => {
  const bad = ["%2F", "%3F", "%23", "%00", "%0d%0aX-Injected:%201", "..", ".", "%2e%2e", "a%25b"]
  it.each(bad)("/users/%s → 400 and the proxy is not called", (payload) => {
    let called = 0
    const counting: Proxy.Proxy = (req) => Effect.suspend(() => { called++; return mirror(req) })
    return withRouter(
      { config: gateway([endpoint("/users/{id}"), endpoint("/files/{a}/{b}")]), proxies: [counting, counting], debug: false },
      async (r) => {
        const res = await send(r, `/users/${payload}`)
        expect(res.status === 400 || res.status === 404).toBe(true)
        if (payload !== "%2F") expect(res.status).toBe(400)
        expect(called).toBe(0)
      }
    )
  })

  it("an encoded slash that realigns segments is still rejected", () =>
    withRouter(
      { config: gateway([endpoint("/files/{a}/{b}")]), proxies: [mirror], debug: false },
      async (r) => {
        expect((await send(r, "/files/x%2Fy")).status).toBe(400)
        expect((await send(r, "/files/x/y")).status).toBe(200)
      }
    ))

  it("disable_path_decoding keeps Sluice's dot and control checks only", () =>
    withRouter(
      { config: gateway([endpoint("/users/{id}")], {}, { disable_path_decoding: true }), proxies: [mirror], debug: false },
      async (r) => {
        const ok = await send(r, "/users/a%3Fb")
        expect(ok.status).toBe(200)
        expect(ok.json().params).toEqual({ Id: "a?b" })
        expect((await send(r, "/users/%2e%2e")).status).toBe(400)
        expect((await send(r, "/users/a%0Ab")).status).toBe(400)
      }
    ))
})

describe("reserved routes", () => {
  it("health", () =>
    run(async (r) => {
      const res = await send(r, "/__health")
      expect(res.status).toBe(200)
      expect(res.headers["content-type"]).toBe("application/json; charset=utf-8")
      const body = res.json()
      expect(body.status).toBe("ok")
      expect(body.agents).toEqual({})
      expect(Number.isNaN(Date.parse(body.now))).toBe(false)
      expect((await send(r, "/__debug/x")).status).toBe(404)
      expect((await send(r, "/__echo/x")).status).toBe(404)
    }))

  it("health_path and disable_health", async () => {
    await run(async (r) => {
      expect((await send(r, "/healthz")).status).toBe(200)
      expect((await send(r, "/__health")).status).toBe(404)
    }, { health_path: "/healthz" })
    await run(async (r) => {
      expect((await send(r, "/__health")).status).toBe(404)
    }, { disable_health: true })
  })

  it("debug answers pong for any method when enabled", async () => {
    await run(async (r) => {
      for (const method of ["GET", "POST", "PUT"]) {
        const res = await send(r, "/__debug/some/thing?x=1", { method, body: method === "GET" ? undefined : "hi" })
        expect(res.status).toBe(200)
        expect(res.json()).toEqual({ message: "pong" })
      }
    }, {}, { debug_endpoint: true })
    await run(async (r) => {
      expect((await send(r, "/__debug/")).json()).toEqual({ message: "pong" })
    }, {}, {}, true)
  })

  it("echo returns the request like lura's echo handler", () =>
    run(async (r) => {
      const res = await send(r, "/__echo/x?a=1&a=2&b=3", {
        method: "POST",
        headers: { "content-type": "text/plain", "x-multi": ["1", "2"] },
        body: "hello"
      })
      expect(res.status).toBe(200)
      const body = res.json()
      expect(body.req_uri).toBe("/__echo/x?a=1&a=2&b=3")
      expect(body.req_uri_details).toEqual({ user: "", host: "", path: "/__echo/x", query: "a=1&a=2&b=3", fragment: "" })
      expect(body.req_method).toBe("POST")
      expect(body.req_querystring).toEqual({ a: ["1", "2"], b: ["3"] })
      expect(body.req_body).toBe("hello")
      expect(body.req_headers["Content-Type"]).toEqual(["text/plain"])
      expect(body.req_headers["X-Multi"]).toEqual(["1", "2"])
      expect(body.req_headers["Host"]).toBeUndefined()
    }, {}, { echo_endpoint: true }))
})

describe("auto_options", () => {
  it("OPTIONS answers 200 with Allow", () =>
    run(async (r) => {
      const res = await send(r, "/users/5", { method: "OPTIONS" })
      expect(res.status).toBe(200)
      expect(res.headers["allow"]).toBe("GET, DELETE")
    }, { auto_options: true }))

  it("without auto_options, OPTIONS is a 405", () =>
    run(async (r) => {
      expect((await send(r, "/users/5", { method: "OPTIONS" })).status).toBe(405)
    }))
})
