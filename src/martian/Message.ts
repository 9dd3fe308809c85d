/**
 * The backend request and response as martian modifiers see and change them (Go's
 * `*http.Request` and `*http.Response`): mutable views built per call, only for a backend with
 * martian. Header writes follow martian's `proxyutil.Header`: `Host` is the request's Host (not a
 * header-map entry; a no-op on a response), `Content-Length` the parsed length, and
 * `Transfer-Encoding` the transfer-coding list. Names are canonical (`x-foo` → `X-Foo`).
 *
 * Framing stays the transport's: the body is always sent with its real length and answered with
 * the length of what the client gets, so no modifier can produce an invalid message. A request
 * `Content-Length` that disagrees with the body fails the call, as Go's client does.
 *
 * @since 0.2.0
 */
import type { IncomingHttpHeaders } from "node:http"
import type { Readable } from "node:stream"
import type { RawResponse } from "../proxy/Executor.ts"
import { canonical } from "../proxy/HeaderName.ts"
import * as BodyStream from "../proxy/BodyStream.ts"
import type { ProxyRequest } from "../proxy/Proxy.ts"
import * as Url from "./Url.ts"
import * as NullRecord from "../NullRecord.ts"

/** A failure of a modifier: its message. */
export type Failure = string

/** A header map: canonical names, values replaced (never mutated in place). */
export type HeaderMap = Record<string, ReadonlyArray<string>>

/** What requests and responses share. */
interface Message {
  headers: HeaderMap
  /** Go's `ContentLength`: `-1` unknown. */
  contentLength: number
  transferEncoding: ReadonlyArray<string> | undefined
}

/** The backend request. */
export interface Req extends Message {
  readonly kind: "request"
  readonly method: string
  readonly url: Url.Url
  /** Go's `Request.Host`: the Host sent; empty means the URL's host. */
  host: string
  body: Uint8Array | undefined
  /** `static.Modifier`: answer without calling the backend. */
  skip: boolean
}

/** The raw backend answer, before status handling and decoding. */
export interface Res extends Message {
  readonly kind: "response"
  status: number
  /** The whole body (decoded encodings). */
  body: Uint8Array | undefined
  /** The body stream (`no-op`). */
  stream: Readable | undefined
  /** The stream the backend answered, when a modifier replaced it (closed when the call ends). */
  dropped: Readable | undefined
  /** Go's `Response.Request`: the request that got this answer. */
  readonly request: Req
}

/** The request view of a `ProxyRequest` with a URL (`undefined` without one). */
export const request = (req: ProxyRequest): Req | undefined => {
  if (req.url === undefined) return undefined
  const url = Url.parse(req.url)
  return {
    kind: "request",
    method: req.method,
    url,
    host: req.host ?? url.host,
    headers: NullRecord.copy(req.headers),
    contentLength: req.body?.byteLength ?? 0,
    transferEncoding: undefined,
    body: req.body,
    skip: false
  }
}

/**
 * The `ProxyRequest` to send, or why it cannot be sent: a `Content-Length` that is not the body's
 * length (Go's client fails the same way), an invalid Host. `Transfer-Encoding` is kept for later
 * modifiers only: the body is always sent with its length. `host` is set when the Host to send is
 * not the URL's own.
 */
export const toProxyRequest = (r: Req, original: ProxyRequest): ProxyRequest | Failure => {
  const length = r.body?.byteLength ?? 0
  if (r.contentLength > 0 && r.contentLength !== length) return `http: ContentLength=${r.contentLength} with Body length ${length}`
  const host = r.host === "" ? r.url.host : r.host
  if (!Url.validHost(host)) return `http: invalid Host header ${JSON.stringify(host)}`
  return { ...original, url: Url.format(r.url), headers: r.headers, body: r.body, host: host === r.url.host ? undefined : host }
}

/** The request that got an answer: `req`, at the URL that answered (after redirects). */
const answered = (req: Req, url: string | undefined): Req => {
  if (url === undefined || url === Url.format(req.url)) return req
  const u = Url.parse(url)
  return { ...req, url: u, host: u.host }
}

/** Encodings the executor already decoded (buffered answers): Go's client drops their headers too. */
const decoded = new Set(["gzip", "x-gzip", "deflate"])

/** The response view of a raw answer to `req`. */
export const response = (raw: RawResponse, req: Req, buffered: boolean): Res => {
  const headers: HeaderMap = NullRecord.make()
  let transferEncoding: Array<string> | undefined
  for (const name in raw.headers) {
    const v = raw.headers[name]
    if (v === undefined) continue
    const values = Array.isArray(v) ? v : [v]
    if (name === "transfer-encoding") transferEncoding = values.flatMap((t) => t.split(",").map((s) => s.trim()))
    else {
      const key = canonical(name)
      headers[key] = key in headers ? [...headers[key]!, ...values] : values
    }
  }
  const encoding = headers["Content-Encoding"]?.[0]?.trim().toLowerCase()
  if (buffered && encoding !== undefined && decoded.has(encoding)) {
    delete headers["Content-Encoding"]
    delete headers["Content-Length"]
  }
  const length = headers["Content-Length"]?.[0]
  return {
    kind: "response",
    status: raw.status,
    headers,
    contentLength: length !== undefined && /^\d+$/.test(length) ? Number(length) : -1,
    transferEncoding,
    body: raw.body,
    stream: raw.stream,
    dropped: undefined,
    request: answered(req, raw.url)
  }
}

/** The answer `static.Modifier` stands in for the backend with: 200, no headers, an empty body. */
export const synthetic = (req: Req, buffered: boolean): RawResponse => {
  const empty = new Uint8Array(0)
  return {
    status: 200,
    headers: {},
    body: buffered ? empty : undefined,
    stream: buffered ? undefined : new BodyStream.Whole(empty),
    url: Url.format(req.url)
  }
}

/** Replaces the body of a response (a `no-op` one gets a stream read whole; the backend's is closed). */
export const replaceBody = (res: Res, bytes: Uint8Array): void => {
  res.contentLength = bytes.byteLength
  if (res.stream === undefined) {
    res.body = bytes
    return
  }
  res.dropped ??= res.stream
  res.stream = new BodyStream.Whole(bytes)
}

/** The raw answer the status handling and the decoder read. */
export const toRaw = (res: Res, raw: RawResponse): RawResponse => {
  res.dropped?.destroy()
  const headers: IncomingHttpHeaders = NullRecord.make()
  for (const name in res.headers) {
    const values = res.headers[name]!
    if (values.length === 0) continue
    const key = name.toLowerCase()
    const previous = headers[key]
    const all = previous === undefined ? values : [...(Array.isArray(previous) ? previous : [previous]), ...values]
    headers[key] = key === "set-cookie" || all.length > 1 ? [...all] : all[0]!
  }
  return { status: res.status, headers, body: res.body, stream: res.stream, url: raw.url }
}

/** Closes what a failed response holds (the backend's stream: its call is aborted). */
export const discard = (res: Res): void => {
  res.dropped?.destroy()
  res.stream?.destroy()
}

const INT = /^[+-]?\d+$/

/** Go's `Header.Set` through `proxyutil` (`name` canonical). */
export const set = (m: Req | Res, name: string, value: string): Failure | undefined => {
  switch (name) {
    case "Host":
      if (m.kind === "request") m.host = value
      return undefined
    case "Content-Length":
      if (!INT.test(value)) return `strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`
      m.contentLength = Number(value)
      return undefined
    case "Transfer-Encoding":
      m.transferEncoding = [value]
      return undefined
    default:
      m.headers[name] = [value]
      return undefined
  }
}

/** Go's `Header.Add` through `proxyutil`: a second Host or Content-Length is an error. */
export const add = (m: Req | Res, name: string, value: string): Failure | undefined => {
  switch (name) {
    case "Host":
      return m.kind === "request" && m.host !== "" ? "proxyutil: illegal header multiple: Host" : set(m, name, value)
    case "Content-Length":
      return m.contentLength > 0 ? "proxyutil: illegal header multiple: Content-Length" : set(m, name, value)
    case "Transfer-Encoding":
      m.transferEncoding = [...(m.transferEncoding ?? []), value]
      return undefined
    default:
      m.headers[name] = [...(m.headers[name] ?? []), value]
      return undefined
  }
}

/** Go's `Header.All` through `proxyutil`: every value, or `undefined` when absent. */
export const all = (m: Req | Res, name: string): ReadonlyArray<string> | undefined => {
  switch (name) {
    case "Host":
      return m.kind === "request" && m.host !== "" ? [m.host] : undefined
    case "Content-Length":
      return m.contentLength > 0 ? [String(m.contentLength)] : undefined
    case "Transfer-Encoding":
      return m.transferEncoding
    default:
      return m.headers[name]
  }
}

/** Go's `Header.Get` through `proxyutil`: the first value, or the empty string. */
export const get = (m: Req | Res, name: string): string => {
  switch (name) {
    case "Host":
      return m.kind === "request" ? m.host : ""
    case "Content-Length":
      return m.contentLength < 0 ? "" : String(m.contentLength)
    default:
      return all(m, name)?.[0] ?? ""
  }
}

/** Go's `Header.Del` through `proxyutil`. */
export const del = (m: Req | Res, name: string): void => {
  switch (name) {
    case "Host":
      if (m.kind === "request") m.host = ""
      return
    case "Content-Length":
      m.contentLength = -1
      return
    case "Transfer-Encoding":
      m.transferEncoding = undefined
      return
    default:
      delete m.headers[name]
  }
}
