import * as Zlib from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BackendError } from "../../src/proxy/ProxyError.ts"
import * as Backend from "../support/Backend.ts"
import { callBackend, failure, service, success, transportOptions } from "./Fixtures.ts"

const reasonOf = (e: unknown): string | undefined => (e as BackendError).reason

describe("Executor", () => {
  let echo: Backend.Backend
  let cross: Backend.Backend
  beforeAll(async () => {
    cross = await Backend.start((req, res, body) => Backend.json(res, 200, { where: "cross", method: req.method, body: body.toString() }))
    echo = await Backend.start((req, res, body) => {
      const url = req.url ?? ""
      if (url === "/gzip") {
        const z = Zlib.gzipSync(JSON.stringify({ zipped: true }))
        res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": z.length })
        return res.end(z)
      }
      if (url === "/deflate") {
        const z = Zlib.deflateSync(JSON.stringify({ deflated: true }))
        res.writeHead(200, { "content-encoding": "deflate" })
        return res.end(z)
      }
      if (url === "/bomb") {
        const z = Zlib.gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x20))
        res.writeHead(200, { "content-encoding": "gzip" })
        return res.end(z)
      }
      if (url === "/big") {
        res.writeHead(200, { "content-type": "application/json" })
        return res.end(JSON.stringify({ big: "x".repeat(2 * 1024 * 1024) }))
      }
      if (url === "/reset") {
        res.writeHead(200, { "content-type": "application/json", "content-length": 1000 })
        res.write('{"a":')
        return setTimeout(() => res.socket?.destroy(), 30)
      }
      if (url === "/slow") return setTimeout(() => Backend.json(res, 200, { late: true }), 5000)
      if (url.startsWith("/redirect/")) {
        const [, , code, ...rest] = url.split("/")
        res.writeHead(Number(code), { location: decodeURIComponent(rest.join("/")) })
        return res.end()
      }
      if (url === "/loop") {
        res.writeHead(302, { location: "/loop" })
        return res.end()
      }
      Backend.json(res, 200, { method: req.method, url, body: body.toString() })
    })
  })
  afterAll(async () => {
    await echo.close()
    await cross.close()
  })

  it("sends the body and the forwarded headers, never hop-by-hop ones, and asks for gzip", async () => {
    const headers = Object.assign(Object.create(null), {
      "Content-Type": ["application/json"],
      "X-Custom": ["a", "b"],
      Connection: ["close, X-Custom"],
      "Keep-Alive": ["timeout=5"],
      "Proxy-Authorization": ["secret"],
      Upgrade: ["websocket"],
      Te: ["trailers"]
    })
    const res = success(
      await callBackend({ host: [echo.url], url_pattern: "/echo", method: "POST" }, { headers, body: new TextEncoder().encode('{"x":1}') })
    )
    expect(res.data).toEqual({ method: "POST", url: "/echo", body: '{"x":1}' })
    const seen = echo.requests.at(-1)!.headers
    expect(seen["x-custom"]).toBe("a, b")
    expect(seen["proxy-authorization"]).toBeUndefined()
    expect(seen["upgrade"]).toBeUndefined()
    expect(seen["te"]).toBeUndefined()
    expect(seen["keep-alive"]).toBeUndefined()
    expect(seen["accept-encoding"]).toBe("gzip")
  })

  it("does not ask for gzip with disable_compression or no-op", async () => {
    success(await callBackend({ host: [echo.url], url_pattern: "/echo" }, {}, service({ disable_compression: true })))
    expect(echo.requests.at(-1)!.headers["accept-encoding"]).toBeUndefined()
    success(await callBackend({ host: [echo.url], url_pattern: "/echo", encoding: "no-op" }))
    expect(echo.requests.at(-1)!.headers["accept-encoding"]).toBeUndefined()
  })

  it("keepAlive: false sends Connection: close", async () => {
    success(await callBackend({ host: [echo.url], url_pattern: "/echo" }, {}, service(), { ...transportOptions, keepAlive: false }))
    expect(echo.requests.at(-1)!.headers["connection"]).toBe("close")
    success(await callBackend({ host: [echo.url], url_pattern: "/echo" }))
    expect(echo.requests.at(-1)!.headers["connection"]).not.toBe("close")
  })

  it("decodes gzip and deflate bodies", async () => {
    expect(success(await callBackend({ host: [echo.url], url_pattern: "/gzip" })).data).toEqual({ zipped: true })
    expect(success(await callBackend({ host: [echo.url], url_pattern: "/deflate" })).data).toEqual({ deflated: true })
  })

  it("applies maxResponseSize to the decompressed size", async () => {
    expect(reasonOf(failure(await callBackend({ host: [echo.url], url_pattern: "/bomb", encoding: "string" })))).toBe("TooLarge")
  })

  it("maxResponseSize → TooLarge", async () => {
    expect(reasonOf(failure(await callBackend({ host: [echo.url], url_pattern: "/big" })))).toBe("TooLarge")
    expect(transportOptions.maxResponseSize).toBeLessThan(2 * 1024 * 1024)
  })

  it("a reset mid-body is a Transport error, never a success", async () => {
    expect(reasonOf(failure(await callBackend({ host: [echo.url], url_pattern: "/reset", encoding: "string" })))).toBe("Transport")
  })

  it("connection refused → Transport", async () => {
    expect(reasonOf(failure(await callBackend({ host: ["http://127.0.0.1:1"], url_pattern: "/" })))).toBe("Transport")
  })

  it("the deadline → Timeout, and the backend sees its request closed", async () => {
    const before = echo.requests.length
    const e = failure(await callBackend({ host: [echo.url], url_pattern: "/slow" }, { deadline: Date.now() + 200 }))
    expect(reasonOf(e)).toBe("Timeout")
    expect(echo.requests.length).toBe(before + 1)
    const seen = echo.requests.at(-1)!
    await seen.closed
    expect(seen.aborted()).toBe(true)
  })

  it("a deadline already passed fails without dispatching", async () => {
    const before = echo.requests.length
    expect(reasonOf(failure(await callBackend({ host: [echo.url], url_pattern: "/echo" }, { deadline: Date.now() - 1 })))).toBe("Timeout")
    expect(echo.requests.length).toBe(before)
  })

  it("follows a same-origin 302 keeping Authorization; POST becomes GET without body", async () => {
    const headers = Object.assign(Object.create(null), { Authorization: ["Bearer t"], "Content-Type": ["text/plain"] })
    const res = success(
      await callBackend(
        { host: [echo.url], url_pattern: "/redirect/302/%2Ftarget", method: "POST" },
        { headers, body: new TextEncoder().encode("payload") }
      )
    )
    expect(res.data).toEqual({ method: "GET", url: "/target", body: "" })
    const seen = echo.requests.at(-1)!
    expect(seen.headers["authorization"]).toBe("Bearer t")
    expect(seen.headers["content-type"]).toBeUndefined()
  })

  it("303 → GET; 307 and 308 keep method and body", async () => {
    const body = new TextEncoder().encode("payload")
    expect(success(await callBackend({ host: [echo.url], url_pattern: "/redirect/303/%2Ft", method: "PUT" }, { body })).data)
      .toEqual({ method: "GET", url: "/t", body: "" })
    expect(success(await callBackend({ host: [echo.url], url_pattern: "/redirect/307/%2Ft", method: "POST" }, { body })).data)
      .toEqual({ method: "POST", url: "/t", body: "payload" })
    expect(success(await callBackend({ host: [echo.url], url_pattern: "/redirect/308/%2Ft", method: "PATCH" }, { body })).data)
      .toEqual({ method: "PATCH", url: "/t", body: "payload" })
  })

  it("a cross-origin redirect drops Authorization and Cookie", async () => {
    const headers = Object.assign(Object.create(null), { Authorization: ["Bearer t"], Cookie: ["s=1"], "X-Keep": ["1"] })
    const target = encodeURIComponent(cross.url + "/landing")
    const res = success(await callBackend({ host: [echo.url], url_pattern: `/redirect/307/${target}` }, { headers }))
    expect(res.data).toMatchObject({ where: "cross", method: "GET" })
    const seen = cross.requests.at(-1)!
    expect(seen.url).toBe("/landing")
    expect(seen.headers["authorization"]).toBeUndefined()
    expect(seen.headers["cookie"]).toBeUndefined()
    expect(seen.headers["x-keep"]).toBe("1")
  })

  it("stops after 10 redirects", async () => {
    const before = echo.requests.length
    expect(reasonOf(failure(await callBackend({ host: [echo.url], url_pattern: "/loop" })))).toBe("Transport")
    expect(echo.requests.length - before).toBe(11)
  })

  it("no-op hands out the stream and the end-to-end headers", async () => {
    const res = success(await callBackend({ host: [echo.url], url_pattern: "/gzip", encoding: "no-op" }))
    expect(res.metadata.status).toBe(200)
    expect(res.metadata.headers["Content-Encoding"]).toEqual(["gzip"])
    expect(res.metadata.headers["Content-Length"]).toBeUndefined()
    const chunks: Array<Buffer> = []
    for await (const c of res.io!) chunks.push(c as Buffer)
    expect(JSON.parse(Zlib.gunzipSync(Buffer.concat(chunks)).toString())).toEqual({ zipped: true })
  })
})

describe("Executor, byte-level faults", () => {
  it("a response whose body is cut short by the backend is Transport", async () => {
    const raw = await Backend.startRaw((socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":")
      socket.end()
    })
    try {
      expect(reasonOf(failure(await callBackend({ host: [raw.url], url_pattern: "/" })))).toBe("Transport")
    } finally {
      await raw.close()
    }
  })

  it("an invalid status line is Transport, not a crash", async () => {
    const raw = await Backend.startRaw((socket) => {
      socket.write("HTTP/1.1 99 X\r\nContent-Length: 2\r\n\r\n{}")
      socket.end()
    })
    try {
      const exit = await callBackend({ host: [raw.url], url_pattern: "/" })
      expect(["Transport", "Status"]).toContain(reasonOf(failure(exit)))
    } finally {
      await raw.close()
    }
  })
})
