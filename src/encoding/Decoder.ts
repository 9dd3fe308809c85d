/**
 * Backend decoders (Lura's `encoding`): the body of a backend answer to the `data` of a
 * `ProxyResponse`.
 * - `json`: an object; with `is_collection` an array wrapped as `{ collection }`.
 * - `safejson`: an object as is, an array as `{ collection }`, a scalar as `{ content }`.
 * - `string`: `{ content: "<body>" }`.
 * - `no-op`: no decoding; the body stream goes to `io`, status and end-to-end headers to `metadata`.
 * - `xml`: the document as data (root element as the top-level key, attributes as `-name`), see `Xml.ts`.
 * - `rss`: an RSS or Atom feed as `{ ...channel fields, items: [...] }`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { IncomingHttpHeaders } from "node:http"
import type { BackendConfig } from "../config/Model.ts"
import type { RawResponse } from "../proxy/Executor.ts"
import { canonical } from "../proxy/HeaderName.ts"
import * as Proxy from "../proxy/Proxy.ts"
import { BackendError } from "../proxy/ProxyError.ts"
import * as HopByHop from "../proxy/HopByHop.ts"
import * as Json from "./Json.ts"
import * as Xml from "./Xml.ts"
import * as BackendName from "../proxy/BackendName.ts"
import * as NullRecord from "../NullRecord.ts"

/** A decoder: raw response in, response with decoded data out. */
export type Decoder = (raw: RawResponse) => Effect.Effect<Proxy.ProxyResponse, BackendError>

/** Response headers that never travel on (hop-by-hop and framing, RFC 9110 §7.6.1). */
export const hopByHopResponse: ReadonlySet<string> = HopByHop.withFraming

/** Canonical end-to-end headers of a backend answer (also drops the names listed in `Connection`). */
export const endToEndHeaders = (headers: IncomingHttpHeaders): Proxy.Headers => {
  const out: Record<string, ReadonlyArray<string>> = NullRecord.make()
  const listed = HopByHop.nominated(headers["connection"])
  for (const name in headers) {
    if (hopByHopResponse.has(name) || listed?.has(name)) continue
    const v = headers[name]
    if (v === undefined) continue
    out[canonical(name)] = Array.isArray(v) ? v : [v]
  }
  return out
}

const meta200: Proxy.ResponseMetadata = { status: 200, headers: Proxy.emptyHeaders }
const meta201: Proxy.ResponseMetadata = { status: 201, headers: Proxy.emptyHeaders }

/** Decoded answers keep the backend status; KrakenD drops backend headers for them. */
const ok = (data: Record<string, unknown>, raw: RawResponse): Effect.Effect<Proxy.ProxyResponse, BackendError> =>
  Effect.succeed(Proxy.response(data, true, raw.status === 201 ? meta201 : raw.status === 200 ? meta200 : { status: raw.status, headers: Proxy.emptyHeaders }))

/** Builds the decoder of one backend. */
export const make = (backend: BackendConfig): Decoder => {
  const name = BackendName.of(backend)
  const decodeError = (message: string) => Effect.fail(new BackendError({ reason: "Decode", backend: name, message }))
  const body = (raw: RawResponse) => Json.text(raw.body ?? new Uint8Array(0))
  switch (backend.encoding) {
    case "no-op":
      return (raw) =>
        Effect.succeed({
          data: NullRecord.make(),
          isComplete: true,
          metadata: { status: raw.status, headers: endToEndHeaders(raw.headers) },
          io: raw.stream,
          errors: []
        })
    case "string":
      return (raw) => ok({ content: body(raw) }, raw)
    case "safejson":
      return (raw) => {
        const r = Json.parse(body(raw))
        if (!r.ok) return decodeError(r.message)
        if (Json.isObject(r.value)) return ok(r.value, raw)
        return ok(Array.isArray(r.value) ? { collection: r.value } : { content: r.value }, raw)
      }
    case "json":
      return backend.is_collection
        ? (raw) => {
          const r = Json.parse(body(raw))
          if (!r.ok) return decodeError(r.message)
          return Array.isArray(r.value) ? ok({ collection: r.value }, raw) : decodeError("expected a JSON array (is_collection)")
        }
        : (raw) => {
          const r = Json.parse(body(raw))
          if (!r.ok) return decodeError(r.message)
          return Json.isObject(r.value) ? ok(r.value, raw) : decodeError("expected a JSON object")
        }
    case "xml":
      Xml.load()
      return (raw) => {
        const r = Xml.parse(body(raw))
        if (!r.ok) return decodeError(r.message)
        return Json.isObject(r.value) ? ok(r.value, raw) : decodeError("expected an XML document")
      }
    case "rss":
      Xml.load()
      return (raw) => {
        const r = Xml.parse(body(raw))
        if (!r.ok) return decodeError(r.message)
        const f = Xml.feed(r.value)
        return f === undefined ? decodeError("expected an RSS or Atom feed") : ok(f, raw)
      }
  }
}
