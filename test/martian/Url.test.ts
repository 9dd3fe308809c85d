/**
 * `modifier/martian` URL modifiers over real HTTP: `querystring.Modifier`, `url.Modifier`,
 * `port.Modifier` (the only ones that may change where Sluice connects: the operator's explicit
 * intent) and `stash.Modifier`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type * as Backend from "../support/Backend.ts"
import * as Message from "../../src/martian/Message.ts"
import * as Parse from "../../src/martian/Parse.ts"
import * as Stage from "../../src/martian/Stage.ts"
import type * as Tree from "../../src/martian/Tree.ts"
import * as Proxy from "../../src/proxy/Proxy.ts"
import { backend, config, last, send, withGateway } from "./Support.ts"

let b: Backend.Backend
let other: Backend.Backend
beforeAll(async () => {
  b = await backend()
  other = await backend()
})
afterAll(() => Promise.all([b.close(), other.close()]))

describe("querystring.Modifier", () => {
  it("sets the param and re-encodes the whole query sorted by name, as Go's url.Values.Encode", async () => {
    await withGateway(config(b.url, { "querystring.Modifier": { name: "page", value: "1 & 2" } }), async (g) => {
      await send(g, "/test?z=1&page=7&a=x%20y&page=8")
      expect(last(b).url).toBe("/echo?a=x+y&page=1+%26+2&z=1")
    })
  })

  it("adds the param to a request without a query", async () => {
    await withGateway(config(b.url, { "querystring.Modifier": { name: "key", value: "v" } }), async (g) => {
      await send(g, "/test")
      expect(last(b).url).toBe("/echo?key=v")
    })
  })
})

describe("url.Modifier", () => {
  it("replaces the path and the whole query", async () => {
    await withGateway(config(b.url, { "url.Modifier": { path: "/v2/ünï code", query: "raw=1&b" } }), async (g) => {
      await send(g, "/test?dropped=1")
      expect(last(b).url).toBe("/v2/%C3%BCn%C3%AF%20code?raw=1&b")
    })
  })

  it("sends to the configured host; the Host header stays the backend's", async () => {
    const before = b.requests.length
    await withGateway(config(b.url, { "url.Modifier": { host: `127.0.0.1:${other.port}` } }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(last(other).url).toBe("/echo")
      expect(last(other).headers.host).toBe(`127.0.0.1:${b.port}`)
      expect(b.requests.length).toBe(before)
    })
  })
})

describe("port.Modifier", () => {
  it("sends to another port of the host, with the Host header following it", async () => {
    await withGateway(config(b.url, { "port.Modifier": { port: other.port } }), async (g) => {
      const r = await send(g, "/test?q=1")
      expect(r.status).toBe(200)
      expect(last(other).url).toBe("/echo?q=1")
      expect(last(other).headers.host).toBe(`127.0.0.1:${other.port}`)
    })
  })

  const run = (node: unknown, url: string): { url: string | undefined; host: string | undefined } => {
    const parsed = Stage.compile(parse(node))
    const req = Message.request({ ...request, url })!
    expect(parsed.request?.(req)).toBeUndefined()
    const sent = Message.toProxyRequest(req, { ...request, url }) as Proxy.ProxyRequest
    return { url: sent.url, host: sent.host }
  }

  it("remove strips the port; defaultForScheme sets 80 or 443 (URL and Host)", () => {
    expect(run({ "port.Modifier": { remove: true } }, "http://h.test:8080/p?q")).toEqual({ url: "http://h.test/p?q", host: undefined })
    expect(run({ "port.Modifier": { defaultForScheme: true } }, "https://h.test:8443/p")).toEqual({ url: "https://h.test:443/p", host: undefined })
    expect(run({ "port.Modifier": { defaultForScheme: true } }, "http://[::1]:8080/")).toEqual({ url: "http://[::1]:80/", host: undefined })
  })
})

describe("stash.Modifier", () => {
  it("puts the full request URL into a header, then onto the response (no-op)", async () => {
    await withGateway(config(b.url, { "stash.Modifier": { headerName: "X-Stash" } }, { noop: true }), async (g) => {
      const r = await send(g, "/test?b=2&a=1")
      const url = `http://127.0.0.1:${b.port}/echo?a=1&b=2`
      expect(last(b).headers["x-stash"]).toBe(url)
      expect(r.headers["x-stash"]).toBe(url)
    })
  })

  it("records the URL as the modifiers before it left it", async () => {
    await withGateway(
      config(b.url, {
        "fifo.Group": {
          scope: ["request"],
          modifiers: [{ "url.Modifier": { path: "/moved" } }, { "stash.Modifier": { headerName: "X-Stash", scope: ["request"] } }]
        }
      }),
      async (g) => {
        await send(g, "/test")
        expect(last(b).url).toBe("/moved")
        expect(last(b).headers["x-stash"]).toBe(`http://127.0.0.1:${b.port}/moved`)
      }
    )
  })
})

const request: Proxy.ProxyRequest = {
  method: "GET",
  path: "/p",
  url: undefined,
  query: [],
  params: {},
  headers: Proxy.emptyHeaders,
  body: undefined,
  deadline: Number.MAX_SAFE_INTEGER,
  clientIp: "127.0.0.1"
}

const parse = (node: unknown): Tree.Node => {
  const parsed = Parse.parse(node, "$.m")
  if (parsed.node === undefined) throw new Error(JSON.stringify(parsed.issues))
  return parsed.node
}
