/**
 * `modifier/martian` on bodies, statuses and cookies over real HTTP. The response side runs on
 * the raw backend answer before status handling and decoding: a `body.Modifier` body is what the
 * decoder reads, a `status.Modifier` status is what the status check sees.
 */
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type * as Backend from "../support/Backend.ts"
import { backend, config, errorMessages, last, send, withGateway } from "./Support.ts"

const base64 = (text: string) => Buffer.from(text).toString("base64")

let b: Backend.Backend
beforeAll(async () => {
  b = await backend(
    (req, res) => {
      if (req.url !== "/missing") return false
      res.writeHead(404, { "content-type": "application/json" })
      res.end("{\"found\":false}")
      return true
    },
    (req, res) => {
      if (req.url !== "/gzip") return false
      const body = gzipSync("{\"zipped\":true}")
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": body.length })
      res.end(body)
      return true
    },
    (req, res) => {
      if (req.url !== "/cookies") return false
      res.writeHead(200, { "content-type": "application/json", "set-cookie": ["session=abc; Path=/"] })
      res.end("{}")
      return true
    }
  )
})
afterAll(() => b.close())

describe("body.Modifier", () => {
  it("replaces the request body, its Content-Type and length, and drops Content-Encoding", async () => {
    await withGateway(
      config(b.url, { "body.Modifier": { body: base64("name=sluice"), contentType: "application/x-www-form-urlencoded", scope: ["request"] } }, { method: "POST" }),
      async (g) => {
        const r = await send(g, "/test", {
          method: "POST",
          body: "{\"original\":true}",
          headers: { "content-type": "application/json", "content-encoding": "identity" }
        })
        expect(r.status).toBe(200)
        const seen = last(b)
        expect(seen.body.toString()).toBe("name=sluice")
        expect(seen.headers["content-type"]).toBe("application/x-www-form-urlencoded")
        expect(seen.headers["content-length"]).toBe("11")
        expect(seen.headers["content-encoding"]).toBeUndefined()
      }
    )
  })

  it("the decoder reads the replaced response body", async () => {
    await withGateway(config(b.url, { "body.Modifier": { body: base64("{\"replaced\":[1,2]}"), contentType: "application/json", scope: ["response"] } }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.json()).toEqual({ replaced: [1, 2] })
    })
  })

  it("replaces a gzip answer (already decoded) and a no-op answer, with a correct length", async () => {
    const martian = { "body.Modifier": { body: base64("plain text"), contentType: "text/plain", scope: ["response"] } }
    await withGateway(config(b.url, martian, { noop: true, urlPattern: "/gzip" }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.body).toBe("plain text")
      expect(r.headers["content-type"]).toBe("text/plain")
      expect(r.headers["content-length"]).toBe("10")
      expect(r.headers["content-encoding"]).toBeUndefined()
    })
    await withGateway(config(b.url, martian, { urlPattern: "/gzip", backend: { encoding: "string" } }), async (g) => {
      expect((await send(g, "/test")).json()).toEqual({ content: "plain text" })
    })
  })
})

describe("status.Modifier", () => {
  it("a non-2xx status fails the call under the default status handling", async () => {
    await withGateway(config(b.url, { "status.Modifier": { statusCode: 503 } }, { service: errorMessages }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(500)
      expect(r.headers["x-krakend-completed"]).toBe("false")
      expect(r.body).toContain("invalid status code 503")
    })
  })

  it("turns a backend 404 into a success the decoder reads", async () => {
    await withGateway(config(b.url, { "status.Modifier": { statusCode: 200 } }, { urlPattern: "/missing" }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.json()).toEqual({ found: false })
    })
  })

  it("is the status a no-op client gets", async () => {
    await withGateway(config(b.url, { "status.Modifier": { statusCode: 202 } }, { noop: true }), async (g) => {
      expect((await send(g, "/test")).status).toBe(202)
    })
  })
})

describe("cookie.Modifier", () => {
  it("adds a cookie pair to the request's Cookie line", async () => {
    await withGateway(config(b.url, { "cookie.Modifier": { name: "region", value: "eu west", path: "/ignored", scope: ["request"] } }), async (g) => {
      await send(g, "/test", { headers: { Cookie: "session=abc" } })
      expect(last(b).headers.cookie).toBe("session=abc; region=\"eu west\"")
    })
  })

  it("adds a Set-Cookie line that reaches the client with no-op, next to the backend's", async () => {
    await withGateway(
      config(b.url, {
        "cookie.Modifier": {
          name: "pref",
          value: "dark",
          path: "/app",
          domain: ".example.com",
          expires: "2030-04-12T23:20:50.52Z",
          maxAge: 3600,
          secure: true,
          httpOnly: true,
          scope: ["response"]
        }
      }, { noop: true, urlPattern: "/cookies" }),
      async (g) => {
        const r = await send(g, "/test")
        const lines = r.headers["set-cookie"] ?? []
        expect(lines).toHaveLength(2)
        expect(lines[0]).toBe("session=abc; Path=/")
        // the renderer writes attributes in its own order
        const [pair, ...attributes] = lines[1]!.split("; ")
        expect(pair).toBe("pref=dark")
        expect(attributes.sort()).toEqual(["Domain=example.com", "Expires=Fri, 12 Apr 2030 23:20:50 GMT", "HttpOnly", "Max-Age=3600", "Path=/app", "Secure"])
      }
    )
  })
})

describe("static.Modifier", () => {
  const root = mkdtempSync(join(tmpdir(), "sluice-static-"))
  writeFileSync(join(root, "echo.json"), "{\"from\":\"file\"}")
  writeFileSync(join(root, "other.json"), "{\"from\":\"explicit\"}")

  it("skips the backend and answers the file at rootPath + the request path", async () => {
    const before = b.requests.length
    await withGateway(config(b.url, { "static.Modifier": { rootPath: root } }, { urlPattern: "/echo.json" }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.json()).toEqual({ from: "file" })
      expect(b.requests.length).toBe(before)
    })
  })

  it("explicitPaths maps a request path to a file; a missing file is a 404", async () => {
    await withGateway(
      config(b.url, { "static.Modifier": { rootPath: root, explicitPaths: { "/x/y": "other.json" } } }, { urlPattern: "/x/y", noop: true }),
      async (g) => {
        const r = await send(g, "/test")
        expect([r.status, r.body, r.headers["content-type"]]).toEqual([200, "{\"from\":\"explicit\"}", "application/json"])
      }
    )
    await withGateway(config(b.url, { "static.Modifier": { rootPath: root } }, { urlPattern: "/../../etc/passwd", noop: true }), async (g) => {
      const r = await send(g, "/test")
      expect([r.status, r.body]).toEqual([404, ""])
    })
  })

  it("with the request scope only, the backend is skipped and an empty 200 answers", async () => {
    const before = b.requests.length
    await withGateway(config(b.url, { "static.Modifier": { rootPath: root, scope: ["request"] } }, { noop: true }), async (g) => {
      const r = await send(g, "/test")
      expect([r.status, r.body]).toEqual([200, ""])
      expect(b.requests.length).toBe(before)
    })
  })
})
