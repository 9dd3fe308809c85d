import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { config, send, withGateway } from "./Harness.ts"

const xmlDoc = '<?xml version="1.0"?><user id="7"><name>Ann</name><tag>a</tag><tag>b</tag><t lang="en">hi</t></user>'
const rssDoc = '<rss version="2.0"><channel><title>News</title><link>http://x</link><item><title>One</title></item><item><title>Two</title></item></channel></rss>'

describe("encodings (KRAKEND-SEMANTICS §1.5, §2.13)", () => {
  let b: Backend.Backend
  beforeAll(async () => {
    b = await Backend.start((req, res) => {
      if (req.url === "/xml") {
        res.writeHead(200, { "content-type": "application/xml" })
        return res.end(xmlDoc)
      }
      if (req.url === "/rss") {
        res.writeHead(200, { "content-type": "application/rss+xml" })
        return res.end(rssDoc)
      }
      if (req.url === "/badxml") {
        res.writeHead(200, { "content-type": "application/xml" })
        return res.end("<a><__proto__>1</__proto__></a>")
      }
      if (req.url === "/proto") {
        res.writeHead(200, { "content-type": "application/json" })
        return res.end('{"__proto__":{"a":1},"b":2}')
      }
      return Backend.json(res, 200, { a: 1, list: [1, 2], o: { x: "y" } })
    })
  })
  afterAll(() => b.close())

  it("xml decoder: root element as key, attributes as -name, #text, repeated elements as arrays", async () => {
    await withGateway(config({ backend: [{ host: [b.url], url_pattern: "/xml", encoding: "xml" }] }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.json()).toEqual({ user: { "-id": "7", name: "Ann", tag: ["a", "b"], t: { "-lang": "en", "#text": "hi" } } })
      expect(r.headers["x-krakend-completed"]).toBe("true")
    })
  })

  it("xml decoder: a __proto__ element is a decode error (500), never a polluted prototype", async () => {
    await withGateway(config({ backend: [{ host: [b.url], url_pattern: "/badxml", encoding: "xml" }] }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(500)
      expect(r.headers["x-krakend-completed"]).toBe("false")
      expect(({} as Record<string, unknown>)["1"]).toBeUndefined()
    })
  })

  it("rss decoder: channel fields and items", async () => {
    await withGateway(config({ backend: [{ host: [b.url], url_pattern: "/rss", encoding: "rss" }] }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.json()).toEqual({ title: "News", link: "http://x", items: [{ title: "One" }, { title: "Two" }] })
      expect(r.headers["x-krakend-completed"]).toBe("true")
    })
  })

  it.each([
    ["json", '{"__proto__":{"a":1},"b":2}'],
    ["xml", "<doc><__proto__><a>1</a></__proto__><b>2</b></doc>"], // two root keys: <doc>
    ["yaml", "__proto__:\n  a: 1\nb: 2\n"]
  ])("output_encoding %s keeps an own __proto__ key", async (encoding, body) => {
    await withGateway(config({ output_encoding: encoding, backend: [{ host: [b.url], url_pattern: "/proto" }] }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.body).toBe(body)
      expect(({} as Record<string, unknown>)["a"]).toBeUndefined()
    })
  })

  const xmlOut = "<doc><a>1</a><list>1</list><list>2</list><o><x>y</x></o></doc>"
  const yamlOut = "a: 1\nlist:\n  - 1\n  - 2\no:\n  x: y\n"
  const jsonOut = '{"a":1,"list":[1,2],"o":{"x":"y"}}'

  it.each([
    ["json", undefined, "application/json; charset=utf-8", jsonOut],
    ["xml", undefined, "application/xml", xmlOut],
    ["yaml", undefined, "application/yaml; charset=utf-8", yamlOut],
    ["negotiate", "application/xml", "application/xml", xmlOut],
    ["negotiate", "text/xml;q=0.9", "application/xml", xmlOut],
    ["negotiate", "text/plain", "application/yaml; charset=utf-8", yamlOut],
    ["negotiate", "application/x-yaml", "application/yaml; charset=utf-8", yamlOut],
    ["negotiate", "application/json", "application/json; charset=utf-8", jsonOut],
    ["negotiate", "text/html, application/xml", "application/xml", xmlOut],
    ["negotiate", "*/*", "application/json; charset=utf-8", jsonOut],
    ["negotiate", undefined, "application/json; charset=utf-8", jsonOut]
  ])("output_encoding %s with Accept %s → %s", async (encoding, accept, type, body) => {
    await withGateway(config({ output_encoding: encoding, backend: [{ host: [b.url], url_pattern: "/json" }] }), async (g) => {
      const r = await send(g, "/test", accept === undefined ? {} : { headers: { accept } })
      expect(r.status).toBe(200)
      expect(r.headers["content-type"]).toBe(type)
      expect(r.body).toBe(body)
      expect(r.headers["x-krakend-completed"]).toBe("true")
    })
  })
})
