/**
 * `modifier/martian` header modifiers over real HTTP: what the backend receives, and (with
 * `no-op`) what the client receives. Host, Content-Length and Transfer-Encoding follow martian's
 * `proxyutil` rules; framing stays the transport's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type * as Backend from "../support/Backend.ts"
import { backend, config, type Echo, errorMessages, last, send, withGateway } from "./Support.ts"

let b: Backend.Backend
beforeAll(async () => {
  b = await backend(
    (req, res) => {
      if (req.url !== "/headers") return false
      res.writeHead(200, { "content-type": "application/json", "x-internal": "secret", "x-from": "copied", "x-list": "a" })
      res.end("{\"ok\":true}")
      return true
    },
    (req, res) => {
      if (req.url !== "/relative" && req.url !== "/absolute") return false
      res.writeHead(302, { location: req.url === "/relative" ? "/echo" : `http://127.0.0.1:${b.port}/echo`, "content-length": 0 })
      res.end()
      return true
    }
  )
})
afterAll(() => b.close())

const rawHeader = (name: string): Array<string> => {
  const raw = last(b).rawHeaders
  const out: Array<string> = []
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name.toLowerCase()) out.push(`${raw[i]}: ${raw[i + 1]}`)
  return out
}

describe("header.Modifier", () => {
  it("sets a request header, canonicalised as Go writes it, replacing the client's value", async () => {
    await withGateway(config(b.url, { "header.Modifier": { name: "x-tenant-id", value: "acme", scope: ["request"] } }), async (g) => {
      const r = await send(g, "/test", { headers: { "X-Tenant-Id": "evil" } })
      expect(r.status).toBe(200)
      expect(rawHeader("x-tenant-id")).toEqual(["X-Tenant-Id: acme"])
    })
  })

  it("sets a response header that reaches the client with no-op", async () => {
    await withGateway(config(b.url, { "header.Modifier": { name: "X-Served-By", value: "martian", scope: ["response"] } }, { noop: true }), async (g) => {
      const r = await send(g, "/test")
      expect(r.headers["x-served-by"]).toBe("martian")
      expect(last(b).headers["x-served-by"]).toBeUndefined()
    })
  })

  it("response headers do not reach the client with a decoded encoding (KrakenD drops backend headers)", async () => {
    await withGateway(config(b.url, { "header.Modifier": { name: "X-Served-By", value: "martian" } }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.headers["x-served-by"]).toBeUndefined()
      // scope missing: the request got it too
      expect((r.json() as Echo).headers["x-served-by"]).toBe("martian")
    })
  })

  it("Host rewrites the Host header sent to the backend, not the address connected to", async () => {
    await withGateway(config(b.url, { "header.Modifier": { name: "host", value: "api.example.test", scope: ["request"] } }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(last(b).headers.host).toBe("api.example.test")
      expect(rawHeader("host")).toHaveLength(1)
    })
  })

  it("a Host override follows a relative redirect, not an absolute one (Go's client)", async () => {
    const martian = { "header.Modifier": { name: "Host", value: "api.example.test", scope: ["request"] } }
    await withGateway(config(b.url, martian, { urlPattern: "/relative" }), async (g) => {
      expect((await send(g, "/test")).status).toBe(200)
      expect([last(b).url, last(b).headers.host]).toEqual(["/echo", "api.example.test"])
    })
    await withGateway(config(b.url, martian, { urlPattern: "/absolute" }), async (g) => {
      expect((await send(g, "/test")).status).toBe(200)
      expect([last(b).url, last(b).headers.host]).toEqual(["/echo", `127.0.0.1:${b.port}`])
    })
  })

  it("a Content-Length that is not the body's length fails the call before it is sent", async () => {
    const before = b.requests.length
    await withGateway(
      config(b.url, { "header.Modifier": { name: "Content-Length", value: "999", scope: ["request"] } }, { method: "POST", service: errorMessages }),
      async (g) => {
        const r = await send(g, "/test", { method: "POST", body: "{\"a\":1}", headers: { "content-type": "application/json" } })
        expect(r.status).toBe(500)
        expect(r.body).toContain("http: ContentLength=999 with Body length 7")
        expect(b.requests.length).toBe(before)
      }
    )
  })

  it("Content-Length and Transfer-Encoding that agree with the body keep the transport's framing", async () => {
    await withGateway(
      config(b.url, {
        "fifo.Group": {
          scope: ["request"],
          modifiers: [
            { "header.Modifier": { name: "Content-Length", value: "7" } },
            { "header.Modifier": { name: "Transfer-Encoding", value: "chunked" } },
            { "header.Copy": { from: "Transfer-Encoding", to: "X-Seen-Te" } }
          ]
        }
      }, { method: "POST" }),
      async (g) => {
        const r = await send(g, "/test", { method: "POST", body: "{\"a\":1}", headers: { "content-type": "application/json" } })
        expect(r.status).toBe(200)
        // later modifiers see the transfer coding set (martian's proxyutil), the wire does not
        expect(last(b).headers["x-seen-te"]).toBe("chunked")
        expect(last(b).headers["content-length"]).toBe("7")
        expect(last(b).headers["transfer-encoding"]).toBeUndefined()
        expect(last(b).body.toString()).toBe("{\"a\":1}")
      }
    )
  })
})

describe("header.Append", () => {
  it("adds a value after the client's", async () => {
    await withGateway(config(b.url, { "header.Append": { name: "X-Trace", value: "gateway", scope: ["request"] } }), async (g) => {
      await send(g, "/test", { headers: { "X-Trace": "client" } })
      expect(rawHeader("x-trace")).toEqual(["X-Trace: client", "X-Trace: gateway"])
    })
  })

  it("adds a value to the backend's response header (no-op)", async () => {
    await withGateway(config(b.url, { "header.Append": { name: "X-List", value: "b", scope: ["response"] } }, { noop: true, urlPattern: "/headers" }), async (g) => {
      const r = await send(g, "/test")
      expect(r.headers["x-list"]).toBe("a, b")
    })
  })

  it("a second Host is martian's error and the backend's failure", async () => {
    const before = b.requests.length
    await withGateway(config(b.url, { "header.Append": { name: "Host", value: "other.test", scope: ["request"] } }, { service: errorMessages }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(500)
      expect(r.body).toBe(
        "martian: $.endpoints[0].backend[0].extra_config[\"modifier/martian\"][\"header.Append\"]: proxyutil: illegal header multiple: Host"
      )
      expect(r.headers["x-krakend-completed"]).toBe("false")
      expect(b.requests.length).toBe(before)
    })
  })
})

describe("header.Blacklist", () => {
  it("removes request headers before they reach the backend", async () => {
    await withGateway(config(b.url, { "header.Blacklist": { names: ["x-secret", "Cookie"], scope: ["request"] } }), async (g) => {
      await send(g, "/test", { headers: { "X-Secret": "s", Cookie: "a=b", "X-Kept": "k" } })
      expect(last(b).headers["x-secret"]).toBeUndefined()
      expect(last(b).headers["cookie"]).toBeUndefined()
      expect(last(b).headers["x-kept"]).toBe("k")
    })
  })

  it("removes response headers before they reach the client (no-op)", async () => {
    await withGateway(config(b.url, { "header.Blacklist": { names: ["X-Internal"], scope: ["response"] } }, { noop: true, urlPattern: "/headers" }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.headers["x-internal"]).toBeUndefined()
      expect(r.headers["x-from"]).toBe("copied")
    })
  })

  it("Host removed: the URL's own host is sent (Go's empty Request.Host)", async () => {
    await withGateway(
      config(b.url, {
        "fifo.Group": {
          scope: ["request"],
          modifiers: [
            { "header.Modifier": { name: "Host", value: "x.test" } },
            { "header.Blacklist": { names: ["Host"] } },
            { "header.Copy": { from: "Host", to: "X-Host-Seen" } }
          ]
        }
      }),
      async (g) => {
        await send(g, "/test")
        expect(last(b).headers.host).toBe(`127.0.0.1:${b.port}`)
        expect(last(b).headers["x-host-seen"]).toBe("")
      }
    )
  })
})

describe("header.Copy", () => {
  it("copies the first value of a request header; a missing one copies as empty", async () => {
    await withGateway(
      config(b.url, {
        "fifo.Group": {
          scope: ["request"],
          modifiers: [{ "header.Copy": { from: "X-User", to: "X-Forwarded-User" } }, { "header.Copy": { from: "X-Absent", to: "X-Empty" } }]
        }
      }),
      async (g) => {
        await send(g, "/test", { headers: { "X-User": "ann" } })
        expect(last(b).headers["x-forwarded-user"]).toBe("ann")
        expect(last(b).headers["x-empty"]).toBe("")
      }
    )
  })

  it("copies Host (the request's Host, the URL's authority) into a header", async () => {
    await withGateway(config(b.url, { "header.Copy": { from: "Host", to: "X-Backend-Host", scope: ["request"] } }), async (g) => {
      await send(g, "/test")
      expect(last(b).headers["x-backend-host"]).toBe(`127.0.0.1:${b.port}`)
    })
  })

  it("copies a response header (no-op)", async () => {
    await withGateway(config(b.url, { "header.Copy": { from: "X-From", to: "X-To", scope: ["response"] } }, { noop: true, urlPattern: "/headers" }), async (g) => {
      const r = await send(g, "/test")
      expect(r.headers["x-to"]).toBe("copied")
    })
  })
})

describe("header.Id", () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

  it("sets a random UUIDv4 in X-Krakend-Id, a new one per request", async () => {
    await withGateway(config(b.url, { "header.Id": {} }), async (g) => {
      await send(g, "/test")
      const first = last(b).headers["x-krakend-id"]
      await send(g, "/test")
      const second = last(b).headers["x-krakend-id"]
      expect(first).toMatch(UUID)
      expect(second).toMatch(UUID)
      expect(second).not.toBe(first)
    })
  })

  it("keeps a value the request already has; `header` names another header", async () => {
    await withGateway(config(b.url, { "header.Id": { header: "X-Request-Id", scope: ["request"] } }), async (g) => {
      await send(g, "/test", { headers: { "X-Request-Id": "given" } })
      expect(last(b).headers["x-request-id"]).toBe("given")
      await send(g, "/test")
      expect(last(b).headers["x-request-id"]).toMatch(UUID)
      expect(last(b).headers["x-krakend-id"]).toBeUndefined()
    })
  })
})
