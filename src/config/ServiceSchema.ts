/**
 * Schema of the root (service) object of a KrakenD v3 config.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as EndpointSchema from "./EndpointSchema.ts"
import * as Fields from "./Fields.ts"
import * as GoDuration from "./GoDuration.ts"
import * as Namespaces from "./Namespaces.ts"
import * as Shape from "./Shape.ts"
import * as TlsSchema from "./TlsSchema.ts"

/** Root `plugin`: where plugin modules are loaded from. */
export const Plugin = Schema.Struct({
  folder: Schema.String.annotate({ description: "Folder holding the plugin modules" }),
  pattern: Schema.String.annotate({ description: "Suffix of the files to load" })
}).annotate({ identifier: "Plugin", description: "Plugin loader settings" })

const fields = {
  version: Schema.Literal(3).annotate({ description: "Config format version; must be 3" }),
  $schema: Fields.optional(Schema.String, "JSON Schema of this file (for editors)"),
  name: Fields.withDefault(Schema.String, "", "Name of the gateway"),
  port: Fields.withDefault(
    Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 })),
    8080,
    "Listening port"
  ),
  listen_ip: Fields.withDefault(Schema.String, "", "Listening address (empty: all interfaces)"),
  host: Fields.withDefault(Fields.Strings, [], "Default backend hosts"),
  timeout: Fields.withDefault(GoDuration.PositiveGoDuration, "2s", "Default endpoint timeout"),
  cache_ttl: Fields.withDefault(GoDuration.GoDuration, "0", "Default endpoint cache_ttl"),
  output_encoding: Fields.withDefault(Fields.OutputEncoding, "json", "Default endpoint output_encoding"),
  extra_config: Fields.withDefault(Namespaces.ServiceExtraConfig, {}, "Service namespaces"),
  plugin: Fields.optional(Plugin, "Plugin loader settings"),
  debug_endpoint: Fields.flag("Serve /__debug/"),
  echo_endpoint: Fields.flag("Serve /__echo/"),
  read_timeout: Fields.optional(GoDuration.GoDuration, "Maximum time to read a whole request"),
  read_header_timeout: Fields.optional(GoDuration.GoDuration, "Maximum time to read the request headers"),
  write_timeout: Fields.optional(GoDuration.GoDuration, "Maximum time to write a response"),
  idle_timeout: Fields.optional(GoDuration.GoDuration, "Keep-alive timeout of idle client connections"),
  max_header_bytes: Fields.optional(Fields.Count, "Maximum size of the request headers"),
  max_shutdown_wait_time: Fields.optional(GoDuration.GoDuration, "Graceful shutdown drain time"),
  dialer_timeout: Fields.optional(GoDuration.GoDuration, "Backend connect timeout"),
  dialer_keep_alive: Fields.optional(GoDuration.GoDuration, "TCP keep-alive of backend connections: idle time before the first probe (Node sets no probe interval)"),
  dns_cache_ttl: Fields.optional(GoDuration.GoDuration, "Refresh interval of sd \"dns\" backends (default 30s; under 1s keeps the default)"),
  response_header_timeout: Fields.optional(GoDuration.GoDuration, "Backend response header timeout"),
  idle_connection_timeout: Fields.optional(GoDuration.GoDuration, "Keep-alive timeout of idle backend connections"),
  max_idle_connections_per_host: Fields.withDefault(Fields.Count, 250, "Idle backend connections kept per host"),
  disable_keep_alives: Fields.flag("Close backend connections after each request"),
  tls: Fields.optional(TlsSchema.Tls, "HTTPS (and HTTP/2) on the listener"),
  client_tls: Fields.optional(TlsSchema.ClientTls, "TLS to the backends"),
  allow_insecure_connections: Fields.flag("Legacy form of client_tls.allow_insecure_connections (also pins client TLS 1.3, as KrakenD)"),
  disable_compression: Fields.flag("Do not ask backends for gzip"),
  use_h2c: Fields.flag("Also accept cleartext HTTP/2 with prior knowledge on the plain HTTP port"),
  disable_rest: Fields.flag("KrakenD: allow placeholders inside path segments; Sluice keeps whole-segment params (true is warned about)")
}

/** The root object, endpoints left undecoded (they are decoded one by one, see `Config.ts`). */
export const ServiceHead = Schema.Struct({
  ...fields,
  endpoints: Schema.optionalKey(Schema.Array(Schema.Unknown))
})

/** The decoded root object, before defaults flow down. */
export type ServiceHead = typeof ServiceHead.Type

/** The whole config as written (used for the JSON Schema). */
export const Service = Schema.Struct({
  ...fields,
  endpoints: Fields.optional(Schema.Array(EndpointSchema.Endpoint), "The endpoints of the gateway")
}).annotate({ identifier: "Gateway", description: "A KrakenD v3 config read by Sluice" })

/** KrakenD root keys accepted with a warning: Sluice does not implement them yet. */
export const unimplemented: ReadonlyArray<string> = [
  "dialer_fallback_delay",
  "max_idle_connections",
  "expect_continue_timeout",
  "sequential_start",
  "async_agent"
]

/** Root keys that cannot apply to Sluice, and why (an INFO note; docs/config.md says the same). */
export const noEffect: Readonly<Record<string, string>> = {
  expect_continue_timeout:
    "Sluice reads the whole request body before it calls a backend and never sends Expect: 100-continue upstream, so there is nothing to wait for",
  sequential_start: "Sluice has no async agents to start before the router, and builds every pipe before it serves",
  max_idle_connections:
    "backend connections are pooled per origin (undici), bounded by max_idle_connections_per_host; there is no cross-host idle cap"
}

/** Shape of the root object (for the key check). */
export const shape: Shape.Shape = Shape.of(Service, {
  unimplemented,
  noEffect,
  arrays: { endpoints: EndpointSchema.shape },
  objects: {
    extra_config: Namespaces.serviceShape,
    plugin: Shape.of(Plugin),
    tls: Shape.of(TlsSchema.Tls, { arrays: { keys: Shape.of(TlsSchema.KeyPair) } }),
    client_tls: Shape.of(TlsSchema.ClientTls, { arrays: { client_certs: Shape.of(TlsSchema.ClientCert) } })
  }
})
