import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { config, send, withGateway } from "./Harness.ts"

describe("sequential proxy (KRAKEND-SEMANTICS §2.7)", () => {
  let b: Backend.Backend
  beforeAll(async () => {
    b = await Backend.start((req, res, body) => {
      const url = req.url ?? ""
      if (url === "/user") {
        return Backend.json(res, 200, {
          id: 7, name: "ann", tags: ["a", "b"], nums: [1, 2.5], ok: true, nothing: null,
          nested: { deep: { v: "x" } }, obj: { b: 2, a: 1 }, list: [{ id: 1 }]
        })
      }
      if (url.startsWith("/echo")) return Backend.json(res, 200, { echoed: url, body: body.toString("utf8"), type: req.headers["content-type"] ?? null })
      if (url === "/raw") {
        res.writeHead(200, { "content-type": "text/plain" })
        return res.end("raw-body")
      }
      if (url === "/fail") return Backend.json(res, 500, { e: 1 })
      if (url === "/details") return Backend.json(res, 404, { missing: true })
      if (url === "/slow") return setTimeout(() => Backend.json(res, 200, { slow: true }), 3000)
      res.writeHead(404).end()
    })
  })
  afterAll(() => b.close())

  const seq = (backend: ReadonlyArray<Record<string, unknown>>, proxy: Record<string, unknown> = {}, over: Record<string, unknown> = {}) =>
    config({ backend: backend.map((x) => ({ host: [b.url], ...x })), extra_config: { proxy: { sequential: true, ...proxy } }, ...over })

  const echoUrl = async (pattern: string): Promise<string> =>
    withGateway(seq([{ url_pattern: "/user" }, { url_pattern: pattern, group: "second" }]), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.headers["x-krakend-completed"]).toBe("true")
      return r.json().second.echoed as string
    })

  it.each([
    ["a string", "/echo/{resp0_name}", "/echo/ann"],
    ["a number as its text", "/echo/{resp0_id}", "/echo/7"],
    ["an array, comma-joined", "/echo/{resp0_tags}", "/echo/a%2Cb"],
    ["an array of numbers", "/echo/{resp0_nums}", "/echo/1%2C2.5"],
    ["a bool", "/echo/{resp0_ok}", "/echo/true"],
    ["null as <nil>", "/echo/{resp0_nothing}", "/echo/%3Cnil%3E"],
    ["a nested path", "/echo/{resp0_nested.deep.v}", "/echo/x"],
    ["an object like Go %v", "/echo/{resp0_obj}", "/echo/map%5Ba%3A1%20b%3A2%5D"],
    ["a missing key: the placeholder stays", "/echo/{resp0_missing}", "/echo/{resp0_missing}"],
    ["no array-index traversal", "/echo/{resp0_list.0.id}", "/echo/{resp0_list.0.id}"],
    ["in the pattern's query", "/echo?n={resp0_name}", "/echo?n=ann"]
  ])("stringifies %s", async (_name, pattern, expected) => {
    expect(await echoUrl(pattern)).toBe(expected)
  })

  it("reads the formatted response of the earlier backend (after group)", async () => {
    await withGateway(seq([{ url_pattern: "/user", group: "first" }, { url_pattern: "/echo/{resp0_first.name}", group: "second" }]), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.json().second.echoed).toBe("/echo/ann")
      expect(r.json().first.id).toBe(7)
      expect(r.headers["x-krakend-completed"]).toBe("true")
    })
  })

  it("calls the backends in order, not in parallel", async () => {
    await withGateway(seq([{ url_pattern: "/user" }, { url_pattern: "/echo/{resp0_id}", group: "x" }]), async (g) => {
      const before = b.requests.length
      await send(g, "/test")
      const seen = b.requests.slice(before)
      expect(seen.map((r) => r.url)).toEqual(["/user", "/echo/7"])
    })
  })

  it("the first backend fails → 500, the later one is never called", async () => {
    await withGateway(seq([{ url_pattern: "/fail" }, { url_pattern: "/echo/{resp0_id}" }]), async (g) => {
      const before = b.requests.length
      const r = await send(g, "/test")
      expect(r.status).toBe(500)
      expect(r.body).toBe("")
      expect(r.headers["x-krakend-completed"]).toBe("false")
      expect(b.requests.slice(before).map((x) => x.url)).toEqual(["/fail"])
    })
  })

  it("a later backend fails → 200 partial with the data so far, the chain stops", async () => {
    await withGateway(seq([{ url_pattern: "/user", allow: ["id"] }, { url_pattern: "/fail" }, { url_pattern: "/echo/last" }]), async (g) => {
      const before = b.requests.length
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.json()).toEqual({ id: 7 })
      expect(r.headers["x-krakend-completed"]).toBe("false")
      expect(b.requests.slice(before).map((x) => x.url)).toEqual(["/user", "/fail"])
    })
  })

  it("an incomplete answer (error details) stops the chain", async () => {
    await withGateway(
      seq([
        { url_pattern: "/details", extra_config: { "backend/http": { return_error_details: "d" } } },
        { url_pattern: "/echo/never" }
      ]),
      async (g) => {
        const before = b.requests.length
        const r = await send(g, "/test")
        expect(r.status).toBe(200)
        expect(r.json()).toEqual({ error_d: { http_status_code: 404, http_body: "{\"missing\":true}", http_body_encoding: "application/json" } })
        expect(r.headers["x-krakend-completed"]).toBe("false")
        expect(b.requests.slice(before).map((x) => x.url)).toEqual(["/details"])
      }
    )
  })

  it("sequential_propagated_params and the bare respN (whole no-op body) reach later backends' params", async () => {
    await withGateway(
      seq(
        [{ url_pattern: "/raw", encoding: "no-op" }, { url_pattern: "/user" }, { url_pattern: "/echo/{resp1_name}", group: "e" }],
        { sequential_propagated_params: ["resp0", "resp1_name"] }
      ),
      async (g) => {
        const r = await send(g, "/test")
        expect(r.status).toBe(200)
        expect(r.json().e.echoed).toBe("/echo/ann")
      }
    )
  })

  it("the chain shares one deadline of 85% of the endpoint timeout", async () => {
    await withGateway(seq([{ url_pattern: "/user" }, { url_pattern: "/slow" }], {}, { timeout: "500ms" }), async (g) => {
      const before = b.requests.length
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.json().id).toBe(7)
      expect(r.headers["x-krakend-completed"]).toBe("false")
      const slow = b.requests.slice(before).find((x) => x.url === "/slow")!
      await slow.closed
      expect(slow.aborted()).toBe(true)
    })
  })

  it.each([
    ["resp0 (the whole formatted data as JSON)", "resp0", { url_pattern: "/user", allow: ["id", "name"] }, "{\"id\":7,\"name\":\"ann\"}", "application/json"],
    ["resp0_nested (a field as JSON)", "resp0_nested", { url_pattern: "/user" }, "{\"deep\":{\"v\":\"x\"}}", "application/json"],
    ["resp0_name (a string as text)", "resp0_name", { url_pattern: "/user" }, "ann", "text/plain; charset=utf-8"],
    ["resp0 of a no-op backend (raw bytes)", "resp0", { url_pattern: "/raw", encoding: "no-op" }, "raw-body", "text/plain"]
  ])("sluice/backend.body_from %s is the next backend's body", async (_n, from, first, body, type) => {
    await withGateway(
      seq([first, {
        url_pattern: "/echo/body",
        method: "POST",
        group: "e",
        input_headers: ["Content-Type"],
        extra_config: { "sluice/backend": { body_from: from } }
      }]),
      async (g) => {
        const r = await send(g, "/test")
        expect(r.status).toBe(200)
        expect(r.json().e).toEqual({ echoed: "/echo/body", body, type })
      }
    )
  })
})
