/**
 * `modifier/martian` filters over real HTTP: the nested `modifier` runs when the condition holds,
 * the `else` one when it does not; response sides read what martian reads.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type * as Backend from "../support/Backend.ts"
import { backend, config, last, send, withGateway } from "./Support.ts"

let b: Backend.Backend
beforeAll(async () => {
  b = await backend((req, res) => {
    if (req.url !== "/flagged") return false
    res.writeHead(200, { "content-type": "application/json", "x-cache": "HIT", "set-cookie": "ab=b; Path=/" })
    res.end("{}")
    return true
  })
})
afterAll(() => b.close())

const mark = (value: string, scope: ReadonlyArray<string> = ["request"]) => ({ "header.Modifier": { name: "X-Mark", value, scope } })
const marked = () => last(b).headers["x-mark"]

describe("header.Filter", () => {
  const filter = { "header.Filter": { name: "x-tier", value: "gold", modifier: mark("then"), else: mark("else"), scope: ["request"] } }

  it("runs the modifier when a value matches, the else one otherwise", async () => {
    await withGateway(config(b.url, filter), async (g) => {
      await send(g, "/test", { headers: { "X-Tier": ["silver", "gold"] } })
      expect(marked()).toBe("then")
      await send(g, "/test", { headers: { "X-Tier": "silver" } })
      expect(marked()).toBe("else")
      await send(g, "/test")
      expect(marked()).toBe("else")
    })
  })

  it("without a value, the header being present is enough", async () => {
    await withGateway(config(b.url, { "header.Filter": { name: "X-Debug", modifier: mark("present") } }), async (g) => {
      await send(g, "/test", { headers: { "X-Debug": "anything" } })
      expect(marked()).toBe("present")
      await send(g, "/test")
      expect(marked()).toBeUndefined()
    })
  })

  it("on the response, it reads the response's own headers", async () => {
    await withGateway(
      config(b.url, { "header.Filter": { name: "X-Cache", value: "HIT", modifier: mark("cached", ["response"]), scope: ["response"] } }, { noop: true, urlPattern: "/flagged" }),
      async (g) => {
        expect((await send(g, "/test")).headers["x-mark"]).toBe("cached")
      }
    )
    await withGateway(
      config(b.url, { "header.Filter": { name: "X-Cache", value: "HIT", modifier: mark("cached", ["response"]), scope: ["response"] } }, { noop: true }),
      async (g) => {
        expect((await send(g, "/test", { headers: { "X-Cache": "HIT" } })).headers["x-mark"]).toBeUndefined()
      }
    )
  })
})

describe("header.RegexFilter", () => {
  it("runs the modifier when a value of the request header matches the RE2 pattern", async () => {
    await withGateway(config(b.url, { "header.RegexFilter": { header: "User-Agent", regex: "(?i)^curl/", modifier: mark("cli") } }), async (g) => {
      await send(g, "/test", { headers: { "User-Agent": "CURL/8.0" } })
      expect(marked()).toBe("cli")
      await send(g, "/test", { headers: { "User-Agent": "Mozilla/5.0 curl/8" } })
      expect(marked()).toBeUndefined()
    })
  })

  it("on the response, it reads the request's header (as martian)", async () => {
    await withGateway(
      config(b.url, { "header.RegexFilter": { header: "X-Client", regex: "^mobile-", modifier: mark("m", ["response"]) } }, { noop: true }),
      async (g) => {
        expect((await send(g, "/test", { headers: { "X-Client": "mobile-ios" } })).headers["x-mark"]).toBe("m")
        expect((await send(g, "/test", { headers: { "X-Client": "web" } })).headers["x-mark"]).toBeUndefined()
      }
    )
  })
})

describe("querystring.Filter", () => {
  it("matches a param with a value, any value without one, and runs else otherwise", async () => {
    await withGateway(
      config(b.url, {
        "fifo.Group": {
          modifiers: [
            { "querystring.Filter": { name: "v", value: "2", modifier: mark("v2"), else: mark("v1") } },
            { "querystring.Filter": { name: "debug", modifier: { "header.Modifier": { name: "X-Debug", value: "on" } } } }
          ]
        }
      }),
      async (g) => {
        await send(g, "/test?v=1&v=2&debug=")
        expect([marked(), last(b).headers["x-debug"]]).toEqual(["v2", "on"])
        await send(g, "/test?v=1")
        expect([marked(), last(b).headers["x-debug"]]).toEqual(["v1", undefined])
      }
    )
  })
})

describe("url.Filter", () => {
  it("matches every part set (the path decoded) and runs else otherwise", async () => {
    const filter = (path: string) => ({
      "url.Filter": { scheme: "http", host: `127.0.0.1:${b.port}`, path, modifier: mark("match"), else: mark("miss") }
    })
    await withGateway(config(b.url, filter("/a b"), { urlPattern: "/a%20b" }), async (g) => {
      await send(g, "/test")
      expect(marked()).toBe("match")
    })
    await withGateway(config(b.url, filter("/echo"), { urlPattern: "/echo2" }), async (g) => {
      await send(g, "/test")
      expect(marked()).toBe("miss")
    })
  })

  it("matches a host with a * label", async () => {
    await withGateway(config(b.url, { "url.Filter": { host: "*.0.0.1:" + b.port, modifier: mark("wild") } }), async (g) => {
      await send(g, "/test")
      expect(marked()).toBe("wild")
    })
  })
})

describe("url.RegexFilter", () => {
  it("matches the whole URL string, query included (unanchored)", async () => {
    await withGateway(config(b.url, { "url.RegexFilter": { regex: "[?&]debug=1", modifier: mark("debug"), else: mark("plain") } }), async (g) => {
      await send(g, "/test?x=2&debug=1")
      expect(marked()).toBe("debug")
      await send(g, "/test?debug=0")
      expect(marked()).toBe("plain")
    })
  })
})

describe("cookie.Filter", () => {
  it("matches a request cookie by name (and value when set)", async () => {
    await withGateway(config(b.url, { "cookie.Filter": { name: "beta", value: "yes", modifier: mark("beta"), else: mark("stable") } }), async (g) => {
      await send(g, "/test", { headers: { Cookie: "a=1; beta=\"yes\"" } })
      expect(marked()).toBe("beta")
      await send(g, "/test", { headers: { Cookie: "beta=no" } })
      expect(marked()).toBe("stable")
    })
  })

  it("matches a Set-Cookie of the response", async () => {
    await withGateway(
      config(b.url, { "cookie.Filter": { name: "ab", modifier: mark("ab", ["response"]), scope: ["response"] } }, { noop: true, urlPattern: "/flagged" }),
      async (g) => {
        expect((await send(g, "/test")).headers["x-mark"]).toBe("ab")
      }
    )
  })
})

describe("port.Filter", () => {
  it("runs the modifier when the URL's port is the one set", async () => {
    await withGateway(config(b.url, { "port.Filter": { port: b.port, modifier: mark("port") } }), async (g) => {
      await send(g, "/test")
      expect(marked()).toBe("port")
    })
    await withGateway(config(b.url, { "port.Filter": { port: 80, modifier: mark("port") } }), async (g) => {
      await send(g, "/test")
      expect(marked()).toBeUndefined()
    })
  })
})
