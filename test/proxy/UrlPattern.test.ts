import * as fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as HostSelection from "../../src/proxy/HostSelection.ts"
import * as UrlPattern from "../../src/proxy/UrlPattern.ts"
import * as Backend from "../support/Backend.ts"
import * as Effect from "effect/Effect"
import * as Factory from "../../src/proxy/Factory.ts"
import { backend as mk, callBackend, endpoint, failure, request, run, service, success } from "./Fixtures.ts"

describe("UrlPattern", () => {
  it("fills placeholders with capitalised keys, JWT and resp params", () => {
    const p = UrlPattern.compile("/users/{id}/{JWT.sub}/{resp0_x}")
    expect(UrlPattern.fillPath(p, { Id: "7", "JWT.sub": "u1", Resp0_x: "r" })).toBe("/users/7/u1/r")
  })
  it("leaves a missing placeholder literally", () => {
    expect(UrlPattern.fillPath(UrlPattern.compile("/users/{id}"), {})).toBe("/users/{id}")
  })
  it("encodes each value as one segment", () => {
    expect(UrlPattern.fillPath(UrlPattern.compile("/a/{x}"), { X: "b/c?d#e" })).toBe("/a/b%2Fc%3Fd%23e")
  })
  it("ignores inherited keys of the params object", () => {
    expect(UrlPattern.fillPath(UrlPattern.compile("/a/{constructor}"), {})).toBe("/a/{constructor}")
  })
  it("compiles the query of the pattern", () => {
    const p = UrlPattern.compile("/foo?channel={channel}&fixed=a%20b")
    expect(UrlPattern.fillQuery(p, { Channel: "x&y" })).toEqual([["channel", "x&y"], ["fixed", "a b"]])
  })
  it("counts dot segments", () => {
    expect(UrlPattern.countDotSegments("/a/../b/./c/%2e%2E/d..e")).toBe(3)
  })
})

describe("request builder + host selection over a real backend", () => {
  let backend: Backend.Backend
  let other: Backend.Backend
  beforeAll(async () => {
    backend = await Backend.start((_req, res) => Backend.json(res, 200, { ok: true }))
    other = await Backend.start((_req, res) => Backend.json(res, 200, { evil: true }))
  })
  afterAll(async () => {
    await backend.close()
    await other.close()
  })

  const attacks: ReadonlyArray<readonly [string, string]> = [
    ["%2F", "/api/users/%252F/profile"],
    ["/", "/api/users/%2F/profile"],
    ["a/../../admin", "/api/users/a%2F..%2F..%2Fadmin/profile"],
    ["%00", "/api/users/%2500/profile"],
    ["\u0000", "/api/users/%00/profile"],
    ["\r\nX-Injected: 1", "/api/users/%0D%0AX-Injected%3A%201/profile"],
    ["//evil.test", "/api/users/%2F%2Fevil.test/profile"],
    ["http://127.0.0.1:9", "/api/users/http%3A%2F%2F127.0.0.1%3A9/profile"],
    ["@evil", "/api/users/%40evil/profile"],
    ["\\evil", "/api/users/%5Cevil/profile"],
    ["?x=1#y", "/api/users/%3Fx%3D1%23y/profile"],
    ["%2e%2e", "/api/users/%252e%252e/profile"]
  ]
  it.each(attacks)("param %j stays one segment", async (value, expected) => {
    const before = backend.requests.length
    success(await callBackend({ host: [backend.url], url_pattern: "/api/users/{id}/profile" }, { params: { Id: value } }))
    expect(backend.requests.length).toBe(before + 1)
    expect(backend.requests.at(-1)!.url).toBe(expected)
  })

  it.each([".", ".."])("param %j (a dot segment) is rejected without dispatching", async (value) => {
    const before = backend.requests.length
    const e = failure(await callBackend({ host: [backend.url], url_pattern: "/api/users/{id}" }, { params: { Id: value } }))
    expect(e._tag).toBe("BackendError")
    expect(e._tag === "BackendError" && e.reason).toBe("InvalidUrl")
    expect(backend.requests.length).toBe(before)
  })

  it("a pattern without a leading slash cannot change the host", async () => {
    const before = other.requests.length
    const e = failure(await callBackend({ host: [backend.url], url_pattern: "{x}" }, { params: { X: `@127.0.0.1:${other.port}` } }))
    expect(e._tag === "BackendError" && e.reason).toBe("InvalidUrl")
    expect(other.requests.length).toBe(before)
  })

  it("appends the forwarded query to the pattern query with &", async () => {
    success(
      await callBackend(
        { host: [backend.url], url_pattern: "/foo?channel={channel}" },
        { params: { Channel: "a b" }, query: [["limit", "10"], ["a", "1"], ["a", "2"]] }
      )
    )
    expect(backend.requests.at(-1)!.url).toBe("/foo?channel=a+b&limit=10&a=1&a=2")
  })

  it("keeps the host path prefix", async () => {
    success(await callBackend({ host: [backend.url + "/base"], url_pattern: "/x/{id}" }, { params: { Id: "1" } }))
    expect(backend.requests.at(-1)!.url).toBe("/base/x/1")
  })

  it("round-robins over the hosts", async () => {
    const a = backend.requests.length
    const b = other.requests.length
    await run(
      Effect.flatMap(Factory.makeEndpointProxy(endpoint([mk({ host: [backend.url, other.url], url_pattern: "/rr", encoding: "safejson" })]), service()), (proxy) =>
        Effect.forEach([1, 2, 3, 4], () => proxy(request()), { concurrency: 1 }))
    )
    expect(backend.requests.length - a).toBe(2)
    expect(other.requests.length - b).toBe(2)
  })

  it("property: filling never changes the origin or the segment count", () => {
    const pattern = UrlPattern.compile("/api/{a}/x/{b}")
    const host = { base: "http://127.0.0.1:8080/pre", origin: "http://127.0.0.1:8080", prefix: "/pre" }
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (a, b) => {
        const path = UrlPattern.fillPath(pattern, { A: a, B: b })
        const url = host.base + path
        const problem = HostSelection.check(url, host, path, 0)
        const isDot = (s: string) => s === "." || s === ".."
        if (isDot(a) || isDot(b)) return problem !== undefined
        if (problem !== undefined) return false
        const u = new URL(url)
        return u.origin === host.origin && u.pathname.split("/").length === 6 && u.search === "" && u.hash === ""
      }),
      { numRuns: 2000 }
    )
  })
})
