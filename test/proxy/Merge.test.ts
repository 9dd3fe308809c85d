import * as Duration from "effect/Duration"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BackendError } from "../../src/proxy/ProxyError.ts"
import * as Backend from "../support/Backend.ts"
import { backend, callEndpoint, endpoint, failure, success } from "./Fixtures.ts"

describe("Merge", () => {
  let b: Backend.Backend
  beforeAll(async () => {
    b = await Backend.start((req, res) => {
      const url = req.url ?? ""
      if (url === "/a") return Backend.json(res, 200, { a: 1, shared: "a" })
      if (url === "/b") return setTimeout(() => Backend.json(res, 200, { b: 2, shared: "b" }), 50)
      if (url === "/c") return Backend.json(res, 200, { c: 3, shared: "c" })
      if (url === "/fail") return Backend.json(res, 500, { error: true })
      if (url === "/slow") return setTimeout(() => Backend.json(res, 200, { slow: true }), 5000)
      if (url === "/proto1") {
        res.writeHead(200, { "content-type": "application/json" })
        return res.end('{"__proto__":{"polluted":1},"x":1}')
      }
      if (url === "/proto2") {
        res.writeHead(200, { "content-type": "application/json" })
        return res.end('{"constructor":{"prototype":{"polluted":1}},"y":2}')
      }
      res.writeHead(404).end()
    })
  })
  afterAll(() => b.close())

  const at = (path: string, over = {}) => backend({ host: [b.url], url_pattern: path, ...over })

  it("merges in declaration order: a later-declared backend wins a collision, even when it answers first", async () => {
    const res = success(await callEndpoint(endpoint([at("/a"), at("/b"), at("/c")])))
    expect({ ...res.data }).toEqual({ a: 1, b: 2, c: 3, shared: "c" })
    expect(res.isComplete).toBe(true)
    const res2 = success(await callEndpoint(endpoint([at("/c"), at("/b")])))
    expect(res2.data["shared"]).toBe("b")
  })

  it("one 500 and one timeout → partial, incomplete, errors kept; the slow backend sees its request closed", async () => {
    const before = b.requests.length
    const res = success(await callEndpoint(endpoint([at("/a"), at("/fail"), at("/slow")], { timeout: Duration.millis(300) })))
    expect({ ...res.data }).toEqual({ a: 1, shared: "a" })
    expect(res.isComplete).toBe(false)
    expect(res.errors.map((e) => (e as BackendError).reason)).toEqual(["Status", "Timeout"])
    const slow = b.requests.slice(before).find((r) => r.url === "/slow")!
    await slow.closed
    expect(slow.aborted()).toBe(true)
  })

  it("the merge budget is 85% of the endpoint timeout", async () => {
    const started = Date.now()
    const res = success(await callEndpoint(endpoint([at("/a"), at("/slow")], { timeout: Duration.seconds(1) }), { deadline: Date.now() + 10_000 }))
    expect(res.isComplete).toBe(false)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it("every part failed → MergeError with the errors in declaration order", async () => {
    const e = failure(await callEndpoint(endpoint([at("/fail"), backend({ host: ["http://127.0.0.1:1"] })])))
    expect(e._tag).toBe("MergeError")
    expect(e._tag === "MergeError" && e.errors.map((x) => (x as BackendError).reason)).toEqual(["Status", "Transport"])
  })

  it("a return_error_details part makes the result incomplete", async () => {
    const res = success(
      await callEndpoint(endpoint([at("/a"), at("/fail", { extra_config: { "backend/http": { return_error_code: false, return_error_details: "f" } } })]))
    )
    expect(res.isComplete).toBe(false)
    expect(res.data).toHaveProperty("error_f")
  })

  it("prototype pollution from backend bodies stays inert (C11)", async () => {
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort()
    const res = success(await callEndpoint(endpoint([at("/proto1"), at("/proto2", { mapping: { y: "__proto__" } })])))
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore)
    expect(Object.getPrototypeOf(res.data)).toBe(null)
    expect(Object.hasOwn(res.data, "constructor")).toBe(true)
    expect(Object.hasOwn(res.data, "__proto__")).toBe(true)
    expect(res.data["x"]).toBe(1)
    expect(JSON.parse(JSON.stringify(res.data))).toEqual(JSON.parse('{"__proto__":2,"x":1,"constructor":{"prototype":{"polluted":1}}}'))
    const again = success(await callEndpoint(endpoint([at("/a"), at("/c")])))
    expect((again.data as Record<string, unknown>)["polluted"]).toBeUndefined()
  })

  it("concurrent_calls: the first success wins", async () => {
    const before = b.requests.length
    const res = success(await callEndpoint(endpoint([at("/b", { concurrent_calls: 3 })])))
    expect(res.data).toEqual({ b: 2, shared: "b" })
    expect(b.requests.length - before).toBe(3)
  })
})
