/**
 * Schema of an endpoint object as written in the config (before the service defaults flow
 * down, see `Defaults.ts`).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as BackendSchema from "./BackendSchema.ts"
import * as Fields from "./Fields.ts"
import * as GoDuration from "./GoDuration.ts"
import * as Namespaces from "./Namespaces.ts"
import * as Shape from "./Shape.ts"

/** An endpoint as written, with its backends. */
export const Endpoint = Schema.Struct({
  endpoint: Schema.String.annotate({ description: "Path of the endpoint, params written /{name}" }),
  method: Fields.withDefault(Fields.Method, "GET", "HTTP method of the endpoint"),
  timeout: Fields.optional(GoDuration.PositiveGoDuration, "Endpoint deadline (default: the service timeout)"),
  cache_ttl: Fields.optional(GoDuration.GoDuration, "Cache-Control max-age (default: the service cache_ttl)"),
  concurrent_calls: Fields.withDefault(
    Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
    1,
    "Identical calls per backend; the first good answer wins"
  ),
  input_headers: Fields.withDefault(Fields.Strings, [], "Client headers forwarded to the backends (\"*\" = all)"),
  input_query_strings: Fields.withDefault(Fields.Strings, [], "Query names forwarded to the backends (\"*\" = all)"),
  output_encoding: Fields.optional(Fields.OutputEncoding, "How the response is rendered (default: the service one)"),
  extra_config: Fields.withDefault(Namespaces.EndpointExtraConfig, {}, "Endpoint namespaces"),
  backend: Fields.optional(Schema.Array(BackendSchema.Backend), "Backends called by the endpoint (at least one)")
}).annotate({ identifier: "Endpoint", description: "An endpoint of the gateway" })

/** An endpoint whose backends are left undecoded: they are decoded one by one (see `Config.ts`). */
export const EndpointHead = Endpoint.mapFields((fields) => ({
  ...fields,
  backend: Schema.optionalKey(Schema.Array(Schema.Unknown))
}))

/** A decoded endpoint without its backends, before defaults flow down. */
export type EndpointHead = typeof EndpointHead.Type

/** Keys of a v2 config or of another level that need a specific message. */
export const hints: Readonly<Record<string, string>> = {
  headers_to_pass: "headers_to_pass is a KrakenD v2 key; use input_headers",
  querystring_params: "querystring_params is a KrakenD v2 key; use input_query_strings"
}

/** Shape of an endpoint (for the key check). */
export const shape: Shape.Shape = Shape.of(Endpoint, {
  hints,
  arrays: { backend: BackendSchema.shape },
  objects: { extra_config: Namespaces.endpointShape }
})
