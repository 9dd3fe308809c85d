/**
 * Turns an `HttpServerRequest` into the endpoint's `ProxyRequest` (lura `router/gin/endpoint.go`
 * NewRequest): capitalised params, headers filtered by `input_headers` (hop-by-hop and
 * `Connection`-nominated names removed first, then the gateway's `X-Forwarded-*` and
 * `User-Agent` set), query filtered by `input_query_strings`, the body bytes and the deadline.
 * Every filter is precomputed per endpoint.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as ByteSize from "effect/ByteSize"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import type { EndpointConfig } from "../config/Model.ts"
import * as HeaderName from "../proxy/HeaderName.ts"
import * as HopByHop from "../proxy/HopByHop.ts"
import type { Headers, ProxyRequest, Query } from "../proxy/Proxy.ts"
import * as Version from "../Version.ts"
import type { ClientIp } from "./ClientIp.ts"
import type { Grant } from "./Endpoint.ts"
import * as NullRecord from "../NullRecord.ts"

/** Reading the client body failed (too large, aborted, malformed framing). */
export class BodyError extends Data.TaggedError("BodyError")<{
  readonly reason: "TooLarge" | "Read"
  readonly cause: unknown
}> {}

/** `true` for a `BodyError`. */
export const isBodyError = (u: unknown): u is BodyError =>
  typeof u === "object" && u !== null && (u as { readonly _tag?: unknown })._tag === "BodyError"

/**
 * Builds the `ProxyRequest` of one request; `params` are the values in declaration order. A
 * grant's headers replace the filtered ones of the same name and its params are added.
 */
export type Incoming = (
  request: HttpServerRequest.HttpServerRequest,
  params: ReadonlyArray<string>,
  path: string,
  rawQuery: string,
  grant?: Grant | undefined
) => Effect.Effect<ProxyRequest, BodyError>


const neverCopied: ReadonlySet<string> = HopByHop.withFraming

interface NodeSource {
  readonly headersDistinct?: Readonly<Record<string, ReadonlyArray<string> | undefined>>
}

/**
 * All values of a header, in order. The effective headers join repeated lines with `, `; when
 * they still equal the Node request's lines (no server plugin changed them), the lines are used.
 */
export const headerValues = (
  request: HttpServerRequest.HttpServerRequest,
  lower: string
): ReadonlyArray<string> | undefined => {
  const value = request.headers[lower]
  if (value === undefined) return undefined
  if (value.includes(", ")) {
    const distinct = (request.source as NodeSource).headersDistinct?.[lower]
    if (distinct !== undefined && distinct.length > 1 && distinct.join(", ") === value) return distinct
  }
  return [value]
}

/**
 * The header filter of an endpoint: `*` copies every client header, an empty list means
 * `Content-Type` only, otherwise the listed names (case-insensitive). Hop-by-hop headers, the
 * names the client's `Connection` nominates, `Host` and `Content-Length` are never copied. The
 * gateway headers are set afterwards, so a client cannot remove them.
 */
export const headerFilter = (
  inputHeaders: ReadonlyArray<string>
): (request: HttpServerRequest.HttpServerRequest, clientIp: string) => Headers => {
  const all = inputHeaders.includes("*")
  const listed = new Map<string, string>()
  for (const name of inputHeaders.length === 0 ? ["Content-Type"] : inputHeaders) {
    const lower = name.toLowerCase()
    if (!neverCopied.has(lower) && lower !== "*") listed.set(lower, HeaderName.canonical(lower))
  }
  return (request, clientIp) => {
    const out: Record<string, ReadonlyArray<string>> = NullRecord.make()
    const skip = HopByHop.nominated(request.headers["connection"])
    if (all) {
      for (const lower of Object.keys(request.headers)) {
        if (neverCopied.has(lower) || skip?.has(lower)) continue
        const values = headerValues(request, lower)
        if (values !== undefined) out[HeaderName.canonical(lower)] = values
      }
    } else {
      for (const [lower, name] of listed) {
        if (skip?.has(lower)) continue
        const values = headerValues(request, lower)
        if (values !== undefined) out[name] = values
      }
    }
    if (out["User-Agent"] === undefined) out["User-Agent"] = [Version.userAgent]
    else out["X-Forwarded-Via"] = [Version.userAgent]
    out["X-Forwarded-For"] = [clientIp]
    const host = request.headers["host"]
    if (host !== undefined && host !== "") out["X-Forwarded-Host"] = [host]
    return out
  }
}

const noQuery: Query = []

/**
 * The query filter of an endpoint: exact names (repeated values kept in order), `*` = every
 * pair. `URLSearchParams` only: `a[b]=1` is the name `a[b]`, nothing is expanded.
 */
export const queryFilter = (names: ReadonlyArray<string>): (rawQuery: string) => Query => {
  if (names.length === 0) return () => noQuery
  if (names.includes("*")) return (raw) => (raw === "" ? noQuery : byName([...new URLSearchParams(raw)]))
  const wanted = new Set(names)
  return (raw) => {
    if (raw === "") return noQuery
    const out: Array<readonly [string, string]> = []
    for (const pair of new URLSearchParams(raw)) {
      if (wanted.has(pair[0])) out.push(pair)
    }
    return byName(out)
  }
}

/**
 * Pairs ordered by name, the values of a repeated name kept in their order: what KrakenD sends,
 * since Go's `url.Values.Encode` sorts by key (the sort is stable).
 */
const byName = (pairs: Array<readonly [string, string]>): Query =>
  pairs.length < 2 ? pairs : pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))

/** `true` when the request carries a body (a non-zero `Content-Length` or any `Transfer-Encoding`). */
export const hasBody = (request: HttpServerRequest.HttpServerRequest): boolean => {
  const length = request.headers["content-length"]
  return (length !== undefined && length !== "0") || request.headers["transfer-encoding"] !== undefined
}

const readBytes = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<Uint8Array, BodyError> =>
  Effect.mapBoth(request.arrayBuffer, {
    onFailure: (cause) =>
      new BodyError({
        reason: cause.reason._tag === "RequestParseError" && cause.reason.reason === "BodyTooLarge" ? "TooLarge" : "Read",
        cause
      }),
    onSuccess: (buffer) => new Uint8Array(buffer)
  })

/**
 * Reads the body bytes, or `undefined` when the request has none. A declared `Content-Length`
 * above `HttpIncomingMessage.MaxBodySize` fails at once, before any byte is read (C1).
 */
export const readBody = (
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<Uint8Array | undefined, BodyError> => (hasBody(request) ? readPresentBody(request) : Effect.succeed(undefined))

/** `readBody` for a request already known to carry a body. */
const readPresentBody = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<Uint8Array, BodyError> => {
  const length = request.headers["content-length"]
  if (length === undefined) return readBytes(request)
  return Effect.withFiber((fiber) => {
    const max = fiber.getRef(HttpIncomingMessage.MaxBodySize)
    return max !== undefined && Number(length) > Number(max)
      ? Effect.fail(new BodyError({ reason: "TooLarge", cause: "the declared Content-Length exceeds the limit" }))
      : readBytes(request)
  })
}

/**
 * Sets a grant's headers on the filtered ones: a client header that a backend could read as the
 * same name (any case, `_` for `-`) is removed first, so it can never sit beside the granted one.
 */
const grantHeaders = (filtered: Record<string, ReadonlyArray<string>>, granted: Headers): void => {
  const names = Object.keys(granted)
  if (names.length === 0) return
  const taken = new Set(names.map(HeaderName.sameHeader))
  for (const name of Object.keys(filtered)) if (taken.has(HeaderName.sameHeader(name))) delete filtered[name]
  Object.assign(filtered, granted)
}

/** Param names of an endpoint path, capitalised like KrakenD (`{id}` → `Id`), in order. */
export const paramNames = (path: string): Array<string> =>
  path
    .slice(1)
    .split("/")
    .filter((s) => s.length > 2 && s.startsWith("{") && s.endsWith("}"))
    .map((s) => s.charAt(1).toUpperCase() + s.slice(2, -1))

/** Builds the request builder of one endpoint. */
export const make = (endpoint: EndpointConfig, clientIp: ClientIp): Incoming => {
  const names = paramNames(endpoint.endpoint)
  const headers = headerFilter(endpoint.input_headers)
  const query = queryFilter(endpoint.input_query_strings)
  const timeout = Duration.toMillis(endpoint.timeout)
  const method = endpoint.method
  const limit = endpoint.extra_config["sluice/endpoint"]?.max_body_size
  const max = limit === undefined ? undefined : ByteSize.bytes(limit)
  const read = max === undefined
    ? readPresentBody
    : (request: HttpServerRequest.HttpServerRequest) => Effect.provideService(readPresentBody(request), HttpIncomingMessage.MaxBodySize, max)
  // The deadline starts when the request arrives, before its body is read.
  const build = (
    request: HttpServerRequest.HttpServerRequest,
    values: ReadonlyArray<string>,
    path: string,
    rawQuery: string,
    body: Uint8Array | undefined,
    deadline: number,
    grant: Grant | undefined
  ): ProxyRequest => {
    const params: Record<string, string> = NullRecord.make()
    for (let i = 0; i < names.length; i++) params[names[i]!] = values[i] ?? ""
    const ip = clientIp(request)
    const filtered = headers(request, ip)
    if (grant !== undefined) {
      Object.assign(params, grant.params)
      grantHeaders(filtered as Record<string, ReadonlyArray<string>>, grant.headers)
    }
    return {
      method,
      path,
      url: undefined,
      query: query(rawQuery),
      params,
      headers: filtered,
      body,
      deadline,
      clientIp: ip
    }
  }
  return (request, values, path, rawQuery, grant) => {
    if (!hasBody(request)) return Effect.sync(() => build(request, values, path, rawQuery, undefined, Date.now() + timeout, grant))
    return Effect.suspend(() => {
      const deadline = Date.now() + timeout
      return Effect.map(read(request), (body) => build(request, values, path, rawQuery, body, deadline, grant))
    })
  }
}
