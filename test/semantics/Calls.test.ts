import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { config, send, withGateway } from "./Harness.ts"

describe("concurrent calls (§2.8), shadow backends (§2.10), Sluice extensions", () => {
  let b: Backend.Backend
  let flaky = 0
  beforeAll(async () => {
    b = await Backend.start((req, res) => {
      const url = req.url ?? ""
      if (url === "/ok") return Backend.json(res, 200, { ok: true }, { "set-cookie": "sid=1; Path=/", "x-trace": "t1", "x-private": "p" })
      if (url === "/flaky") {
        // first call of each pair answers 404 fast (incomplete with details), second 200 later
        const n = flaky++
        if (n % 2 === 0) return Backend.json(res, 404, {})
        return setTimeout(() => Backend.json(res, 200, { won: true }), 100)
      }
      if (url === "/hang") return setTimeout(() => Backend.json(res, 200, { late: true }), 5000)
      if (url === "/shadow") return setTimeout(() => Backend.json(res, 200, { shadow: true }), 1500)
      if (url === "/a") return Backend.json(res, 200, { user: { name: "a", roles: ["r1"] }, list: [1] })
      if (url === "/b") return Backend.json(res, 200, { user: { age: 3, roles: ["r2"] }, list: [2] })
      return Backend.json(res, 500, {})
    })
  })
  afterAll(() => b.close())

  it("concurrent_calls: the first COMPLETE answer wins over a faster incomplete one", async () => {
    await withGateway(
      config({ concurrent_calls: 2, backend: [{ host: [b.url], url_pattern: "/flaky", extra_config: { "backend/http": { return_error_details: "f" } } }] }),
      async (g) => {
        flaky = 0
        const r = await send(g, "/test")
        expect(r.status).toBe(200)
        expect(r.json()).toEqual({ won: true })
        expect(r.headers["x-krakend-completed"]).toBe("true")
      }
    )
  })

  it("concurrent_calls: the losers are interrupted and their requests aborted", async () => {
    await withGateway(
      config({ concurrent_calls: 3, backend: [{ host: [b.url], url_pattern: "/hang" }, { host: [b.url], url_pattern: "/ok" }], timeout: "400ms" }),
      async (g) => {
        const before = b.requests.length
        const r = await send(g, "/test")
        expect(r.status).toBe(200)
        expect(r.json()).toEqual({ ok: true })
        expect(r.headers["x-krakend-completed"]).toBe("false")
        const hung = b.requests.slice(before).filter((x) => x.url === "/hang")
        expect(hung.length).toBe(3)
        await Promise.all(hung.map((h) => h.closed))
        expect(hung.map((h) => h.aborted())).toEqual([true, true, true])
      }
    )
  })

  it("shadow: the client does not wait for the shadow backend, which still gets the request", async () => {
    await withGateway(
      config({
        method: "POST",
        backend: [
          { host: [b.url], url_pattern: "/ok" },
          { host: [b.url], url_pattern: "/shadow", extra_config: { proxy: { shadow: true, shadow_timeout: "3s" } } }
        ]
      }),
      async (g) => {
        const before = b.requests.length
        const r = await send(g, "/test", { method: "POST", body: "payload", headers: { "content-type": "text/plain" } })
        expect(r.status).toBe(200)
        expect(r.json()).toEqual({ ok: true })
        expect(r.headers["x-krakend-completed"]).toBe("true")
        const shadow = b.requests.slice(before).find((x) => x.url === "/shadow")!
        expect(shadow.method).toBe("POST")
        expect(shadow.body.toString()).toBe("payload")
        // the answer came while the shadow backend was still working on it
        const closedBeforeAnswer = await Promise.race([shadow.closed.then(() => true), Promise.resolve(false)])
        expect(closedBeforeAnswer).toBe(false)
        // and the shadow call was not cancelled with the client request
        await shadow.closed
        expect(shadow.aborted()).toBe(false)
      }
    )
  })

  it("shadow: an endpoint whose backends are all shadows answers 500", async () => {
    await withGateway(config({ backend: [{ host: [b.url], url_pattern: "/ok", extra_config: { proxy: { shadow: true } } }] }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(500)
      expect(r.headers["x-krakend-completed"]).toBe("false")
    })
  })

  it("sluice/backend.timeout: a slow backend times out on its own deadline, the endpoint answers partial", async () => {
    await withGateway(
      config({
        // without its own timeout, /hang (5 s) would answer within the endpoint's 10 s
        timeout: "10s",
        backend: [{ host: [b.url], url_pattern: "/ok" }, { host: [b.url], url_pattern: "/hang", extra_config: { "sluice/backend": { timeout: "200ms" } } }]
      }),
      async (g) => {
        const before = b.requests.length
        const r = await send(g, "/test")
        expect(r.status).toBe(200)
        expect(r.json()).toEqual({ ok: true })
        expect(r.headers["x-krakend-completed"]).toBe("false")
        const hang = b.requests.slice(before).find((x) => x.url === "/hang")!
        await hang.closed
        expect(hang.aborted()).toBe(true)
      }
    )
  })

  it.each([
    ["default (shallow, later wins)", undefined, { user: { age: 3, roles: ["r2"] }, list: [2] }],
    ["deep-merge", "deep-merge", { user: { name: "a", age: 3, roles: ["r2"] }, list: [2] }],
    ["deep-merge-append", "deep-merge-append", { user: { name: "a", age: 3, roles: ["r1", "r2"] }, list: [1, 2] }]
  ])("proxy.combiner %s", async (_n, combiner, expected) => {
    await withGateway(
      config({
        backend: [{ host: [b.url], url_pattern: "/a" }, { host: [b.url], url_pattern: "/b" }],
        extra_config: { proxy: combiner === undefined ? {} : { combiner } }
      }),
      async (g) => {
        const r = await send(g, "/test")
        expect(r.status).toBe(200)
        expect(r.json()).toEqual(expected)
        expect(r.headers["x-krakend-completed"]).toBe("true")
      }
    )
  })

  it("sluice/backend.response_headers passes only the listed backend headers (Set-Cookie included)", async () => {
    await withGateway(
      config({ backend: [{ host: [b.url], url_pattern: "/ok", extra_config: { "sluice/backend": { response_headers: ["set-cookie", "X-Trace"] } } }] }),
      async (g) => {
        const r = await send(g, "/test")
        expect(r.status).toBe(200)
        expect(r.json()).toEqual({ ok: true })
        expect(r.headers["x-krakend-completed"]).toBe("true")
        expect(r.headers["set-cookie"]).toEqual(["sid=1; Path=/"])
        expect(r.headers["x-trace"]).toBe("t1")
        expect(r.headers["x-private"]).toBeUndefined()
      }
    )
    await withGateway(config({ backend: [{ host: [b.url], url_pattern: "/ok" }] }), async (g) => {
      const r = await send(g, "/test")
      expect(r.headers["set-cookie"]).toBeUndefined()
      expect(r.headers["x-trace"]).toBeUndefined()
    })
  })
})
