/**
 * `mock` (client): answers a backend from config without any network — for demos, tests and
 * backends that do not exist yet. `routes` maps a backend path (the filled `url_pattern`,
 * without query) to an answer; other paths get the default answer (`status`, default 200).
 * A `body` that is not a string is sent as JSON. The answer goes through the usual status
 * handling, decoding and formatting.
 *
 * ```json
 * "plugin/http-client": { "name": "mock", "mock": { "body": { "id": 1 }, "routes": { "/missing": { "status": 404 } } } }
 * ```
 */
import { Effect, Plugin, Schema } from "../src/plugin/Plugin.ts"

const Answer = Schema.Struct({
  status: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 200, maximum: 599 }))),
  headers: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  body: Schema.optionalKey(Schema.Unknown)
})

/** Settings of `mock`. */
export const Config = Schema.Struct({
  ...Answer.fields,
  routes: Schema.optionalKey(Schema.Record(Schema.String, Answer))
})

const toResponse = (answer: typeof Answer.Type): Response => {
  const body = answer.body
  const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body)
  const headers = new Headers(answer.headers ?? {})
  if (!headers.has("content-type")) headers.set("content-type", typeof body === "string" ? "text/plain; charset=utf-8" : "application/json")
  return new Response(answer.status === 204 ? null : text, { status: answer.status ?? 200, headers })
}

export default Plugin.client({
  name: "mock",
  config: Config,
  make: (config) =>
    Effect.sync(() => {
      const routes = new Map(Object.entries(config.routes ?? {}))
      return Plugin.fetchClient((request) => toResponse(routes.get(new URL(request.url).pathname) ?? config))
    })
})
