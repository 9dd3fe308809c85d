import { XMLValidator } from "fast-xml-parser"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { config, send, withGateway } from "./Harness.ts"

const bigDoc = '{"id": 12345678901234567891, "f": 1.50, "e": 1e400, "o": {"n": 12345678901234567891, "k": 1}, "list": [{"x": 12345678901234567891}, {"x": 2}]}'

describe("exact JSON numbers (KRAKEND-SEMANTICS §2.5 UseNumber, §2.7 literal text)", () => {
  let b: Backend.Backend
  beforeAll(async () => {
    b = await Backend.start((req, res) => {
      const url = req.url ?? ""
      if (url === "/big") {
        res.writeHead(200, { "content-type": "application/json" })
        return res.end(bigDoc)
      }
      if (url === "/keys") return Backend.json(res, 200, { "k<k": 1, "a b": 2, "1abc": 1, "x/y": 3, arr: [[1, 2]], t: "</doc><x>" })
      if (url.startsWith("/u/")) return Backend.json(res, 200, { path: url })
      res.writeHead(404).end()
    })
  })
  afterAll(() => b.close())

  const one = (extra: Record<string, unknown> = {}, endpoint: Record<string, unknown> = {}) =>
    config({ ...endpoint, backend: [{ host: [b.url], url_pattern: "/big", ...extra }] })

  it("json output keeps unsafe integers and overflows exactly (1.50 becomes 1.5)", async () => {
    await withGateway(one(), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.body).toBe('{"id":12345678901234567891,"f":1.5,"e":1e400,"o":{"n":12345678901234567891,"k":1},"list":[{"x":12345678901234567891},{"x":2}]}')
      expect(r.headers["x-krakend-completed"]).toBe("true")
    })
  })

  it.each([
    ["allow", { allow: ["id", "o.n"] }, '{"id":12345678901234567891,"o":{"n":12345678901234567891}}'],
    ["allow into a raw number", { allow: ["o.n.rawJSON"] }, "{}"],
    ["deny", { deny: ["f", "e", "list", "o.k", "id.rawJSON"] }, '{"id":12345678901234567891,"o":{"n":12345678901234567891}}'],
    ["target onto a raw number is {}", { target: "id" }, "{}"],
    ["target + mapping + group", { target: "o", mapping: { n: "num" }, group: "g" }, '{"g":{"k":1,"num":12345678901234567891}}'],
    ["flatmap move element-wise", { extra_config: { proxy: { flatmap_filter: [{ type: "move", args: ["list.*.x", "xs.*"] }, { type: "del", args: ["f", "e", "o", "list"] }] } } },
      '{"id":12345678901234567891,"xs":[12345678901234567891,2]}']
  ])("the formatter treats a raw number as a leaf: %s", async (_n, extra, body) => {
    await withGateway(one(extra), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.body).toBe(body)
    })
  })

  it("merge keeps raw numbers of several backends", async () => {
    await withGateway(
      config({ backend: [{ host: [b.url], url_pattern: "/big", allow: ["id"] }, { host: [b.url], url_pattern: "/big", allow: ["e"], group: "g" }] }),
      async (g) => {
        const r = await send(g, "/test")
        expect(r.status).toBe(200)
        expect(r.body).toBe('{"id":12345678901234567891,"g":{"e":1e400}}')
        expect(r.headers["x-krakend-completed"]).toBe("true")
      }
    )
  })

  it.each(["deep-merge", "deep-merge-append"])("combiner %s treats a raw number as a leaf", async (combiner) => {
    await withGateway(
      config({
        extra_config: { proxy: { combiner } },
        backend: [{ host: [b.url], url_pattern: "/big", allow: ["id"] }, { host: [b.url], url_pattern: "/big", allow: ["id", "e"] }]
      }),
      async (g) => {
        const r = await send(g, "/test")
        expect(r.status).toBe(200)
        expect(r.body).toBe('{"id":12345678901234567891,"e":1e400}')
      }
    )
  })

  it.each([
    ["xml", "<doc><id>12345678901234567891</id><e>1e400</e></doc>"],
    ["yaml", "e: 1e400\nid: 12345678901234567891\n"] // keys sorted, like Go's yaml
  ])("%s output writes raw numbers as their text", async (encoding, body) => {
    await withGateway(one({ allow: ["id", "e"] }, { output_encoding: encoding }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.body).toBe(body)
    })
  })

  it.each([
    ["{resp0_id}", "/u/12345678901234567891"],
    ["{resp0_o.n}", "/u/12345678901234567891"],
    ["{resp0_e}", "/u/1e400"],
    ["{resp0_id.rawJSON}", "/u/{resp0_id.rawJSON}"]
  ])("a sequential placeholder %s uses the number's exact text", async (placeholder, path) => {
    await withGateway(
      config({
        backend: [{ host: [b.url], url_pattern: "/big", allow: ["id", "o", "e"] }, { host: [b.url], url_pattern: `/u/${placeholder}`, group: "second" }],
        extra_config: { proxy: { sequential: true } }
      }),
      async (g) => {
        const r = await send(g, "/test")
        expect(r.status).toBe(200)
        expect(r.json().second.path).toBe(path)
        expect(r.headers["x-krakend-completed"]).toBe("true")
      }
    )
  })

  it("xml output of hostile keys is well-formed", async () => {
    await withGateway(config({ output_encoding: "xml", backend: [{ host: [b.url], url_pattern: "/keys" }] }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.body).toBe("<doc><k_k>1</k_k><a_b>2</a_b><_1abc>1</_1abc><x_y>3</x_y><arr><item>1</item><item>2</item></arr><t>&lt;/doc&gt;&lt;x&gt;</t></doc>")
      expect(XMLValidator.validate(r.body)).toBe(true)
    })
  })
})
