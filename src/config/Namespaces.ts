/**
 * The `extra_config` namespaces Sluice implements, per level, each with its own Schema. This is
 * the one list to extend when a namespace gets implemented: add its Schema to the level's
 * struct and its shape (typo check, accepted-but-ignored keys) to the level's shape.
 * Namespaces not listed here are accepted with a warning and dropped.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Fields from "./Fields.ts"
import * as Shape from "./Shape.ts"

/** Service `router`: gin router flags. */
export const Router = Schema.Struct({
  return_error_msg: Fields.flag("Return the error message in the body of failed responses"),
  disable_redirect_trailing_slash: Fields.flag("Do not redirect /foo/ to /foo (and back)"),
  disable_redirect_fixed_path: Fields.flag("Do not redirect to the case-insensitive or cleaned path"),
  disable_handle_method_not_allowed: Fields.flag("Answer 404 instead of 405 for a known path with another method"),
  remove_extra_slash: Fields.flag("Remove repeated slashes from the request path"),
  disable_path_decoding: Fields.flag("Do not reject encoded sequences in path params"),
  auto_options: Fields.flag("Answer OPTIONS for every path with an Allow header"),
  disable_health: Fields.flag("Do not register the health endpoint"),
  health_path: Fields.withDefault(
    Schema.String.check(Schema.isStartingWith("/")),
    "/__health",
    "Path of the health endpoint"
  ),
  hide_version_header: Fields.flag("Do not send the X-KrakenD-Version header"),
  disable_access_log: Fields.flag("Do not log requests"),
  logger_skip_paths: Fields.withDefault(Fields.Strings, [], "Paths not written to the access log"),
  forwarded_by_client_ip: Fields.flag("Resolve the client IP from remote_ip_headers"),
  remote_ip_headers: Fields.withDefault(Fields.Strings, [], "Headers holding the client IP"),
  trusted_proxies: Fields.withDefault(Fields.Strings, [], "CIDRs or IPs whose forwarding headers are trusted"),
  error_body: Fields.withDefault(
    Schema.Struct({
      "404": Fields.optional(Schema.Unknown, "JSON body of 404 answers"),
      "405": Fields.optional(Schema.Unknown, "JSON body of 405 answers")
    }),
    {},
    "Custom JSON bodies of the 404 and 405 answers"
  )
}).annotate({ identifier: "Router", description: "Router options (extra_config.router)" })

/** Service `telemetry/logging`. */
export const Logging = Schema.Struct({
  level: Fields.withDefault(Fields.LogLevel, "INFO", "Minimum level written"),
  prefix: Fields.withDefault(Schema.String, "", "Prefix of every log line"),
  stdout: Fields.flag("Write logs to stdout"),
  syslog: Fields.flag("Write logs to syslog"),
  format: Fields.withDefault(Schema.Literals(["default", "logstash", "custom"]), "default", "Log line format")
}).annotate({ identifier: "Logging", description: "Logging options (extra_config[\"telemetry/logging\"])" })

/** Backend `backend/http`. */
export const BackendHttp = Schema.Struct({
  return_error_code: Fields.flag("Pass a failing single backend's status code to the client"),
  return_error_details: Fields.optional(
    Schema.String,
    "Turn a failing backend into data under error_<this name> instead of an error"
  )
}).annotate({ identifier: "BackendHttp", description: "Backend HTTP options (extra_config[\"backend/http\"])" })

/** Endpoint `proxy`: the keys implemented so far. */
export const EndpointProxy = Schema.Struct({
  sequential: Fields.flag("Call the backends one after the other ({resp0_field} placeholders)"),
  strategy: Fields.optional(Schema.String, "\"sequential\" is the same as sequential: true")
}).annotate({ identifier: "EndpointProxy", description: "Endpoint proxy options (extra_config.proxy)" })

/** Implemented service namespaces. */
export const ServiceExtraConfig = Schema.Struct({
  router: Fields.withDefault(Router, {}, "Router options"),
  "telemetry/logging": Schema.optionalKey(Logging)
}).annotate({ identifier: "ServiceExtraConfig", description: "Service namespaces" })

/** Implemented endpoint namespaces. */
export const EndpointExtraConfig = Schema.Struct({
  proxy: Schema.optionalKey(EndpointProxy)
}).annotate({ identifier: "EndpointExtraConfig", description: "Endpoint namespaces" })

/** Implemented backend namespaces. */
export const BackendExtraConfig = Schema.Struct({
  "backend/http": Schema.optionalKey(BackendHttp)
}).annotate({ identifier: "BackendExtraConfig", description: "Backend namespaces" })

/** Backend `proxy`: nothing implemented yet; its KrakenD keys are warned about. */
const BackendProxyShape: Shape.Shape = {
  keys: [],
  unimplemented: ["flatmap_filter", "shadow", "shadow_timeout"],
  dropped: true
}

/** Keys of implemented namespaces that are accepted but ignored, by identifier (for the JSON Schema). */
export const unimplementedKeys: Readonly<Record<string, ReadonlyArray<string>>> = {
  Router: ["max_multipart_memory", "app_engine", "use_h2c"],
  Logging: ["syslog_facility", "custom_format"],
  EndpointProxy: [
    "static",
    "flatmap_filter",
    "combiner",
    "shadow",
    "force_sandboxed_request",
    "sequential_propagated_params"
  ]
}

/** Namespaces checked for typos but dropped from the model, by level (for the JSON Schema). */
export const droppedNamespaces = {
  service: [] as ReadonlyArray<string>,
  endpoint: [] as ReadonlyArray<string>,
  backend: ["proxy"] as ReadonlyArray<string>
}

/** Shape of the service `extra_config`. */
export const serviceShape: Shape.Shape = {
  keys: Object.keys(ServiceExtraConfig.fields),
  namespaces: true,
  objects: {
    router: Shape.of(Router, { unimplemented: unimplementedKeys["Router"]!, objects: { error_body: { keys: ["404", "405"] } } }),
    "telemetry/logging": Shape.of(Logging, { unimplemented: unimplementedKeys["Logging"]! })
  }
}

/** Shape of an endpoint `extra_config`. */
export const endpointShape: Shape.Shape = {
  keys: Object.keys(EndpointExtraConfig.fields),
  namespaces: true,
  objects: { proxy: Shape.of(EndpointProxy, { unimplemented: unimplementedKeys["EndpointProxy"]! }) }
}

/** Shape of a backend `extra_config`. */
export const backendShape: Shape.Shape = {
  keys: [...Object.keys(BackendExtraConfig.fields), ...droppedNamespaces.backend],
  namespaces: true,
  objects: { "backend/http": Shape.of(BackendHttp), proxy: BackendProxyShape }
}
