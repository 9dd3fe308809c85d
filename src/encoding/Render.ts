/**
 * Output renders (lura `router/gin/render.go`, `output_encoding`): a `ProxyResponse` plus the
 * router's response head become an `HttpServerResponse`. Non-`no-op` renders answer 200 (or the
 * status a status handler or modifier set); `no-op` answers the backend's status and headers and
 * streams its body. `xml` (root `<doc>`), `yaml`, and `negotiate` (by the client's `Accept`, see
 * `Negotiate.ts`).
 *
 * @since 0.1.0
 */
import * as BodyStream from "../proxy/BodyStream.ts"
import * as HopByHop from "../proxy/HopByHop.ts"
import * as Identity from "../Identity.ts"
import * as Cookies from "effect/http/Cookies"
import * as HttpBody from "effect/http/HttpBody"
import * as Headers from "effect/http/Headers"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { OutputEncoding } from "../config/Model.ts"
import type { Headers as ProxyHeaders, ProxyResponse } from "../proxy/Proxy.ts"
import * as Negotiate from "./Negotiate.ts"
import * as Xml from "./Xml.ts"
import * as Yaml from "./Yaml.ts"

/**
 * Response headers (single values, lower-case names) and cookies (`Set-Cookie` lines kept one by
 * one). `owned` marks a head built for one answer alone (`withMetadata`): the renderer completes
 * it in place instead of copying it.
 */
export interface Head {
  readonly headers: Readonly<Record<string, string>>
  readonly cookies: Cookies.Cookies
  readonly owned?: boolean
}

/**
 * Renders one response; `accept` is the client's `Accept` header (read by `negotiate` only).
 * The status is the response's own (`status`, set by a status handler or a modifier), else 200
 * for the text encodings and the backend's for `no-op`.
 */
export type Renderer = (response: ProxyResponse, head: Head, accept?: string) => HttpServerResponse.HttpServerResponse

/** `application/json; charset=utf-8`. */
export const jsonContentType = "application/json; charset=utf-8"

/** `text/plain; charset=utf-8`. */
export const textContentType = "text/plain; charset=utf-8"

/** Response headers never copied from a backend's metadata (hop-by-hop and framing). */
const notCopied = HopByHop.withFraming

/** The prototype of Effect's `Headers` records (lower-case names, redaction, equality). */
const headersProto: object = Object.getPrototypeOf(Headers.empty)

/**
 * The prototype of Sluice's answers: Effect's (`status`, `statusText`, `headers`, `cookies`,
 * `body`), compared and hashed by reference (`Identity.ts`: a client leaving mid-answer no longer
 * makes Effect walk the body).
 */
const responseProto: object = Object.create(Object.getPrototypeOf(HttpServerResponse.empty()), Identity.byReference)

type MutableHeaders = { -readonly [K in keyof Headers.Headers]: Headers.Headers[K] }

/**
 * A response over `headers` as they are. Effect's constructors copy the headers once or twice
 * per answer (`Headers.fromInput`, then again for the body's content type and length): ~4 µs of
 * a small answer's CPU, measured. The head here is built for this answer alone, so nothing else
 * sees it change.
 */
const answer = (
  status: number,
  headers: Headers.Headers,
  cookies: Cookies.Cookies,
  body: HttpBody.HttpBody
): HttpServerResponse.HttpServerResponse => {
  const response = Object.create(responseProto)
  response.status = status
  response.statusText = undefined
  response.headers = headers
  response.cookies = cookies
  response.body = body
  return response
}

/** `head`'s headers as a record this answer may complete: itself when owned, else a copy. */
const headersOf = (head: Head): MutableHeaders =>
  head.owned === true ? head.headers as MutableHeaders : Object.assign(Object.create(headersProto), head.headers)

/**
 * Merges `metadata.headers` under the router's own `headers` (the router's win). Repeated
 * values are joined with `, `, except `Set-Cookie` whose lines become cookies. The head is
 * `owned`: built for one answer.
 */
export const withMetadata = (metadata: ProxyHeaders, headers: Readonly<Record<string, string>>): Head => {
  const out: Record<string, string> = Object.create(headersProto)
  let cookies = Cookies.empty
  for (const name of Object.keys(metadata)) { // own keys only: a map from a plugin may have any prototype
    const values = metadata[name]!
    if (values.length === 0) continue
    const lower = name.toLowerCase()
    if (notCopied.has(lower)) continue
    if (lower === "set-cookie") cookies = Cookies.merge(cookies, Cookies.fromSetCookie(values))
    else out[lower] = values.length === 1 ? values[0]! : values.join(", ")
  }
  Object.assign(out, headers) // the router's own head: lower-case names, they win
  return { headers: out, cookies, owned: true }
}

/** `true` when `data` has at least one key. */
export const hasData = (data: Readonly<Record<string, unknown>>): boolean => {
  for (const _ in data) return true
  return false
}

/** A text answer: `body` with `head`, its content type and length. */
const text = (response: ProxyResponse, body: string, head: Head, contentType: string): HttpServerResponse.HttpServerResponse => {
  const encoded = HttpBody.text(body, contentType)
  const headers = headersOf(head)
  headers["content-type"] = contentType
  headers["content-length"] = String(encoded.contentLength)
  return answer(response.status ?? 200, headers, head.cookies, encoded)
}

/** `json`: `data` as JSON, `{}` when empty. */
const json: Renderer = (response, head) => text(response, hasData(response.data) ? JSON.stringify(response.data) : "{}", head, jsonContentType)

/** `xml`: `data` as XML with root `<doc>`. */
const xml: Renderer = (response, head) => text(response, Xml.render(response.data), head, Xml.contentType)

/** `yaml`: `data` as YAML. */
const yaml: Renderer = (response, head) => text(response, Yaml.render(response.data), head, Yaml.contentType)

/** `json-collection`: `data.collection` as a JSON array, `[]` when missing or not an array. */
const jsonCollection: Renderer = (response, head) => {
  const collection = response.data["collection"]
  return text(response, Array.isArray(collection) ? JSON.stringify(collection) : "[]", head, jsonContentType)
}

/** `string`: `data.content` as text, empty when missing or not a string. */
const string: Renderer = (response, head) => {
  const content = response.data["content"]
  return text(response, typeof content === "string" ? content : "", head, textContentType)
}

/** `negotiate`: xml, YAML or json by the client's `Accept`. */
const negotiate: Renderer = (response, head, accept) => {
  switch (Negotiate.format(accept)) {
    case "xml":
      return xml(response, head)
    case "yaml":
      return yaml(response, head)
    case "json":
      return json(response, head)
  }
}

/**
 * `no-op`: the backend's status, the head (built by the router from `metadata.headers`) and
 * the raw body stream piped to the client, with the backend's `Content-Length` when the body is
 * the backend's own. A response without a stream is a 500.
 */
export const noop: Renderer = (response, head) => {
  if (response.io === undefined) return answer(response.status ?? 500, headersOf(head), Cookies.empty, HttpBody.empty)
  const status = response.status ?? response.metadata.status
  const bytes = BodyStream.bytesOf(response.io)
  const headers = headersOf(head)
  if (bytes === undefined) {
    // streamed as it arrives, with the backend's Content-Length when it sent one (KrakenD copies it)
    const length = BodyStream.lengthOf(response.io)
    if (length !== undefined) headers["content-length"] = String(length)
    return answer(status, headers, head.cookies, HttpBody.raw(response.io))
  }
  // a small body read whole: one write with its Content-Length (no content type added when the backend sent none)
  headers["content-length"] = String(bytes.byteLength)
  const contentType = headers["content-type"]
  return answer(status, headers, head.cookies, contentType === undefined ? HttpBody.raw(bytes) : HttpBody.uint8Array(bytes, contentType))
}

/** The renderer of an `output_encoding`, built once per endpoint. */
export const make = (encoding: OutputEncoding): Renderer => {
  switch (encoding) {
    case "no-op":
      return noop
    case "json":
      return json
    case "json-collection":
      return jsonCollection
    case "string":
      return string
    case "xml":
      return xml
    case "yaml":
      Yaml.load()
      return yaml
    case "negotiate":
      Yaml.load()
      return negotiate
  }
}
