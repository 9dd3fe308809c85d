/**
 * `no-op` bodies through a running gateway: a body that announces at most 64 KiB is read whole
 * and answered in one piece with its Content-Length; any other body is streamed as it arrives,
 * with the backend's Content-Length when it sent one (KrakenD copies it), chunked when it did not.
 * Either way the client gets the backend's status, end-to-end headers and exact bytes.
 */
import { request } from "node:http"
import * as Net from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

interface Got {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly body: Buffer
}

const get = (url: string): Promise<Got> =>
  new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end()
  })

const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
const large = Buffer.alloc(200 * 1024, "abcdefgh")
const small = JSON.stringify({ id: 7, name: "Ada" })

describe("no-op bodies", () => {
  let backend: Backend.Backend
  let gw: RunningSluice
  let wrapped: RunningSluice
  let endlessClosed: Promise<void> = Promise.resolve()
  beforeAll(async () => {
    backend = await Backend.start((req, res) => {
      switch (req.url) {
        case "/endless": { // 64 KiB chunks until the reader goes away
          endlessClosed = new Promise((resolve) => res.once("close", () => resolve()))
          res.writeHead(200, { "content-type": "application/octet-stream" })
          const chunk = Buffer.alloc(64 * 1024, 0x61)
          const pump = () => {
            while (!res.destroyed && res.write(chunk));
            if (!res.destroyed) res.once("drain", pump)
          }
          return pump()
        }
        case "/small":
          res.writeHead(201, { "content-type": "application/json", "content-length": Buffer.byteLength(small), "x-upstream": "yes" })
          return res.end(small)
        case "/binary": // no content type
          res.writeHead(200, { "content-length": binary.length })
          return res.end(binary)
        case "/large":
          res.writeHead(200, { "content-type": "application/octet-stream", "content-length": large.length })
          return res.end(large)
        case "/chunked": // no content length: streamed
          res.writeHead(200, { "content-type": "text/plain" })
          res.write("first,")
          return setTimeout(() => res.end("second"), 20)
        default:
          res.writeHead(404)
          return res.end()
      }
    })
    const config = {
      version: 3,
      listen_ip: "127.0.0.1",
      timeout: "10s",
      host: [backend.url],
      endpoints: ["small", "binary", "large", "chunked", "endless"].map((name) => ({
        endpoint: `/${name}`,
        method: "GET",
        output_encoding: "no-op",
        backend: [{ url_pattern: `/${name}`, encoding: "no-op" }]
      }))
    }
    gw = await startSluice(config)
    wrapped = await startSluice({
      ...config,
      extra_config: {
        "security/cors": { allow_origins: ["https://app.example"] },
        "security/http": { frame_deny: true, content_type_nosniff: true }
      }
    })
  })
  afterAll(async () => {
    await wrapped?.stop()
    await gw?.stop()
    await backend?.close()
  })

  it("a small body is answered whole with its length, the backend's status, content type and headers", async () => {
    const r = await get(`${gw.url}/small`)
    expect(r.status).toBe(201)
    expect(r.body.toString()).toBe(small)
    expect(r.headers["content-length"]).toBe(String(Buffer.byteLength(small)))
    expect(r.headers["transfer-encoding"]).toBeUndefined()
    expect(r.headers["content-type"]).toBe("application/json")
    expect(r.headers["x-upstream"]).toBe("yes")
    expect(r.headers["x-krakend-completed"]).toBe("false")
  })

  it("a small binary body keeps every byte and gets no content type the backend did not send", async () => {
    const r = await get(`${gw.url}/binary`)
    expect(r.status).toBe(200)
    expect(r.body.equals(binary)).toBe(true)
    expect(r.headers["content-length"]).toBe("256")
    expect(r.headers["content-type"]).toBeUndefined()
  })

  it("a body over 64 KiB is streamed byte for byte, with the backend's Content-Length", async () => {
    const r = await get(`${gw.url}/large`)
    expect(r.status).toBe(200)
    expect(r.body.equals(large)).toBe(true)
    expect(r.headers["content-length"]).toBe(String(large.length))
    expect(r.headers["transfer-encoding"]).toBeUndefined()
  })

  it("a body without a length is streamed as it arrives", async () => {
    const r = await get(`${gw.url}/chunked`)
    expect(r.body.toString()).toBe("first,second")
    expect(r.headers["transfer-encoding"]).toBe("chunked")
    expect(r.headers["content-length"]).toBeUndefined()
  })

  it.each([
    ["a plain gateway", () => gw, []],
    ["a gateway whose answers CORS and security headers rebuild", () => wrapped, ["access-control-allow-origin: https://app.example", "x-frame-options: DENY"]]
  ] as const)("a client that leaves in the middle of a streamed body aborts the backend call (%s)", async (_, gateway, added) => {
    const gw = gateway()
    const socket = Net.connect(gw.port, "127.0.0.1")
    socket.write("GET /endless HTTP/1.1\r\nHost: gw\r\nOrigin: https://app.example\r\n\r\n")
    let received = 0
    let head = ""
    await new Promise<void>((resolve) => {
      socket.on("data", (d: Buffer) => {
        if (received === 0) head = d.toString("latin1").split("\r\n\r\n")[0]!.toLowerCase()
        received += d.length
        if (received > 256 * 1024) resolve()
      })
    })
    const started = Date.now()
    socket.destroy()
    await endlessClosed
    expect(received).toBeGreaterThan(256 * 1024)
    for (const header of added) expect(head).toContain(header.toLowerCase())
    expect(Date.now() - started).toBeLessThan(2_000) // well before the 10 s endpoint timeout
    // the failed answer is not walked by Effect's structural hash (which read the Node response
    // behind the stream, Node warning that `_headers` is deprecated, and took ms per abort)
    await new Promise((r) => setTimeout(r, 200))
    expect(gw.output()).not.toContain("Warning")
    expect((await get(`${gw.url}/small`)).status).toBe(201)
  })
})
