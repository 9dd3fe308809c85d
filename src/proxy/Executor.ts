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
import { isIP } from "node:net"
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
import * as Deadline from "./Deadline.ts"
import * as Dispatch from "./Dispatch.ts"
import { firstHeader } from "./Dispatch.ts"

/** What the executor hands to the status handler and the decoder. */
export interface RawResponse {
  readonly status: number
  /** Response headers as undici gives them (lower-case names). */
  readonly headers: IncomingHttpHeaders
  /** The whole (decompressed) body, for buffered encodings. */
  readonly body: Uint8Array | undefined
  /** The live body stream, for `no-op`. */
  readonly stream: Readable | undefined
  /** The URL that answered (the last one after redirects), when the executor knows it. */
  readonly url?: string | undefined
}

/** A backend call: request in, raw response out. */
export type Executor = (req: ProxyRequest) => Effect.Effect<RawResponse, BackendError>

/** Request headers never forwarded (hop-by-hop, RFC 9110 §7.6.1, plus what undici computes). */
export const hopByHop: ReadonlySet<string> = HopByHop.withFraming

const crossOriginSensitive: ReadonlySet<string> = new Set(["authorization", "cookie", "cookie2", "proxy-authorization", "www-authenticate"])
const contentHeaders: ReadonlySet<string> = new Set(["content-type", "content-length", "content-encoding", "content-language", "content-location"])

const MAX_REDIRECTS = 10

/** Options of one backend's executor, resolved when the pipe is built. */
export interface ExecutorOptions {
  /** `METHOD url_pattern`, for errors. */
  readonly name: string
  /** Read the whole body (decoded encodings) or hand out the stream (`no-op`). */
  readonly buffer: boolean
  /** Add `Accept-Encoding: gzip` when the request has none. */
  readonly acceptGzip: boolean
  /** Largest decoded body (bytes, also after decompression); `no-op` bodies have none. */
  readonly maxResponseSize: number
  readonly keepAlive: boolean
}

/** Executor options for a backend. */
export const optionsFor = (backend: BackendConfig, service: GatewayConfig, transport: TransportOptions): ExecutorOptions => ({
  name: BackendName.of(backend),
  buffer: backend.encoding !== "no-op",
  acceptGzip: backend.encoding !== "no-op" && !service.disable_compression,
  maxResponseSize: backend.extra_config["sluice/backend"]?.max_response_size ?? transport.maxResponseSize,
  keepAlive: transport.keepAlive
})

type Outcome = { readonly _tag: "ok"; readonly value: RawResponse } | { readonly _tag: "err"; readonly reason: BackendErrorReason; readonly message: string; readonly cause?: unknown }

const ok = (status: number, headers: IncomingHttpHeaders, body: Uint8Array | undefined, stream: Readable | undefined, url: string): Outcome => ({
  _tag: "ok",
  value: { status, headers, body, stream, url }
})

const fail = (reason: BackendErrorReason, message: string, cause?: unknown): Outcome => ({ _tag: "err", reason, message, cause })

const errorCode = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined

const classify = (e: unknown, timedOut: boolean): Outcome => {
  if (timedOut) return fail("Timeout", "the request deadline passed", e)
  const code = errorCode(e)
  switch (code) {
    case "UND_ERR_RES_EXCEEDED_MAX_SIZE":
    case "ERR_BUFFER_TOO_LARGE":
    case Dispatch.TOO_LARGE:
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
 * the client's; a streamed (`no-op`) backend keeps the client's. A `host` set on the request
 * (martian) is the Host sent instead of the URL's authority.
 */
const buildHeaders = (req: ProxyRequest, buffered: boolean, acceptGzip: boolean): Array<string> => {
  const out: Array<string> = []
  for (const name in req.headers) {
    const lower = name.toLowerCase()
    if (hopByHop.has(lower) || (buffered && lower === "accept-encoding")) continue
    for (const v of req.headers[name]!) out.push(name, v)
  }
  if (buffered && acceptGzip) out.push("Accept-Encoding", "gzip")
  if (req.host !== undefined) out.push("Host", req.host)
  return out
}

/**
 * The TLS server name of an origin whose Host header was overridden: its own hostname, as Go's
 * client uses (undici would take the Host header); `undefined` for an IP address.
 */
const serverName = (origin: string): string | undefined => {
  const hostname = new URL(origin).hostname
  return isIP(hostname.replace(/^\[|\]$/g, "")) === 0 ? hostname : undefined
}

/** Whether a redirect `Location` is absolute (has a scheme): Go's client then drops a Host override. */
const absolute = (location: string): boolean => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(location)

const stripHeaders = (headers: Array<string>, drop: (lower: string) => boolean): Array<string> => {
  const out: Array<string> = []
  for (let i = 0; i < headers.length; i += 2) {
    if (!drop(headers[i]!.toLowerCase())) out.push(headers[i]!, headers[i + 1]!)
  }
  return out
}

/** The Referer of a redirect's next hop (Go's `refererForURL`): none from https to http, no userinfo, no fragment. */
export const refererOf = (previous: string, next: URL): string | undefined => {
  let last: URL
  try {
    last = new URL(previous)
  } catch {
    return undefined
  }
  if (last.protocol === "https:" && next.protocol === "http:") return undefined
  last.username = ""
  last.password = ""
  last.hash = ""
  return last.href
}

const inflate = (body: Uint8Array, encoding: string, limit: number): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    const done = (err: Error | null, out: Buffer) => (err === null ? resolve(out) : reject(err))
    const opts = { maxOutputLength: limit, finishFlush: Zlib.constants.Z_SYNC_FLUSH }
    if (encoding === "deflate") Zlib.inflate(body, opts, done)
    else Zlib.gunzip(body, opts, done)
  })

/**
 * Builds the executor of one backend over the shared dispatcher.
 */
export const make = (dispatcher: Agent, options: ExecutorOptions): Executor => {
  const { acceptGzip, buffer, maxResponseSize, name } = options
  const reset = !options.keepAlive
  return (req) =>
    Effect.callback<RawResponse, BackendError>((resume) => {
      const cancel = new Dispatch.Cancel()
      let timedOut = false
      let finished = false
      const remaining = req.deadline - Date.now()
      const timer = setTimeout(() => {
        timedOut = true
        // still queued for a connection (none free, or connecting): time out now, the queued call is aborted when it starts
        if (cancel.controller === undefined) settle(fail("Timeout", "the request deadline passed before a connection was free"))
        cancel.fire()
      }, Deadline.timerDelay(remaining))
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
      let hostOverride = req.host !== undefined
      start(req.url, req.method, buildHeaders(req, buffer, acceptGzip), req.body, 0)
      return Effect.sync(() => {
        finished = true
        clearTimeout(timer)
        cancel.fire()
      })

      /** Sends one hop: buffered, or streamed for `no-op`. */
      function start(url: string, method: string, headers: Array<string>, body: Uint8Array | undefined, hops: number): void {
        const [origin, path] = splitUrl(url)
        const withBody = body !== undefined && body.byteLength > 0
        const opts: Dispatcher.DispatchOptions = { origin, path, method: method as Dispatcher.HttpMethod, headers, reset }
        if (withBody) opts.body = body
        if (hostOverride) {
          const servername = serverName(origin)
          if (servername !== undefined) Object.assign(opts, { servername })
        }
        cancel.controller = undefined // set again when this hop starts
        Dispatch.exchange(dispatcher, opts, cancel, buffer ? maxResponseSize : undefined, (r) => {
          if (finished) return void (r.body !== undefined && !Buffer.isBuffer(r.body) && r.body.destroy())
          if (r.body === undefined) {
            return follow(url, origin, method, headers, body, hops, r.statusCode, firstHeader(r.headers, "location") ?? "")
          }
          if (r.body instanceof BodyStream.Live) r.body.once("close", () => clearTimeout(timer))
          else clearTimeout(timer)
          if (!Buffer.isBuffer(r.body)) return settle(ok(r.statusCode, r.headers, undefined, r.body, url))
          const encoding = firstHeader(r.headers, "content-encoding")?.trim().toLowerCase()
          if (encoding === "gzip" || encoding === "x-gzip" || encoding === "deflate") {
            inflate(r.body, encoding, maxResponseSize).then((decoded) => settle(ok(r.statusCode, r.headers, decoded, undefined, url)), failed)
          } else settle(ok(r.statusCode, r.headers, r.body, undefined, url))
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
        // Go's client sends the URL that answered the redirect as Referer (never from https to
        // http), replacing any Referer of the previous hop; credentials are never in it.
        const referer = refererOf(url, next)
        // a Host override follows a relative Location only (Go's client)
        if (hostOverride && absolute(location)) hostOverride = false
        const kept = stripHeaders(
          headers,
          (h) =>
            h === "referer" || (h === "host" && !hostOverride) || (crossOrigin && crossOriginSensitive.has(h)) ||
            (toGet && contentHeaders.has(h))
        )
        const nextHeaders = referer === undefined ? kept : [...kept, "Referer", referer]
        next.hash = ""
        start(next.href, toGet ? "GET" : method, nextHeaders, toGet ? undefined : body, hops + 1)
      }
    })
}
