/**
 * `request-id` (handler): makes sure every request carries a request id header — the client's
 * own when present (unless `overwrite`), else a fresh UUID — passes it inward to the router (so
 * `input_headers` can forward it to backends) and echoes it on the response. It can also inject
 * fixed request and response headers.
 *
 * ```json
 * "plugin/http-server": { "name": ["request-id"], "request-id": { "header": "X-Request-Id", "response_headers": { "X-Served-By": "sluice" } } }
 * ```
 */
import { randomUUID } from "node:crypto"
import { Effect, HttpHeaders, HttpServerRequest, HttpServerResponse, Plugin, Schema } from "../src/plugin/Plugin.ts"

const HeaderMap = Schema.Record(Schema.String, Schema.String)

/** Settings of `request-id`. */
export const Config = Schema.Struct({
  /** Header holding the id (default `X-Request-Id`). */
  header: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1))),
  /** Replace an id sent by the client (default `false`: keep it). */
  overwrite: Schema.optionalKey(Schema.Boolean),
  /** Echo the id on the response (default `true`). */
  echo: Schema.optionalKey(Schema.Boolean),
  /** Headers added to every request before routing. */
  request_headers: Schema.optionalKey(HeaderMap),
  /** Headers added to every response. */
  response_headers: Schema.optionalKey(HeaderMap)
})

export default Plugin.handler({
  name: "request-id",
  config: Config,
  make: (config) =>
    Effect.sync(() => {
      const header = (config.header ?? "X-Request-Id").toLowerCase()
      const overwrite = config.overwrite ?? false
      const echo = config.echo ?? true
      const inject = Object.entries(config.request_headers ?? {}).map(([k, v]) => [k.toLowerCase(), v] as const)
      const extra = Object.entries(config.response_headers ?? {})
      return (app: Plugin.HttpApp): Plugin.HttpApp =>
        Effect.flatMap(Effect.service(HttpServerRequest.HttpServerRequest), (req) => {
          const sent = req.headers[header]
          const id = sent !== undefined && sent !== "" && !overwrite ? sent : randomUUID()
          let headers = HttpHeaders.set(req.headers, header, id)
          for (const [k, v] of inject) headers = HttpHeaders.set(headers, k, v)
          return Effect.map(
            Effect.provideService(app, HttpServerRequest.HttpServerRequest, req.modify({ headers })),
            (res) => {
              let out = echo ? HttpServerResponse.setHeader(res, header, id) : res
              for (const [k, v] of extra) out = HttpServerResponse.setHeader(out, k, v)
              return out
            }
          )
        })
    })
})
