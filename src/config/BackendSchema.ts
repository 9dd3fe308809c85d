/**
 * Schema of a backend object as written in the config (before the endpoint's defaults flow
 * down, see `Defaults.ts`).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Fields from "./Fields.ts"
import * as Namespaces from "./Namespaces.ts"
import * as Shape from "./Shape.ts"

/** A backend as written. */
export const Backend = Schema.Struct({
  host: Fields.withDefault(Fields.Strings, [], "Backend hosts (default: the service host list)"),
  url_pattern: Schema.String.annotate({ description: "Path (and query) template with {param} placeholders" }),
  method: Fields.optional(Fields.Method, "Method of the backend call (default: the endpoint method)"),
  encoding: Fields.withDefault(Fields.BackendEncoding, "json", "How the backend response is decoded"),
  allow: Fields.withDefault(Fields.Strings, [], "Keep only these fields (dot paths)"),
  deny: Fields.withDefault(Fields.Strings, [], "Remove these fields (dot paths)"),
  mapping: Fields.withDefault(Schema.Record(Schema.String, Schema.String), {}, "Rename top-level fields {old: new}"),
  group: Fields.optional(Schema.String, "Wrap the backend response under this key"),
  target: Fields.optional(Schema.String, "Extract this nested object (dot path) first"),
  is_collection: Fields.flag("The response is a JSON array, returned as {\"collection\": [...]}"),
  input_headers: Fields.optional(Fields.Strings, "Backend level header allowlist (restricts the endpoint's)"),
  input_query_strings: Fields.optional(Fields.Strings, "Backend level query allowlist (restricts the endpoint's)"),
  disable_host_sanitize: Fields.flag("Use the hosts as written (no http:// added)"),
  sd: Fields.optional(
    Schema.String.annotate({ examples: ["static", "dns", "dns-shared"] }),
    "Service discovery: static (the host list) or dns / dns-shared (host[0] is a DNS SRV name); another value reads as static, as in KrakenD"
  ),
  sd_scheme: Fields.optional(Schema.String, "Scheme of the hosts discovered with sd dns: http (default) or https"),
  extra_config: Fields.withDefault(Namespaces.BackendExtraConfig, {}, "Backend namespaces")
}).annotate({ identifier: "Backend", description: "A backend of an endpoint" })

/** A decoded backend, before defaults flow down. */
export type Backend = typeof Backend.Type

/** Keys of a KrakenD backend or of a v2 config that need a specific message. */
export const hints: Readonly<Record<string, string>> = {
  headers_to_pass: "headers_to_pass is a KrakenD v2 key; use input_headers",
  querystring_params: "querystring_params is a KrakenD v2 key; use input_query_strings"
}

/** Shape of a backend (for the key check). */
export const shape: Shape.Shape = Shape.of(Backend, {
  hints,
  // KrakenD's `run` ignores a backend `timeout` (only the endpoint one counts); so does Sluice.
  unimplemented: ["timeout"],
  objects: { extra_config: Namespaces.backendShape }
})
