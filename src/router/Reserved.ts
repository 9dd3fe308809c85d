/**
 * The reserved routes (lura `router/gin/debug.go`, `echo.go`, the health handler): `/__health`,
 * `/__debug/*` and `/__echo/*`. They are ordinary HTTP answers, so the gateway can also use them
 * as its own backends.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Render from "../encoding/Render.ts"
import * as HeaderName from "../proxy/HeaderName.ts"
import * as Incoming from "./Incoming.ts"
import * as NullRecord from "../NullRecord.ts"

/**
 * `{"agents":{},"now":"<ISO time>","status":"ok"}`; while the server drains, the same body with
 * `"status":"draining"` and status 503 (`src/server/Readiness.ts`).
 */
export const health = (draining = false): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(
    JSON.stringify({ agents: {}, now: new Date().toISOString(), status: draining ? "draining" : "ok" }),
    { contentType: Render.jsonContentType, status: draining ? 503 : 200 }
  )

const decoder = new TextDecoder()

const bodyText = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<string, Incoming.BodyError> =>
  Effect.map(Incoming.readBody(request), (body) => (body === undefined ? "" : decoder.decode(body)))

const sortedRecord = <V>(entries: Iterable<readonly [string, V]>): Record<string, V> => {
  const out: Record<string, V> = NullRecord.make()
  for (const [k, v] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = v
  return out
}

/** Every client header but `Host` (Go keeps it apart), canonical names, all values. */
const allHeaders = (request: HttpServerRequest.HttpServerRequest): Record<string, ReadonlyArray<string>> =>
  sortedRecord(
    Object.keys(request.headers)
      .filter((name) => name !== "host")
      .map((name) => [HeaderName.canonical(name), Incoming.headerValues(request, name) ?? []] as const)
  )

const queryMap = (rawQuery: string): Record<string, Array<string>> => {
  const map = new Map<string, Array<string>>()
  for (const [k, v] of new URLSearchParams(rawQuery)) {
    const list = map.get(k)
    if (list === undefined) map.set(k, [v])
    else list.push(v)
  }
  return sortedRecord(map)
}

/** `/__echo/*`: the request as JSON, in lura's `echoResponse` shape. */
export const echo = (
  request: HttpServerRequest.HttpServerRequest,
  path: string,
  rawQuery: string
): Effect.Effect<HttpServerResponse.HttpServerResponse, Incoming.BodyError> =>
  Effect.map(bodyText(request), (body) =>
    HttpServerResponse.text(
      JSON.stringify({
        req_uri: request.url,
        req_uri_details: { user: "", host: "", path, query: rawQuery, fragment: "" },
        req_method: request.method,
        req_querystring: queryMap(rawQuery),
        req_body: body,
        req_headers: allHeaders(request)
      }),
      { contentType: Render.jsonContentType }
    ))

const pong = JSON.stringify({ message: "pong" })

/** `/__debug/*`: logs the request at debug level and answers `{"message":"pong"}`. */
export const debug = (
  request: HttpServerRequest.HttpServerRequest,
  path: string,
  rawQuery: string
): Effect.Effect<HttpServerResponse.HttpServerResponse, Incoming.BodyError> =>
  Effect.flatMap(bodyText(request), (body) =>
    Effect.as(
      Effect.logDebug("debug endpoint").pipe(
        Effect.annotateLogs({
          method: request.method,
          url: request.url,
          path,
          query: queryMap(rawQuery),
          headers: allHeaders(request),
          body
        })
      ),
      HttpServerResponse.text(pong, { contentType: Render.jsonContentType })
    ))
