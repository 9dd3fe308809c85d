import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { config, send, withGateway } from "./Harness.ts"

const doc = {
  id: 1,
  secret: "s",
  wrap: { items: [{ id: 1, name: "a", tmp: 0 }, { id: 2, name: "b", tmp: 0 }], more: [3] },
  list: [10, 20, 30]
}

describe("flatmap_filter (KRAKEND-SEMANTICS §2.5, §2.11)", () => {
  let b: Backend.Backend
  beforeAll(async () => {
    b = await Backend.start((req, res) => {
      if (req.url === "/doc") return Backend.json(res, 200, doc)
      if (req.url === "/other") return Backend.json(res, 200, { other: [1, 2], x: { y: 1 } })
      return Backend.json(res, 500, {})
    })
  })
  afterAll(() => b.close())

  const one = (flatmap: unknown, extra: Record<string, unknown> = {}) =>
    config({ backend: [{ host: [b.url], url_pattern: "/doc", ...extra, extra_config: { proxy: { flatmap_filter: flatmap } } }] })

  it.each([
    ["move a top-level key", [{ type: "move", args: ["id", "ident"] }], { ...doc, id: undefined, ident: 1 }],
    ["move into a new nested path", [{ type: "move", args: ["secret", "a.b.c"] }], { ...doc, secret: undefined, a: { b: { c: "s" } } }],
    ["rename inside every element with *", [{ type: "move", args: ["wrap.items.*.name", "wrap.items.*.label"] }],
      { ...doc, wrap: { items: [{ id: 1, label: "a", tmp: 0 }, { id: 2, label: "b", tmp: 0 }], more: [3] } }],
    ["del with * in every element", [{ type: "del", args: ["wrap.items.*.tmp", "secret"] }],
      { ...doc, secret: undefined, wrap: { items: [{ id: 1, name: "a" }, { id: 2, name: "b" }], more: [3] } }],
    ["del a numeric index", [{ type: "del", args: ["list.1"] }], { ...doc, list: [10, 30] }],
    ["move a numeric index", [{ type: "move", args: ["wrap.items.0", "first"] }],
      { ...doc, first: { id: 1, name: "a", tmp: 0 }, wrap: { items: [{ id: 2, name: "b", tmp: 0 }], more: [3] } }],
    ["append a list to another (the source stays)", [{ type: "append", args: ["wrap.more", "list"] }], { ...doc, list: [10, 20, 30, 3] }],
    ["move with a * into fewer *s collects the matches into an array", [{ type: "move", args: ["wrap.items.*.id", "ids"] }],
      { ...doc, ids: [1, 2], wrap: { items: [{ name: "a", tmp: 0 }, { name: "b", tmp: 0 }], more: [3] } }],
    ["move element-wise into a new array", [{ type: "move", args: ["wrap.items.*.name", "wrap.names.*"] }],
      { ...doc, wrap: { items: [{ id: 1, tmp: 0 }, { id: 2, tmp: 0 }], more: [3], names: ["a", "b"] } }],
    ["move element-wise into new arrays of new objects", [{ type: "move", args: ["wrap.items.*.name", "out.*.label"] }],
      { ...doc, wrap: { items: [{ id: 1, tmp: 0 }, { id: 2, tmp: 0 }], more: [3] }, out: [{ label: "a" }, { label: "b" }] }],
    ["move with more *s in the destination moves nothing", [{ type: "move", args: ["secret", "x.*"] }], doc],
    ["unknown types are ignored", [{ type: "nope", args: ["id"] }, { type: "del", args: ["id"] }], { ...doc, id: undefined }]
  ])("backend level: %s", async (_n, ops, expected) => {
    await withGateway(one(ops), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.json()).toEqual(JSON.parse(JSON.stringify(expected)))
      expect(r.headers["x-krakend-completed"]).toBe("true")
    })
  })

  it("backend level: target → ops → group; allow/deny/mapping are ignored", async () => {
    await withGateway(
      one([{ type: "del", args: ["more"] }], { target: "wrap", group: "g", allow: ["nothing"], deny: ["items"], mapping: { items: "renamed" } }),
      async (g) => {
        const r = await send(g, "/test")
        expect(r.status).toBe(200)
        expect(r.json()).toEqual({ g: { items: doc.wrap.items } })
        expect(r.headers["x-krakend-completed"]).toBe("true")
      }
    )
  })

  const two = (second: string) =>
    config({
      backend: [{ host: [b.url], url_pattern: "/doc", allow: ["id", "list"] }, { host: [b.url], url_pattern: second }],
      extra_config: { proxy: { flatmap_filter: [{ type: "append", args: ["other", "list"] }, { type: "del", args: ["other", "x"] }] } }
    })

  it("endpoint level: runs on the merged data of several backends", async () => {
    await withGateway(two("/other"), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.json()).toEqual({ id: 1, list: [10, 20, 30, 1, 2] })
      expect(r.headers["x-krakend-completed"]).toBe("true")
    })
  })

  it("endpoint level: skipped on a partial answer", async () => {
    await withGateway(two("/fail"), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.json()).toEqual({ id: 1, list: [10, 20, 30] })
      expect(r.headers["x-krakend-completed"]).toBe("false")
    })
  })

  it("endpoint level: ignored with a single backend", async () => {
    await withGateway(
      config({ backend: [{ host: [b.url], url_pattern: "/doc" }], extra_config: { proxy: { flatmap_filter: [{ type: "del", args: ["id"] }] } } }),
      async (g) => {
        const r = await send(g, "/test")
        expect(r.status).toBe(200)
        expect(r.json()).toEqual(doc)
        expect(r.headers["x-krakend-completed"]).toBe("true")
      }
    )
  })
})
