/**
 * The default executor: one undici `dispatch` in an `Effect.callback`, bounded by the request's
 * `deadline` with one native timer that aborts the dispatch (EFFECT4.md §8). Interruption aborts
 * the upstream request, so the backend sees its request closed. Redirects are followed like Go's
 * client; gzip/deflate bodies are decoded for buffered encodings, with the size limit applied to
 * the decompressed size too. Every undici failure becomes a typed `BackendError`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { IncomingHttpHeaders } from "node:http"
import type { Readable } from "node:stream"
import * as Zlib from "node:zlib"
import type { Agent, Dispatcher } from "undici"
import type { BackendConfig, GatewayConfig } from "../config/Model.ts"
import * as HopByHop from "./HopByHop.ts"
import type { ProxyRequest } from "./Proxy.ts"
import { BackendError, type BackendErrorReason } from "./ProxyError.ts"
import type { TransportOptions } from "./Transport.ts"
import * as BackendName from "./BackendName.ts"
import * as BodyStream from "./BodyStream.ts"

/** What the executor hands to the status handler and the decoder. */
export interface RawResponse {
  readonly status: number
  /** Response headers as undici gives them (lower-case names). */
  readonly headers: IncomingHttpHeaders
  /** The whole (decompressed) body, for buffered encodings. */
  readonly body: Uint8Array | undefined
  /** The live body stream, for `no-op`. */
  readonly stream: Readable | undefined
}

/** A backend call: request in, raw response out. */
export type Executor = (req: ProxyRequest) => Effect.Effect<RawResponse, BackendError>

/** Request headers never forwarded (hop-by-hop, RFC 9110 §7.6.1, plus what undici computes). */
export const hopByHop: ReadonlySet<string> = HopByHop.withFraming

const crossOriginSensitive: ReadonlySet<string> = new Set(["authorization", "cookie", "cookie2", "proxy-authorization", "www-authenticate"])
const contentHeaders: ReadonlySet<string> = new Set(["content-type", "content-length", "content-encoding", "content-language", "content-location"])

const MAX_REDIRECTS = 10

/** The longest native timer (a longer one fires at once); a deadline further away is re-checked by nothing else, so it is capped. */
const MAX_TIMER = 2 ** 31 - 1

/** Options of one backend's executor, resolved when the pipe is built. */
export interface ExecutorOptions {
  /** `METHOD url_pattern`, for errors. */
  readonly name: string
  /** Read the whole body (decoded encodings) or hand out the stream (`no-op`). */
  readonly buffer: boolean
  /** Add `Accept-Encoding: gzip` when the request has none. */
  readonly acceptGzip: boolean
  readonly maxResponseSize: number
  readonly keepAlive: boolean
}

/** Executor options for a backend. */
export const optionsFor = (backend: BackendConfig, service: GatewayConfig, transport: TransportOptions): ExecutorOptions => ({
  name: BackendName.of(backend),
  buffer: backend.encoding !== "no-op",
  acceptGzip: backend.encoding !== "no-op" && !service.disable_compression,
  maxResponseSize: transport.maxResponseSize,
  keepAlive: transport.keepAlive
})

type Outcome = { readonly _tag: "ok"; readonly value: RawResponse } | { readonly _tag: "err"; readonly reason: BackendErrorReason; readonly message: string; readonly cause?: unknown }

const fail = (reason: BackendErrorReason, message: string, cause?: unknown): Outcome => ({ _tag: "err", reason, message, cause })

const errorCode = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined

const classify = (e: unknown, timedOut: boolean): Outcome => {
  if (timedOut) return fail("Timeout", "the request deadline passed", e)
  const code = errorCode(e)
  switch (code) {
    case "UND_ERR_RES_EXCEEDED_MAX_SIZE":
    case "ERR_BUFFER_TOO_LARGE":
      return fail("TooLarge", "the response exceeded the maximum response size", e)
    case "UND_ERR_CONNECT_TIMEOUT":
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
      return fail("Timeout", `backend timeout (${code})`, e)
    case "Z_DATA_ERROR":
    case "Z_BUF_ERROR":
      return fail("Decode", "invalid compressed body", e)
    default:
      return fail("Transport", e instanceof Error ? e.message : String(e), e)
  }
}

/** Splits an absolute URL into origin and path (the path always starts with `/`). */
export const splitUrl = (url: string): readonly [origin: string, path: string] => {
  const scheme = url.indexOf("://")
  const slash = url.indexOf("/", scheme === -1 ? 0 : scheme + 3)
  const query = url.indexOf("?", scheme === -1 ? 0 : scheme + 3)
  const cut = slash === -1 ? query : query === -1 ? slash : Math.min(slash, query)
  if (cut === -1) return [url, "/"]
  const path = url.slice(cut)
  return [url.slice(0, cut), path.startsWith("/") ? path : "/" + path]
}

/**
 * The headers sent upstream. A buffered (decoded) backend only understands gzip and deflate, so
 * its `Accept-Encoding` is the gateway's own (`gzip`, or none with `disable_compression`), never
 * the client's; a streamed (`no-op`) backend keeps the client's.
 */
const buildHeaders = (req: ProxyRequest, buffered: boolean, acceptGzip: boolean): Array<string> => {
  const out: Array<string> = []
  for (const name in req.headers) {
    const lower = name.toLowerCase()
    if (hopByHop.has(lower) || (buffered && lower === "accept-encoding")) continue
    for (const v of req.headers[name]!) out.push(name, v)
  }
  if (buffered && acceptGzip) out.push("Accept-Encoding", "gzip")
  return out
}

const stripHeaders = (headers: Array<string>, drop: (lower: string) => boolean): Array<string> => {
  const out: Array<string> = []
  for (let i = 0; i < headers.length; i += 2) {
    if (!drop(headers[i]!.toLowerCase())) out.push(headers[i]!, headers[i + 1]!)
  }
  return out
}

const firstHeader = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name]
  return Array.isArray(v) ? v[0] : v
}

const inflate = (body: Uint8Array, encoding: string, limit: number): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    const done = (err: Error | null, out: Buffer) => (err === null ? resolve(out) : reject(err))
    const opts = { maxOutputLength: limit, finishFlush: Zlib.constants.Z_SYNC_FLUSH }
    if (encoding === "deflate") Zlib.inflate(body, opts, done)
    else Zlib.gunzip(body, opts, done)
  })

const isRedirect = (status: number): boolean => status === 301 || status === 302 || status === 303 || status === 307 || status === 308

/**
 * Cancels one backend call: the deadline timer and interruption both fire it. Calls go through
 * undici's `dispatch` (no promise, no `AbortSignal` listener — the cheapest undici API) and are
 * aborted through their controller.
 */
class Cancel {
  fired = false
  controller: Dispatcher.DispatchController | undefined = undefined
  fire(): void {
    if (this.fired) return
    this.fired = true
    this.controller?.abort(abortError)
  }
  attach(controller: Dispatcher.DispatchController): void {
    this.controller = controller
    if (this.fired) controller.abort(abortError)
  }
}

const abortError = Object.assign(new Error("request aborted"), { code: "UND_ERR_ABORTED", name: "AbortError" })

interface Buffered {
  readonly statusCode: number
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

/** Dispatches; a synchronous throw (invalid options) is reported like any failure, in a microtask. */
const send = (dispatcher: Agent, opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler, failed: (error: unknown) => void): void => {
  try {
    dispatcher.dispatch(opts, handler)
  } catch (error) {
    queueMicrotask(() => failed(error))
  }
}

/** A redirect body read before following is at most this long (Go's client reads 2 KiB). */
const REDIRECT_BODY = 2 * 1024

/**
 * `true` for a redirect to follow whose body is not announced as short: it is not read — the call
 * is aborted (its connection closed) and the redirect followed at once, so a long or endless body
 * cannot hold the redirect until the deadline.
 */
const dropsBody = (status: number, headers: IncomingHttpHeaders): boolean =>
  isRedirect(status) && firstHeader(headers, "location") !== undefined &&
  !(Number(firstHeader(headers, "content-length")) <= REDIRECT_BODY)

const noBody = Buffer.alloc(0)

/** The received chunks as one buffer (the only chunk as is). */
const joined = (chunks: ReadonlyArray<Buffer>, size: number): Buffer => (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))

/**
 * One buffered exchange through `dispatch`: status, headers and the whole body, handed to `done`
 * (or the failure to `failed`) in a microtask — never inside undici's parser callback, where the
 * request's continuation (which may call another backend) would run re-entrantly.
 */
const dispatchBuffered = (
  dispatcher: Agent,
  opts: Dispatcher.DispatchOptions,
  cancel: Cancel,
  done: (response: Buffered) => void,
  failed: (error: unknown) => void
): void => {
  let statusCode = 0
  let headers: IncomingHttpHeaders = {}
  const chunks: Array<Buffer> = []
  let size = 0
  let left = false // handed on before the end: a redirect whose body is dropped
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart: (controller) => cancel.attach(controller),
    onResponseStart: (controller, status, responseHeaders) => {
      if (status < 200) return // an interim answer (100, 103): the final one follows
      statusCode = status
      headers = responseHeaders
      if (dropsBody(status, responseHeaders)) {
        left = true
        controller.abort(abortError)
        queueMicrotask(() => done({ statusCode, headers, body: noBody }))
      }
    },
    onResponseData: (_controller, chunk) => {
      if (left) return
      chunks.push(chunk)
      size += chunk.length
    },
    onResponseEnd: () => {
      if (left) return
      const response: Buffered = { statusCode, headers, body: joined(chunks, size) }
      queueMicrotask(() => done(response))
    },
    onResponseError: (_controller, error) => {
      if (!left) queueMicrotask(() => failed(error))
    }
  }
  send(dispatcher, opts, handler, failed)
}

interface Streamed {
  readonly statusCode: number
  readonly headers: IncomingHttpHeaders
  /** `undefined` for a redirect (its body is dropped). */
  readonly body: Readable | undefined
}

/**
 * One streamed (`no-op`) exchange through `dispatch`. `done` gets the head and the body stream
 * (`BodyStream.Live`) as soon as the head arrives, or a `BodyStream.Whole` at the end when the
 * head announced at most `SMALL_BODY` bytes (not for HEAD, 204 or 304); a redirect's body is read
 * when it is short, else dropped with its connection.
 */
const dispatchStreamed = (
  dispatcher: Agent,
  opts: Dispatcher.DispatchOptions,
  cancel: Cancel,
  done: (response: Streamed) => void,
  failed: (error: unknown) => void
): void => {
  let statusCode = 0
  let headers: IncomingHttpHeaders = {}
  let live: BodyStream.Live | undefined
  let whole = false
  const chunks: Array<Buffer> = []
  let size = 0
  let left = false // handed on before the end: a redirect whose body is dropped
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart: (controller) => cancel.attach(controller),
    onResponseStart: (controller, status, responseHeaders) => {
      if (status < 200) return // an interim answer (100, 103): the final one follows
      statusCode = status
      headers = responseHeaders
      if (dropsBody(status, responseHeaders)) {
        left = true
        controller.abort(abortError)
        queueMicrotask(() => done({ statusCode, headers, body: undefined }))
        return
      }
      if (isRedirect(status) && firstHeader(responseHeaders, "location") !== undefined) return
      const length = Number(firstHeader(responseHeaders, "content-length"))
      whole = length > 0 && length <= BodyStream.SMALL_BODY && opts.method !== "HEAD" && status !== 204 && status !== 304
      if (whole) return
      const body = new BodyStream.Live(controller, abortError)
      body.on("error", () => undefined) // a broken stream is the consumer's concern, never an unhandled error
      live = body
      queueMicrotask(() => done({ statusCode, headers, body }))
    },
    onResponseData: (_controller, chunk) => {
      if (live !== undefined) live.chunk(chunk)
      else if (whole) {
        chunks.push(chunk)
        size += chunk.length
      }
    },
    onResponseEnd: () => {
      if (left) return
      if (live !== undefined) return live.end()
      const body = whole ? new BodyStream.Whole(joined(chunks, size)) : undefined
      queueMicrotask(() => done({ statusCode, headers, body }))
    },
    onResponseError: (_controller, error) => {
      if (left) return
      if (live !== undefined) live.destroy(error)
      // a body read whole broke after some bytes: answered as a stream that breaks, like any other
      else if (whole && chunks.length > 0) queueMicrotask(() => done({ statusCode, headers, body: BodyStream.broken(chunks, error) }))
      else queueMicrotask(() => failed(error))
    }
  }
  send(dispatcher, opts, handler, failed)
}

/**
 * Builds the executor of one backend over the shared dispatcher.
 */
export const make = (dispatcher: Agent, options: ExecutorOptions): Executor => {
  const { acceptGzip, buffer, maxResponseSize, name } = options
  const reset = !options.keepAlive
  return (req) =>
    Effect.callback<RawResponse, BackendError>((resume) => {
      const cancel = new Cancel()
      let timedOut = false
      let finished = false
      const remaining = req.deadline - Date.now()
      const timer = setTimeout(() => {
        timedOut = true
        // still queued for a connection (none free, or connecting): time out now, the queued call is aborted when it starts
        if (cancel.controller === undefined) settle(fail("Timeout", "the request deadline passed before a connection was free"))
        cancel.fire()
      }, Math.max(1, Math.min(remaining, MAX_TIMER)))
      const settle = (o: Outcome) => {
        if (finished) return
        finished = true
        if (o._tag === "ok") resume(Effect.succeed(o.value))
        else {
          clearTimeout(timer)
          resume(Effect.fail(new BackendError({ reason: o.reason, backend: name, message: o.message, cause: o.cause })))
        }
      }
      if (req.url === undefined) {
        settle(fail("InvalidUrl", "no backend URL was selected"))
        return
      }
      if (remaining <= 0) {
        timedOut = true
        settle(fail("Timeout", "the request deadline passed"))
        return
      }
      const failed = (e: unknown) => settle(classify(e, timedOut))
      start(req.url, req.method, buildHeaders(req, buffer, acceptGzip), req.body, 0)
      return Effect.sync(() => {
        finished = true
        clearTimeout(timer)
        cancel.fire()
      })

      /** Sends one hop through `dispatch`: buffered, or streamed for `no-op`. */
      function start(url: string, method: string, headers: Array<string>, body: Uint8Array | undefined, hops: number): void {
        const [origin, path] = splitUrl(url)
        const withBody = body !== undefined && body.byteLength > 0
        const opts: Dispatcher.DispatchOptions = { origin, path, method: method as Dispatcher.HttpMethod, headers, reset }
        if (withBody) opts.body = body
        cancel.controller = undefined // set again when this hop starts
        if (!buffer) {
          dispatchStreamed(dispatcher, opts, cancel, (r) => {
            if (finished) return void r.body?.destroy()
            if (r.body === undefined) {
              return follow(url, origin, method, headers, body, hops, r.statusCode, firstHeader(r.headers, "location") ?? "")
            }
            if (r.body instanceof BodyStream.Live) r.body.once("close", () => clearTimeout(timer))
            else clearTimeout(timer)
            settle({ _tag: "ok", value: { status: r.statusCode, headers: r.headers, body: undefined, stream: r.body } })
          }, failed)
          return
        }
        dispatchBuffered(dispatcher, opts, cancel, (r) => {
          if (finished) return
          const location = isRedirect(r.statusCode) ? firstHeader(r.headers, "location") : undefined
          if (location !== undefined) return follow(url, origin, method, headers, body, hops, r.statusCode, location)
          clearTimeout(timer)
          const encoding = firstHeader(r.headers, "content-encoding")?.trim().toLowerCase()
          if (encoding === "gzip" || encoding === "x-gzip" || encoding === "deflate") {
            inflate(r.body, encoding, maxResponseSize).then(
              (decoded) => settle({ _tag: "ok", value: { status: r.statusCode, headers: r.headers, body: decoded, stream: undefined } }),
              failed
            )
          } else settle({ _tag: "ok", value: { status: r.statusCode, headers: r.headers, body: r.body, stream: undefined } })
        }, failed)
      }

      /** Follows a redirect like Go's client (the caller already consumed the 3xx body): settles on a refusal, else starts the next hop. */
      function follow(
        url: string,
        origin: string,
        method: string,
        headers: Array<string>,
        body: Uint8Array | undefined,
        hops: number,
        status: number,
        location: string
      ): void {
        if (hops >= MAX_REDIRECTS) return settle(fail("Transport", `stopped after ${MAX_REDIRECTS} redirects`))
        let next: URL
        try {
          next = new URL(location, url)
        } catch {
          return settle(fail("Transport", "invalid redirect location"))
        }
        if (next.protocol !== "http:" && next.protocol !== "https:") return settle(fail("Transport", "unsupported redirect scheme"))
        const toGet = status !== 307 && status !== 308 && method !== "HEAD"
        const crossOrigin = next.origin !== origin
        const nextHeaders = toGet || crossOrigin
          ? stripHeaders(headers, (h) => (crossOrigin && crossOriginSensitive.has(h)) || (toGet && contentHeaders.has(h)))
          : headers
        next.hash = ""
        start(next.href, toGet ? "GET" : method, nextHeaders, toGet ? undefined : body, hops + 1)
      }
    })
}
