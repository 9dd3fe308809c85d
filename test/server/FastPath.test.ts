/**
 * Sluice's own path for bodiless HTTP/1.1 requests (`src/server/FastPath.ts`) answers byte for
 * byte as `@effect/platform-node`'s server does: one app served by both, the same raw requests
 * sent to each, the raw answers compared (status line, headers, framing, body, whether the
 * connection was closed). Which requests take the path is checked on Node's own request objects.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpServer from "effect/http/HttpServer"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { createServer, IncomingMessage } from "node:http"
import * as Net from "node:net"
import { Readable } from "node:stream"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as FastPath from "../../src/server/FastPath.ts"

const bytes = (s: string) => new TextEncoder().encode(s)

const app = Effect.gen(function*() {
  const req = yield* HttpServerRequest.HttpServerRequest
  const path = req.url.split("?")[0]
  switch (path) {
    case "/text":
      return HttpServerResponse.text("hello", { headers: { "x-one": "1" } })
    case "/request": {
      const modified = req.modify({ url: "/changed" })
      return HttpServerResponse.text(JSON.stringify({
        method: req.method,
        url: req.url,
        originalUrl: req.originalUrl,
        headers: req.headers,
        cookies: req.cookies,
        modified: modified.url,
        body: yield* req.text
      }), { contentType: "application/json" })
    }
    case "/204":
      return HttpServerResponse.empty({ status: 204, headers: { "content-length": "0", "x-two": "2" } })
    case "/304":
      return HttpServerResponse.text("not sent", { status: 304 })
    case "/cookies":
      return HttpServerResponse.text("c", { headers: { "set-cookie": "own=1" } }).pipe(
        HttpServerResponse.setCookieUnsafe("a", "1", { path: "/" }),
        HttpServerResponse.setCookieUnsafe("b", "2")
      )
    case "/stream":
      return HttpServerResponse.stream(Stream.make(bytes("a"), bytes("b"), bytes("c")))
    case "/stream-fails":
      return HttpServerResponse.stream(Stream.concat(Stream.make(bytes("first")), Stream.fail("broken")))
    case "/raw":
      return HttpServerResponse.raw(Readable.from([Buffer.from("raw bytes")]), { headers: { "content-length": "9" } })
    case "/raw-short":
      return HttpServerResponse.raw(Readable.from([Buffer.from("raw")]), { headers: { "content-length": "10" } })
    case "/raw-long":
      return HttpServerResponse.raw(Readable.from([Buffer.from("raw"), Buffer.from(" bytes")]), { headers: { "content-length": "5" } })
    case "/raw-text":
      return HttpServerResponse.raw("just text", { headers: { "content-type": "text/plain" } })
    case "/form": {
      const form = new FormData()
      form.append("k", "v")
      return HttpServerResponse.formData(form)
    }
    case "/status-99":
      return HttpServerResponse.empty({ status: 99 })
    case "/bad-header":
      return HttpServerResponse.text("x", { headers: { "x-bad": "a\nb" } })
    case "/fails":
      return yield* Effect.fail(new Error("boom"))
    case "/empty":
      return HttpServerResponse.empty()
    default:
      return HttpServerResponse.text("not found", { status: 404 })
  }
})

interface Running {
  readonly port: number
  readonly close: () => Promise<void>
}

const start = async (server: Layer.Layer<HttpServer.HttpServer, unknown>): Promise<Running> => {
  const scope = await Effect.runPromise(Scope.make())
  const layer = Layer.provideMerge(HttpServer.serve(app), server)
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const address = Context.get(context, HttpServer.HttpServer).address
  return { port: address._tag === "UnixPathAddress" ? 0 : address.port, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

const listen = { port: 0, host: "127.0.0.1" }
const platformLayer = NodeHttpServer.layer(() => createServer(), listen) as Layer.Layer<HttpServer.HttpServer, unknown>
const fastLayer = Layer.merge(
  Layer.effect(HttpServer.HttpServer)(FastPath.make(() => createServer(), listen)),
  NodeHttpServer.layerHttpServices
) as Layer.Layer<HttpServer.HttpServer, unknown>

/** One raw exchange: everything the server sent until it closed or went quiet. */
const exchange = (port: number, request: string): Promise<{ readonly text: string; readonly closed: boolean }> =>
  new Promise((resolve) => {
    const socket = Net.connect(port, "127.0.0.1")
    let text = ""
    let quiet: NodeJS.Timeout | undefined
    const done = (closed: boolean) => {
      clearTimeout(quiet)
      socket.destroy()
      // the date, and a form's boundary (random per answer), blanked
      resolve({ text: text.replace(/^Date: .*$/gim, "Date: -").replace(/formdata-undici-\d+/g, "formdata-undici-N"), closed })
    }
    socket.on("data", (d: Buffer) => {
      text += d.toString("latin1")
      clearTimeout(quiet)
      quiet = setTimeout(() => done(false), 150)
    })
    socket.on("close", () => done(true))
    socket.on("error", () => undefined)
    quiet = setTimeout(() => done(false), 500)
    socket.write(request)
  })

const get = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: gw.test\r\n${extra}\r\n`

const requests: ReadonlyArray<readonly [string, string]> = [
  ["a text answer", get("/text")],
  ["the request as the app sees it", get("/request?q=1", "Cookie: a=1; b=2\r\nX-Multi: one\r\nAccept: */*\r\n")],
  ["a HEAD request", `HEAD /text HTTP/1.1\r\nHost: gw.test\r\n\r\n`],
  ["204 (its content-length dropped)", get("/204")],
  ["304 (no body)", get("/304")],
  ["cookies and an own Set-Cookie", get("/cookies")],
  ["an Effect stream", get("/stream")],
  ["an Effect stream that fails after its first chunk", get("/stream-fails")],
  ["a Node stream with its length", get("/raw")],
  ["a Node stream shorter than its length", get("/raw-short")],
  ["a Node stream longer than its length", get("/raw-long")],
  ["a raw text body", get("/raw-text")],
  ["a form", get("/form")],
  ["an interim status as the final one", get("/status-99")],
  ["a header Node refuses", get("/bad-header")],
  ["a failing app", get("/fails")],
  ["an empty answer", get("/empty")],
  ["two requests on one connection", get("/text") + get("/stream")],
  ["HTTP/1.0", "GET /text HTTP/1.0\r\nHost: gw.test\r\n\r\n"],
  ["Connection: close", get("/text", "Connection: close\r\n")]
]

describe("FastPath answers as the platform does", () => {
  let platform: Running
  let fast: Running
  beforeAll(async () => {
    platform = await start(platformLayer)
    fast = await start(fastLayer)
  })
  afterAll(async () => {
    await fast?.close()
    await platform?.close()
  })

  it.each(requests)("%s", async (_, raw) => {
    const expected = await exchange(platform.port, raw)
    const got = await exchange(fast.port, raw)
    // something to compare with: an answer, or (a stream failing before its first byte left) a closed connection
    if (expected.text === "") expect(expected.closed).toBe(true)
    else expect(expected.text).toMatch(/^HTTP\/1\.[01] /)
    expect(got).toEqual(expected)
  })

  it("the request as the app sees it: headers lower-case, cookies parsed, the URL as sent", async () => {
    const got = await exchange(fast.port, get("/request?q=1", "Cookie: a=1; b=2\r\nX-Multi: one\r\n"))
    const body = JSON.parse(got.text.slice(got.text.indexOf("\r\n\r\n") + 4)) as Record<string, unknown>
    expect(body).toMatchObject({
      method: "GET",
      url: "/request?q=1",
      originalUrl: "http://gw.test/request?q=1",
      cookies: { a: "1", b: "2" },
      modified: "/changed",
      body: ""
    })
    expect((body["headers"] as Record<string, string>)["x-multi"]).toBe("one")
  })
})

describe("FastPath.eligible", () => {
  const message = (init: { version?: number; url?: string; headers?: Record<string, string> }) => {
    const m = new IncomingMessage(new Net.Socket())
    m.httpVersionMajor = init.version ?? 1
    m.url = init.url ?? "/path?q=1"
    m.headers = init.headers ?? { host: "gw.test" }
    return m
  }
  it("takes bodiless HTTP/1.x requests with an origin-form target", () => {
    expect(FastPath.eligible(message({}))).toBe(true)
    expect(FastPath.eligible(message({ headers: { host: "gw", "content-length": "0" } }))).toBe(true)
  })
  it("leaves requests with a body, absolute-form or asterisk targets and HTTP/2 to the platform", () => {
    expect(FastPath.eligible(message({ headers: { host: "gw", "content-length": "5" } }))).toBe(false)
    expect(FastPath.eligible(message({ headers: { host: "gw", "transfer-encoding": "chunked" } }))).toBe(false)
    expect(FastPath.eligible(message({ url: "http://other.test/path" }))).toBe(false)
    expect(FastPath.eligible(message({ url: "*" }))).toBe(false)
    expect(FastPath.eligible(message({ version: 2 }))).toBe(false)
  })
})
