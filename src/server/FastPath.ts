/**
 * Sluice's own request path for the common request: HTTP/1.1, an origin-form target, no body.
 * Such a request gets a lean request object (the header record copied once into Effect's
 * `Headers`) and a response writer with the platform's semantics (HEAD, 1xx/204/304 without a
 * body, cookies, a stream's length checked against its `Content-Length`, a failure after the head
 * aborts the connection). Every other request — one with a body (its teardown, `100-continue`), an
 * absolute-form target, HTTP/2 and h2c, upgrades — goes to `@effect/platform-node`'s handler as
 * before. The listener, its limits and its graceful shutdown stay the platform's.
 *
 * @since 0.4.0
 */
import * as NodeHttpIncomingMessage from "@effect/platform-node/NodeHttpIncomingMessage"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeMultipart from "@effect/platform-node/NodeMultipart"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Cookies from "effect/http/Cookies"
import * as Headers from "effect/http/Headers"
import * as HttpEffect from "effect/http/HttpEffect"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import type * as HttpMiddleware from "effect/http/HttpMiddleware"
import * as HttpServer from "effect/http/HttpServer"
import { causeResponse, ClientAbort, HttpServerError, RequestParseError, ResponseError } from "effect/http/HttpServerError"
import * as Request from "effect/http/HttpServerRequest"
import * as Response from "effect/http/HttpServerResponse"
import * as UrlParams from "effect/http/UrlParams"
import type * as Option from "effect/Option"
import * as Latch from "effect/Latch"
import * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import type { IncomingMessage, ServerResponse } from "node:http"
import { Readable, Transform } from "node:stream"
import { pipeline } from "node:stream/promises"

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void

/** The prototype of Effect's `Headers` records (lower-case names, redaction, equality). */
const headersProto: object = Object.getPrototypeOf(Headers.empty)

/** Node's header record (lower-case names; only `set-cookie` repeats as a list) as Effect's `Headers`. */
const headersOf = (source: IncomingMessage["headers"]): Headers.Headers => {
  const out: Record<string, string> = Object.create(headersProto)
  for (const name in source) {
    const value = source[name]
    if (value !== undefined) out[name] = typeof value === "string" ? value : value.join(", ")
  }
  return out as unknown as Headers.Headers
}

/** `true` for a request this path serves: HTTP/1.x, an origin-form target, no body. */
export const eligible = (req: IncomingMessage): boolean => {
  if (req.httpVersionMajor !== 1 || req.url === undefined || req.url.charCodeAt(0) !== 0x2f) return false
  const headers = req.headers
  const length = headers["content-length"]
  return (length === undefined || length === "0") && headers["transfer-encoding"] === undefined
}

/** A bodiless HTTP/1.1 request. */
class Bodiless extends NodeHttpIncomingMessage.NodeHttpIncomingMessage<HttpServerError> implements Request.HttpServerRequest {
  readonly [Request.TypeId]: typeof Request.TypeId = Request.TypeId
  override destroyOnOverflow = false
  override closeOnDone = false
  readonly response: ServerResponse
  readonly url: string
  readonly protocol: "http" | "https" | undefined
  #headers: Headers.Headers | undefined
  readonly #peerAddress: Option.Option<string> | undefined
  #cookies: Record<string, string> | undefined
  constructor(
    source: IncomingMessage,
    response: ServerResponse,
    url?: string,
    headers?: Headers.Headers,
    remoteAddress?: Option.Option<string>,
    peerAddress?: Option.Option<string>,
    protocol?: "http" | "https"
  ) {
    super(source, (cause) =>
      new HttpServerError({
        reason: new RequestParseError({ request: this, reason: "Parse", cause })
      }), remoteAddress)
    this.response = response
    this.url = url ?? source.url!
    this.#headers = headers
    this.#peerAddress = peerAddress
    this.protocol = protocol
  }
  override get headers(): Headers.Headers {
    return (this.#headers ??= headersOf(this.source.headers))
  }
  get method(): string {
    return this.source.method!
  }
  get originalUrl(): string {
    const url = this.source.url!
    const host = this.source.headers.host
    if (host === undefined) return url
    return `${(this.source.socket as { encrypted?: boolean } | null)?.encrypted === true ? "https" : "http"}://${host}${url}`
  }
  get peerAddress(): Option.Option<string> {
    return this.#peerAddress ?? this.remoteAddress
  }
  get cookies(): Record<string, string> {
    return (this.#cookies ??= Cookies.parseHeader(this.source.headers.cookie ?? ""))
  }
  get multipart() {
    return NodeMultipart.persisted(this.source, this.source.headers)
  }
  get multipartStream() {
    return NodeMultipart.stream(this.source, this.source.headers)
  }
  get upgrade(): Effect.Effect<Socket.Socket, HttpServerError> {
    return this.upgradeWith({})
  }
  upgradeWith(_options: { readonly headers?: Headers.Input | undefined }): Effect.Effect<Socket.Socket, HttpServerError> {
    return Effect.fail(new HttpServerError({ reason: new RequestParseError({ request: this, description: "not an upgradeable ServerRequest" }) }))
  }
  modify(options: {
    readonly url?: string
    readonly headers?: Headers.Headers
    readonly remoteAddress?: Option.Option<string>
    readonly peerAddress?: Option.Option<string>
    readonly protocol?: "http" | "https"
  }): Request.HttpServerRequest {
    return new Bodiless(
      this.source,
      this.response,
      options.url ?? this.url,
      options.headers ?? this.#headers,
      "remoteAddress" in options ? options.remoteAddress : this.remoteAddressOverride,
      options.peerAddress ?? this.#peerAddress,
      options.protocol ?? this.protocol
    )
  }
  override toString(): string {
    return `ServerRequest(${this.method} ${UrlParams.redactUrl(this.url)})`
  }
  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, { _id: "HttpServerRequest", method: this.method, url: UrlParams.redactUrl(this.originalUrl) })
  }
}

// ---------------------------------------------------------------------------------------------
// The response writer (HTTP/1.1)
// ---------------------------------------------------------------------------------------------

const isFinal = (status: number): boolean => status >= 200 && status <= 599

const writeHead = (res: ServerResponse, response: Response.HttpServerResponse, headers: Headers.Headers): void => {
  if (!isFinal(response.status)) throw new RangeError(`Invalid final response status: ${response.status}`)
  res.writeHead(response.status, response.statusText, headers as unknown as Record<string, string>)
}

const cancelBody = (body: Response.HttpServerResponse["body"]): Effect.Effect<void> => {
  const stream = body._tag === "Raw" ? body.body : undefined
  return stream instanceof Readable ? Effect.sync(() => stream.destroy()) : Effect.void
}

const internalServerError = Response.empty({ status: 500 })

/** A failure: the head if none went out (a 500 or the failure's answer), else the connection aborted. */
const failed = (res: ServerResponse, original: Response.HttpServerResponse) => (originalCause: Cause.Cause<unknown>) =>
  Effect.flatMap(causeResponse(originalCause), ([answer, cause]) => {
    const headersSent = res.headersSent
    let abort = headersSent
    if (!headersSent) {
      let response = answer
      if (!isFinal(response.status)) {
        cause = Cause.combine(cause, Cause.die(new RangeError(`Invalid final response status: ${response.status}`)))
        response = internalServerError
      }
      try {
        writeHead(res, response, Headers.empty)
      } catch {
        abort = true
      }
    }
    if (!res.writableEnded) {
      if (abort) res.destroy()
      else res.end()
    }
    return Effect.failCause(headersSent ? Cause.combine(originalCause, Cause.die(original)) : cause)
  })

/** Ends the answer and waits until it is flushed (or the connection is gone). */
const endAndAwait = (res: ServerResponse, chunk?: string | Uint8Array): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    if (res.destroyed) return resume(Effect.void)
    let completed = false
    const done = () => {
      if (completed) return
      completed = true
      res.off("close", done)
      resume(Effect.void)
    }
    res.once("close", done)
    if (chunk === undefined) res.end(done)
    else res.end(chunk, done)
  })

const end = (res: ServerResponse, response: Response.HttpServerResponse, chunk?: string | Uint8Array): Effect.Effect<void, unknown> => {
  try {
    if (chunk === undefined) res.end()
    else res.end(chunk)
    return Effect.void
  } catch (defect) {
    return failed(res, response)(Cause.die(defect))
  }
}

/** Pipes `readable` into the answer, its bytes checked against a `Content-Length` first (Node would throw outside any handler). */
const pipeTo = (readable: NodeJS.ReadableStream, res: ServerResponse, headers: Headers.Headers, signal: AbortSignal): Promise<void> => {
  const length = headers["content-length"]
  if (typeof length !== "string") return pipeline(readable, res, { signal })
  let remaining = Number(length)
  const mismatch = () => new Error(`Response body doesn't match content-length of ${length}`)
  return pipeline(
    readable,
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        remaining -= chunk.length
        callback(remaining < 0 ? mismatch() : null, chunk)
      },
      flush(callback) {
        callback(remaining > 0 ? mismatch() : null)
      }
    }),
    res,
    { signal }
  )
}

const write = (
  request: Bodiless,
  response: Response.HttpServerResponse,
  res: ServerResponse,
  headers: Headers.Headers
): Effect.Effect<unknown, unknown> => {
  if (res.destroyed) return cancelBody(response.body)
  if (request.method === "HEAD") {
    writeHead(res, response, headers)
    return Effect.andThen(cancelBody(response.body), endAndAwait(res))
  }
  if (Response.omitsBody(response)) {
    writeHead(res, response, headers)
    res.end()
    return cancelBody(response.body)
  }
  res.strictContentLength = true
  const body = response.body
  switch (body._tag) {
    case "Empty":
      writeHead(res, response, headers)
      return end(res, response)
    case "Uint8Array":
      writeHead(res, response, headers)
      // under 1 MB: the head and the body leave in one write, without waiting for the flush
      if (body.contentLength < 1024 * 1024) return end(res, response, body.text ?? body.body)
      return endAndAwait(res, body.text ?? body.body).pipe(Effect.tapCause(failed(res, response)))
    case "Raw": {
      const raw = body.body
      writeHead(res, response, headers)
      if (typeof raw === "object" && raw !== null && "pipe" in raw && typeof raw.pipe === "function") {
        return Effect.tryPromise({
          try: (signal) => pipeTo(raw as NodeJS.ReadableStream, res, headers, signal),
          catch: (cause) => new HttpServerError({ reason: new ResponseError({ request, response, description: "Error writing raw response", cause }) })
        }).pipe(Effect.interruptible, Effect.tapCause(failed(res, response)))
      }
      return endAndAwait(res, raw as string | Uint8Array).pipe(Effect.tapCause(failed(res, response)))
    }
    case "FormData": {
      const web = new globalThis.Response(body.formData)
      const formHeaders = Object.assign(Object.create(headersProto), headers, Object.fromEntries(web.headers)) as Headers.Headers
      writeHead(res, response, formHeaders)
      return Effect.tryPromise({
        try: (signal) => pipeTo(Readable.fromWeb(web.body as never), res, formHeaders, signal),
        catch: (cause) => new HttpServerError({ reason: new ResponseError({ request, response, description: "Error writing FormData response", cause }) })
      }).pipe(Effect.interruptible, Effect.tapCause(failed(res, response)))
    }
    case "Stream": {
      writeHead(res, response, headers)
      const drained = Latch.makeUnsafe()
      res.on("drain", () => drained.openUnsafe())
      return body.stream.pipe(
        Stream.orDie,
        Stream.runForEachArray((array) => {
          if (res.write(array.length > 1 ? Buffer.concat(array) : array[0]!)) return Effect.void
          drained.closeUnsafe()
          return drained.await
        }),
        Effect.interruptible,
        Effect.matchCauseEffect({ onSuccess: () => end(res, response), onFailure: failed(res, response) })
      )
    }
  }
}

const handleResponse = (request: Request.HttpServerRequest, response: Response.HttpServerResponse): Effect.Effect<unknown, unknown> => {
  const bodiless = request as Bodiless
  const res = bodiless.response
  if (res.writableEnded) return Effect.void
  let headers = response.headers
  if (response.status === 204 || response.status === 205) {
    const { "content-length": _, ...rest } = headers
    headers = rest as Headers.Headers
  }
  if (!Cookies.isEmpty(response.cookies)) {
    const out: Record<string, string | Array<string>> = { ...headers }
    const lines = Cookies.toSetCookieHeaders(response.cookies)
    const own = out["set-cookie"]
    if (own !== undefined) lines.push(...(Array.isArray(own) ? own : [own]))
    out["set-cookie"] = lines
    headers = out as unknown as Headers.Headers
  }
  try {
    return write(bodiless, response, res, headers)
  } catch (defect) {
    // `writeHead` throws on headers Node rejects and on statuses outside 200-599
    return Effect.andThen(cancelBody(response.body), failed(res, response)(Cause.die(defect)))
  }
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/**
 * The `request` handler of this path over `app`, its fibers in a scope forked from the serving
 * one (interrupted when serving stops), a fiber interrupted when its client leaves first.
 */
const makeHandler = (
  app: Effect.Effect<Response.HttpServerResponse, unknown, Request.HttpServerRequest | Scope.Scope>,
  middleware: HttpMiddleware.HttpMiddleware | undefined,
  scope: Scope.Scope
): Effect.Effect<(req: IncomingMessage, res: ServerResponse) => void> =>
  Effect.withFiber((parent) => {
    const services = parent.context
    const handled = HttpEffect.toHandled(app, handleResponse, middleware) as Effect.Effect<void, never, never>
    return Effect.succeed((req: IncomingMessage, res: ServerResponse) => {
      const fiber = Fiber.runIn(Effect.runForkWith(Context.add(services, Request.HttpServerRequest, new Bodiless(req, res)))(handled), scope)
      if (fiber.pollUnsafe() === undefined) {
        res.on("close", () => {
          if (!res.writableEnded) fiber.interruptUnsafe(parent.id, ClientAbort.annotation)
        })
      }
    })
  })

/**
 * The platform's server over `evaluate()`'s Node server, with this path in front of its request
 * handler: bodiless HTTP/1.1 requests are served here, the rest by the platform.
 */
export const make = (
  evaluate: () => Parameters<typeof NodeHttpServer.make>[0] extends () => infer S ? S : never,
  options: Parameters<typeof NodeHttpServer.make>[1]
) =>
  Effect.gen(function*() {
    const server = evaluate() as unknown as import("node:http").Server
    const platform = yield* NodeHttpServer.make(() => server as never, options)
    return HttpServer.make({
      address: platform.address,
      serve: (app, middleware) =>
        Effect.gen(function*() {
          // forked before the platform adds its finalizer (the drain: in-flight requests finish), so
          // that this path's request fibers are interrupted after the drain, as the platform's are
          const scope = Scope.forkUnsafe(yield* Effect.scope, "parallel")
          const before = new Set(server.listeners("request"))
          yield* (middleware === undefined ? platform.serve(app) : platform.serve(app, middleware as never))
          const theirs = server.listeners("request").find((l) => !before.has(l)) as NodeHandler | undefined
          if (theirs === undefined) return
          const ours = yield* makeHandler(app, middleware, scope)
          // in the platform's place (last, after the server's own listener); removed when this
          // path's scope closes, after the drain, as the platform removes its handler then
          const dispatch: NodeHandler = (req, res) => (eligible(req) ? ours(req, res) : theirs(req, res))
          server.removeListener("request", theirs)
          server.on("request", dispatch)
          yield* Scope.addFinalizer(scope, Effect.sync(() => server.removeListener("request", dispatch)))
        })
    })
  })
