/**
 * The `extra_config` namespaces Sluice implements, per level, each with its own Schema. This is
 * the one list to extend when a namespace gets implemented: add its Schema to the level's
 * struct and its shape (typo check, accepted-but-ignored keys) to the level's shape.
 * Namespaces not listed here are accepted with a warning and dropped, except the ones that
 * protect traffic: those stop the start (`Protections.ts`, the fail-closed list). Legacy
 * spellings are renamed before any of this (`Aliases.ts`).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as AuthNamespaces from "./AuthNamespaces.ts"
import * as Fields from "./Fields.ts"
import * as PluginNamespace from "./PluginNamespace.ts"
import * as GoDuration from "./GoDuration.ts"
import * as SecurityNamespaces from "./SecurityNamespaces.ts"
import * as Shape from "./Shape.ts"
import * as RedisNamespaces from "./RedisNamespaces.ts"
import * as TelemetryNamespaces from "./TelemetryNamespaces.ts"
import * as TlsSchema from "./TlsSchema.ts"
import * as BotDetector from "../security/BotDetector.ts"

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
  use_h2c: Fields.flag("Also accept cleartext HTTP/2 with prior knowledge (same as the root use_h2c)"),
  max_payload: Fields.optional(
    Fields.Count,
    "KrakenD Enterprise: largest request body in bytes (0: Sluice's default 10 MiB); sluice/server.max_body_size wins"
  ),
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
  format: Fields.withDefault(
    Schema.String.annotate({ examples: ["default", "logstash", "custom"] }),
    "default",
    "Log line format: default (text) or logstash (JSON lines); others read as default, as in KrakenD"
  )
}).annotate({ identifier: "Logging", description: "Logging options (extra_config[\"telemetry/logging\"])" })

/** Backend `backend/http`. */
export const BackendHttp = Schema.Struct({
  return_error_code: Fields.flag("Pass a failing single backend's status code to the client"),
  return_error_details: Fields.optional(
    Schema.String,
    "Turn a failing backend into data under error_<this name> instead of an error"
  )
}).annotate({ identifier: "BackendHttp", description: "Backend HTTP options (extra_config[\"backend/http\"])" })

/** One `flatmap_filter` operation. */
export const FlatmapOperation = Schema.Struct({
  type: Schema.String.annotate({ description: "move, del or append (other types are ignored)" }),
  args: Fields.Strings.annotate({ description: "move/append: [from, to]; del: the paths to delete" })
}).annotate({ identifier: "FlatmapOperation", description: "A flatmap_filter operation" })

/** `proxy.static`. */
export const StaticData = Schema.Struct({
  strategy: Fields.withDefault(Schema.String, "always", "always, success, complete, errored or incomplete"),
  data: Schema.Record(Schema.String, Schema.Unknown).annotate({ description: "Object merged into the response" })
}).annotate({ identifier: "StaticData", description: "Static data added to the response (proxy.static)" })

/** Endpoint `proxy`: the keys implemented so far. */
export const EndpointProxy = Schema.Struct({
  sequential: Fields.flag("Call the backends one after the other ({resp0_field} placeholders)"),
  strategy: Fields.optional(Schema.String, "\"sequential\" is the same as sequential: true"),
  sequential_propagated_params: Fields.optional(Fields.Strings, "resp<N>_<path> values added to the later backends' params"),
  static: Fields.optional(StaticData, "Static data added to the response by strategy"),
  flatmap_filter: Fields.optional(Schema.Array(FlatmapOperation), "Operations on the merged data (more than one backend)"),
  combiner: Fields.optional(Schema.String, "default, or Sluice's deep-merge / deep-merge-append"),
  force_sandboxed_request: Fields.flag("Accepted; Sluice always gives every backend its own request"),
  max_payload: Fields.optional(
    Fields.Count,
    "KrakenD Enterprise: largest request body of this endpoint in bytes (0: the service limit); sluice/endpoint.max_body_size wins"
  )
}).annotate({ identifier: "EndpointProxy", description: "Endpoint proxy options (extra_config.proxy)" })

/** Backend `proxy`. */
export const BackendProxy = Schema.Struct({
  flatmap_filter: Fields.optional(Schema.Array(FlatmapOperation), "Operations on this backend's data (replaces allow/deny/mapping)"),
  shadow: Fields.flag("Mirror traffic to this backend and discard its answer"),
  shadow_timeout: Fields.optional(GoDuration.PositiveGoDuration, "Deadline of the shadow call (default: the endpoint timeout)")
}).annotate({ identifier: "BackendProxy", description: "Backend proxy options (extra_config.proxy)" })

/** Backend `sluice/backend` (Sluice only). */
export const SluiceBackend = Schema.Struct({
  timeout: Fields.optional(GoDuration.PositiveGoDuration, "This backend's own deadline (bounded by the endpoint timeout)"),
  body_from: Fields.optional(
    Schema.String.check(Schema.isPattern(/^resp\d+(_.+)?$/)),
    "Sequential proxy: send resp<N> (whole data) or resp<N>_<path> of an earlier backend as this backend's body"
  ),
  response_headers: Fields.optional(Fields.Strings, "Backend response headers passed to the client (e.g. Set-Cookie)"),
  max_response_size: Fields.optional(
    Schema.Int.check(Schema.isGreaterThan(0)),
    "Largest body of this backend's decoded answer in bytes (overrides sluice/server.max_backend_response_size)"
  )
}).annotate({ identifier: "SluiceBackend", description: "Sluice backend options (extra_config[\"sluice/backend\"])" })

/** Service `sluice/errors` (Sluice only). */
export const SluiceErrors = Schema.Struct({
  status_policy: Fields.withDefault(
    Schema.Literals(["krakend", "gateway"]),
    "krakend",
    "krakend: KrakenD's statuses; gateway: 502 transport, 504 timeout, a single backend's status, any 2xx is success"
  )
}).annotate({ identifier: "SluiceErrors", description: "Sluice error options (extra_config[\"sluice/errors\"])" })

/** A request body limit in bytes (`sluice/server` and `sluice/endpoint`). */
const maxBodySize = (description: string) => Fields.optional(Schema.Int.check(Schema.isGreaterThan(0)), description)

/** Service `sluice/server` (Sluice only): overload protection of the HTTP server. */
export const SluiceServer = Schema.Struct({
  max_concurrent_requests: Fields.optional(
    Schema.Int.check(Schema.isGreaterThan(0)),
    "Requests served at once (per process); beyond it 503 with Retry-After at once, instead of queueing"
  ),
  retry_after: Fields.withDefault(GoDuration.PositiveGoDuration, "1s", "Retry-After of a shed request (rounded up to seconds)"),
  max_body_size: maxBodySize("Largest request body in bytes (default 10485760 = 10 MiB); bigger bodies get 413 before they are buffered"),
  max_backend_response_size: maxBodySize(
    "Largest body of a decoded (not no-op) backend answer in bytes (default 10485760 = 10 MiB); a larger one fails the backend before it is read"
  ),
  dns_servers: Fields.optional(
    Schema.Array(Schema.String),
    "DNS servers (\"ip\" or \"ip:port\") asked for sd dns SRV records, e.g. a Consul agent's 127.0.0.1:8600 (default: the system's resolvers)"
  ),
  shutdown_delay: Fields.optional(
    GoDuration.GoDuration,
    "On SIGTERM/SIGINT keep serving this long with /__health answering 503 \"draining\" (so load balancers take the instance out), then close the listener and drain (default 0s)"
  )
}).annotate({ identifier: "SluiceServer", description: "Sluice server options (extra_config[\"sluice/server\"])" })

/** Endpoint `sluice/endpoint` (Sluice only): per-endpoint limits. */
export const SluiceEndpoint = Schema.Struct({
  max_body_size: maxBodySize("Largest request body of this endpoint in bytes (overrides sluice/server.max_body_size)")
}).annotate({ identifier: "SluiceEndpoint", description: "Sluice endpoint options (extra_config[\"sluice/endpoint\"])" })

/** A bot detector pattern: it must compile on the linear-time engine (no backtracking, like RE2). */
const BotPattern = Schema.String.check(
  Schema.makeFilter((source: string) => BotDetector.patternProblem(source) ?? true)
)

/** Service or endpoint `security/bot-detector`. */
export const BotDetectorSchema = Schema.Struct({
  allow: Fields.withDefault(Fields.Strings, [], "User-Agents (exact) that are never bots"),
  deny: Fields.withDefault(Fields.Strings, [], "User-Agents (exact) that are bots"),
  patterns: Fields.withDefault(
    Schema.Array(BotPattern),
    [],
    "Regular expressions marking bots, matched against the first 1024 characters of the User-Agent; nested quantifiers are refused"
  ),
  cache_size: Fields.withDefault(Fields.Count, 0, "Entries of the LRU cache of verdicts (0: no cache)"),
  empty_user_agent_is_bot: Fields.flag("A missing or empty User-Agent is a bot")
}).annotate({ identifier: "BotDetector", description: "Bot detector (extra_config[\"security/bot-detector\"]); bots get 403" })

/**
 * Why `*` origins with credentials stop the start (RELIABILITY.md C12), and what to write. KrakenD
 * (rs/cors) sends both headers, which browsers refuse for credentialed calls; Sluice refuses the
 * config instead of serving an answer that cannot work or quietly echoing every origin.
 */
const credentialsWithAnyOrigin = "allow_credentials cannot be used with allow_origins [\"*\"] (the default when allow_origins is empty): " +
  "browsers reject credentialed answers carrying \"Access-Control-Allow-Origin: *\" (KrakenD sends exactly that, so such calls fail there too), " +
  "and echoing any origin with credentials would let every web site call the API as the signed-in user. " +
  "List the origins that may send credentials (\"allow_origins\": [\"https://app.example.com\"]), " +
  "or set \"allow_credentials\": false to allow any origin without cookies or Authorization"

/** Service `security/cors` (krakend-cors / rs/cors); `*` origins with credentials are refused (RELIABILITY.md C12). */
export const CorsSchema = Schema.Struct({
  allow_origins: Fields.withDefault(Fields.Strings, ["*"], "Allowed origins; * (or an empty list) allows any, https://*.example.com a subdomain pattern"),
  allow_methods: Fields.withDefault(Fields.Strings, ["GET", "HEAD", "POST"], "Allowed methods"),
  allow_headers: Fields.withDefault(Fields.Strings, [], "Request headers a preflight may ask for (* allows any); empty: only the CORS-safelisted ones"),
  expose_headers: Fields.withDefault(Fields.Strings, [], "Response headers exposed to the browser"),
  max_age: Fields.optional(GoDuration.GoDuration, "How long browsers may cache a preflight (Access-Control-Max-Age, in seconds)"),
  allow_credentials: Fields.flag("Send Access-Control-Allow-Credentials: true (not with * origins)"),
  allow_private_network: Fields.flag("Answer Private Network Access preflights"),
  options_passthrough: Fields.flag("Pass preflights on to the gateway instead of answering them"),
  options_success_status: Fields.withDefault(
    Schema.Int.check(Schema.isBetween({ minimum: 200, maximum: 299 })),
    204,
    "Status of an answered preflight"
  ),
  debug: Fields.flag("Accepted; ignored")
}).check(Schema.makeFilter((cors) =>
  cors.allow_credentials && (cors.allow_origins.length === 0 || cors.allow_origins.includes("*"))
    ? { path: ["allow_credentials"], issue: credentialsWithAnyOrigin }
    : undefined
)).annotate({ identifier: "Cors", description: "CORS (extra_config[\"security/cors\"]); preflights are answered 204" })

/**
 * Service `sluice/compat` (Sluice only): the fail-closed escape hatch. Read by the key check
 * (`Protections.ts`) before anything else; not part of the model.
 */
export const SluiceCompat = Schema.Struct({
  ignore: Fields.withDefault(
    Fields.Strings,
    [],
    "Protections Sluice does not implement (auth/*, security/*, validation/*, modifier/lua-*, qos/ratelimit/* namespaces, tls, client_tls) to run without anyway: each ignored use is logged as a warning"
  )
}).annotate({ identifier: "SluiceCompat", description: "Sluice compatibility options (extra_config[\"sluice/compat\"])" })

/** `sluice/lua` (service, Sluice only): the bounds of every Lua stage. */
export const SluiceLua = Schema.Struct({
  max_ms: Fields.withDefault(Schema.Int.check(Schema.isGreaterThan(0)), 1000, "Lua time a run may use (ms; waits for http_response not counted); then script timeout"),
  max_memory_mb: Fields.withDefault(Schema.Int.check(Schema.isGreaterThan(0)), 32, "Memory a run may allocate (MiB); then not enough memory"),
  max_vms: Fields.withDefault(Schema.Int.check(Schema.isGreaterThan(0)), 256, "VMs per Lua stage (one per request in flight through it); beyond, requests wait for one until their deadline")
}).annotate({ identifier: "SluiceLua", description: "Bounds of Sluice's Lua stages (extra_config[\"sluice/lua\"])" })

/** `modifier/lua-endpoint`, `modifier/lua-proxy`, `modifier/lua-backend` (krakend-lua's keys). */
export const Lua = Schema.Struct({
  sources: Fields.withDefault(Fields.Strings, [], "Lua files joined into one chunk run before pre, paths from the working directory"),
  pre: Fields.withDefault(Schema.String, "", "Lua run before the call (on request, or ctx at router level)"),
  post: Fields.withDefault(Schema.String, "", "Lua run after the call (on request and response; proxy and backend level)"),
  live: Fields.flag("Re-read the sources when they change (checked at most once a second); md5 is not checked"),
  allow_open_libs: Fields.flag("Give scripts the string, math, os, io, coroutine and utf8 libraries (base, table and package always)"),
  skip_next: Fields.flag("Do not call the pipe below: post gets an empty, incomplete answer (proxy and backend level)"),
  md5: Fields.withDefault(Schema.Record(Schema.String, Schema.String), {}, "Expected MD5 (hex) of each source file, by its sources entry")
}).annotate({ identifier: "Lua", description: "Lua scripts (krakend-lua); a missing file, wrong md5 or syntax error stops the start" })

/** Implemented service namespaces. */
export const ServiceExtraConfig = Schema.Struct({
  router: Fields.withDefault(Router, {}, "Router options"),
  "telemetry/logging": Schema.optionalKey(Logging),
  "sluice/errors": Schema.optionalKey(SluiceErrors),
  "sluice/server": Schema.optionalKey(SluiceServer),
  "sluice/lua": Schema.optionalKey(SluiceLua),
  "sluice/compat": Schema.optionalKey(SluiceCompat),
  "plugin/http-server": Schema.optionalKey(PluginNamespace.Many.annotate({ identifier: "PluginHttpServer" })),
  "security/bot-detector": Schema.optionalKey(BotDetectorSchema),
  "security/cors": Schema.optionalKey(CorsSchema),
  "security/http": Schema.optionalKey(SecurityNamespaces.HttpSecure),
  "auth/validator": Schema.optionalKey(AuthNamespaces.ServiceValidator),
  "auth/revoker": Schema.optionalKey(AuthNamespaces.Revoker),
  "auth/api-keys": Schema.optionalKey(AuthNamespaces.ApiKeys),
  "telemetry/opentelemetry": Schema.optionalKey(TelemetryNamespaces.OpenTelemetry),
  "telemetry/logstash": Schema.optionalKey(TelemetryNamespaces.Logstash),
  "modifier/lua-endpoint": Schema.optionalKey(Lua),
  redis: Schema.optionalKey(RedisNamespaces.Redis),
  "qos/ratelimit/service/redis": Schema.optionalKey(RedisNamespaces.RedisRateLimit)
}).annotate({ identifier: "ServiceExtraConfig", description: "Service namespaces" })

/** Endpoint `qos/ratelimit/router` (krakend-ratelimit): in-memory token buckets, per process. */
export const RateLimitSchema = Schema.Struct({
  max_rate: Fields.withDefault(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)), 0, "Requests per `every` for the whole endpoint (0: no limit); beyond it 503"),
  capacity: Fields.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)), "Endpoint bucket size (0 or unset: max_rate)"),
  every: Fields.withDefault(GoDuration.PositiveGoDuration, "1s", "Refill period of max_rate and client_max_rate"),
  client_max_rate: Fields.withDefault(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)), 0, "Requests per `every` for each client (0: no limit); beyond it 429"),
  client_capacity: Fields.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)), "Client bucket size (0 or unset: client_max_rate)"),
  strategy: Fields.withDefault(Schema.Literals(["ip", "header", "param"]), "ip", "Client key: the derived client IP, the header `key` or the endpoint param `key`"),
  key: Fields.withDefault(Schema.String, "", "Header or param name of the header and param strategies"),
  num_shards: Fields.withDefault(Fields.Count, 2048, "Accepted; Sluice keeps one map"),
  cleanup_period: Fields.withDefault(GoDuration.PositiveGoDuration, "1m", "Idle client buckets are forgotten this often"),
  cleanup_threads: Fields.withDefault(Fields.Count, 1, "Accepted; Sluice sweeps inline")
}).annotate({ identifier: "RateLimit", description: "Endpoint rate limit (extra_config[\"qos/ratelimit/router\"]); 503 endpoint, 429 client, with Retry-After" })

/** Implemented endpoint namespaces. */
export const EndpointExtraConfig = Schema.Struct({
  proxy: Schema.optionalKey(EndpointProxy),
  "qos/ratelimit/router": Schema.optionalKey(RateLimitSchema),
  "sluice/endpoint": Schema.optionalKey(SluiceEndpoint),
  "security/bot-detector": Schema.optionalKey(BotDetectorSchema),
  "auth/validator": Schema.optionalKey(AuthNamespaces.Validator),
  "auth/signer": Schema.optionalKey(AuthNamespaces.Signer),
  "auth/api-keys": Schema.optionalKey(AuthNamespaces.EndpointApiKeys),
  "plugin/req-resp-modifier": Schema.optionalKey(PluginNamespace.Many.annotate({ identifier: "PluginModifier" })),
  "telemetry/opentelemetry": Schema.optionalKey(TelemetryNamespaces.EndpointOpenTelemetry),
  "validation/cel": Schema.optionalKey(Schema.suspend(() => CelChecks)),
  "modifier/lua-endpoint": Schema.optionalKey(Lua),
  "modifier/lua-proxy": Schema.optionalKey(Lua),
  "qos/ratelimit/router/redis": Schema.optionalKey(RedisNamespaces.RedisRateLimit),
  "validation/json-schema": Schema.optionalKey(
    Schema.Record(Schema.String, Schema.Unknown).annotate({
      identifier: "JsonSchemaValidation",
      description: "A JSON Schema (draft-04 to 2020-12, by $schema; 2020-12 without) the request body must match: 400 otherwise"
    })
  )
}).annotate({ identifier: "EndpointExtraConfig", description: "Endpoint namespaces" })

/**
 * Backend `modifier/martian` (krakend-martian): exactly one `package.Type` key. The tree under it
 * is read by `src/martian/Parse.ts` when the defaults flow down; each problem is a start error
 * with its JSON path.
 */
export const Martian = Schema.Record(Schema.String, Schema.Unknown).annotate({
  identifier: "Martian",
  description:
    "Martian modifiers around this backend's call (extra_config[\"modifier/martian\"]): one key naming the type (header.Modifier, fifo.Group, url.Filter, …) holding its settings; a bad tree stops the start"
})

/** Implemented backend namespaces. */
export const BackendExtraConfig = Schema.Struct({
  "backend/http": Schema.optionalKey(BackendHttp),
  proxy: Schema.optionalKey(BackendProxy),
  "sluice/backend": Schema.optionalKey(SluiceBackend),
  "plugin/req-resp-modifier": Schema.optionalKey(PluginNamespace.Many.annotate({ identifier: "PluginModifier" })),
  "plugin/http-client": Schema.optionalKey(PluginNamespace.One.annotate({ identifier: "PluginHttpClient" })),
  "backend/http/client": Schema.optionalKey(TlsSchema.BackendHttpClient),
  "modifier/martian": Schema.optionalKey(Martian),
  "telemetry/opentelemetry": Schema.optionalKey(TelemetryNamespaces.BackendOpenTelemetry),
  "validation/cel": Schema.optionalKey(Schema.suspend(() => CelChecks)),
  "qos/ratelimit/proxy": Schema.optionalKey(Schema.suspend(() => ProxyRateLimit)),
  "qos/circuit-breaker": Schema.optionalKey(Schema.suspend(() => CircuitBreaker)),
  "modifier/lua-backend": Schema.optionalKey(Lua),
  "qos/http-cache": Schema.optionalKey(Schema.suspend(() => HttpCache))
}).annotate({ identifier: "BackendExtraConfig", description: "Backend namespaces" })

/** `qos/ratelimit/proxy` (backend): KrakenD's token bucket of the calls to one backend. */
export const ProxyRateLimit = Schema.Struct({
  max_rate: Fields.withDefault(Schema.Finite, 0, "Calls per `every` to this backend (0 or less: no limit); beyond it the backend fails (rate limit exceded)"),
  capacity: Fields.withDefault(Schema.Finite, 0, "Bucket size and initial stock (0: the rate per second, at least 1; fractions cut)"),
  every: Fields.withDefault(Schema.String, "1s", "Period of max_rate, a Go duration (one KrakenD cannot parse is 1s)")
}).annotate({ identifier: "ProxyRateLimit", description: "Backend rate limit (extra_config[\"qos/ratelimit/proxy\"])" })

/** `qos/http-cache` (backend): KrakenD's cache buckets. */
export const HttpCache = Schema.Struct({
  shared: Fields.flag("One bucket for every backend with shared: true (the first one's caps win)"),
  max_items: Fields.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)), "Most entries of the bucket (with max_size; without both: 10 000)"),
  max_size: Fields.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)), "Most bytes of the bucket, status line, headers and bodies (with max_items; without both: 64 MiB)")
}).annotate({ identifier: "HttpCache", description: "Cache of this backend's GET/HEAD answers by their Cache-Control, Expires and Vary (extra_config[\"qos/http-cache\"])" })

/** `qos/circuit-breaker` (backend): gobreaker's settings as KrakenD reads them. */
export const CircuitBreaker = Schema.Struct({
  interval: Fields.withDefault(Schema.Finite, 0, "Seconds after which the closed breaker's counts reset (0 or less: never; fractions cut)"),
  timeout: Fields.withDefault(Schema.Finite, 0, "Seconds the breaker stays open before a probe (0 or less: 60; fractions cut)"),
  max_errors: Fields.withDefault(Schema.Finite, 0, "Consecutive failures tolerated; one more opens the breaker"),
  name: Fields.withDefault(Schema.String, "", "Name in the log lines"),
  log_status_change: Fields.flag("Log every state change as a WARNING")
}).annotate({ identifier: "CircuitBreaker", description: "Backend circuit breaker (extra_config[\"qos/circuit-breaker\"])" })

/** `validation/cel`: KrakenD's list of `check_expr` (endpoint and backend level). */
export const CelChecks = Schema.Array(
  Schema.Struct({
    check_expr: Schema.String.annotate({ description: "A CEL expression that must be true (req_* before the call, resp_* after it)" })
  })
).check(Schema.isMinLength(1)).annotate({ identifier: "CelChecks", description: "CEL checks: the first false one aborts the request (500) or fails the backend" })

/** Keys of implemented namespaces that are accepted but ignored, by identifier (for the JSON Schema). */
export const unimplementedKeys: Readonly<Record<string, ReadonlyArray<string>>> = {
  Router: ["max_multipart_memory", "app_engine", "disable_gzip", "decompress_gzip"],
  EndpointProxy: ["shadow", "decompress_gzip"],
  Logging: ["syslog_facility", "custom_format", "access_log_format", "access_log_custom_format", "access_log_missing_key_marker"],
  BackendHttpClient: ["send_body_on_redirect"],
  HttpSecure: SecurityNamespaces.httpSecureIgnored,
  Signer: AuthNamespaces.signerIgnored
}

/** Namespaces checked for typos but dropped from the model, by level (for the JSON Schema). */
export const droppedNamespaces = {
  service: [] as ReadonlyArray<string>,
  endpoint: [] as ReadonlyArray<string>,
  backend: [] as ReadonlyArray<string>
}

/** Shape of the service `extra_config`. */
export const serviceShape: Shape.Shape = {
  keys: Object.keys(ServiceExtraConfig.fields),
  namespaces: "service",
  objects: {
    router: Shape.of(Router, {
      unimplemented: unimplementedKeys["Router"]!,
      noEffect: {
        max_multipart_memory: "Sluice never parses multipart bodies: they are forwarded to the backends as bytes",
        disable_gzip: "Sluice does not gzip its answers (KrakenD Enterprise does unless this is set)"
      },
      objects: { error_body: { keys: ["404", "405"] } }
    }),
    "telemetry/logging": Shape.of(Logging, { unimplemented: unimplementedKeys["Logging"]! }),
    "sluice/errors": Shape.of(SluiceErrors),
    "sluice/server": Shape.of(SluiceServer),
    "sluice/lua": Shape.of(SluiceLua),
    "sluice/compat": Shape.of(SluiceCompat),
    "security/bot-detector": Shape.of(BotDetectorSchema),
    "security/cors": Shape.of(CorsSchema),
    "security/http": Shape.of(SecurityNamespaces.HttpSecure, { unimplemented: SecurityNamespaces.httpSecureIgnored }),
    "auth/validator": Shape.of(AuthNamespaces.ServiceValidator, { hints: AuthNamespaces.serviceHints }),
    "auth/revoker": Shape.of(AuthNamespaces.Revoker, { hints: AuthNamespaces.revokerHints }),
    "auth/api-keys": Shape.of(AuthNamespaces.ApiKeys, { arrays: { keys: Shape.of(AuthNamespaces.ApiKey) } }),
    "telemetry/opentelemetry": TelemetryNamespaces.serviceShape,
    "telemetry/logstash": Shape.of(TelemetryNamespaces.Logstash),
    "modifier/lua-endpoint": Shape.of(Lua),
    redis: Shape.of(RedisNamespaces.Redis, {
      arrays: { connection_pools: Shape.of(RedisNamespaces.RedisPool), clusters: Shape.of(RedisNamespaces.RedisCluster) }
    }),
    "qos/ratelimit/service/redis": Shape.of(RedisNamespaces.RedisRateLimit)
  }
}

/** Shape of an endpoint `extra_config`. */
export const endpointShape: Shape.Shape = {
  keys: Object.keys(EndpointExtraConfig.fields),
  namespaces: "endpoint",
  objects: {
    proxy: Shape.of(EndpointProxy, {
      unimplemented: unimplementedKeys["EndpointProxy"]!,
      objects: { static: Shape.of(StaticData) },
      arrays: { flatmap_filter: Shape.of(FlatmapOperation) }
    }),
    "sluice/endpoint": Shape.of(SluiceEndpoint),
    "security/bot-detector": Shape.of(BotDetectorSchema),
    "qos/ratelimit/router": Shape.of(RateLimitSchema),
    "auth/validator": Shape.of(AuthNamespaces.Validator),
    "auth/signer": Shape.of(AuthNamespaces.Signer, { unimplemented: AuthNamespaces.signerIgnored }),
    "auth/api-keys": Shape.of(AuthNamespaces.EndpointApiKeys),
    "telemetry/opentelemetry": TelemetryNamespaces.endpointShape,
    "modifier/lua-endpoint": Shape.of(Lua),
    "modifier/lua-proxy": Shape.of(Lua),
    "qos/ratelimit/router/redis": Shape.of(RedisNamespaces.RedisRateLimit)
  }
}

/** Shape of a backend `extra_config`. */
export const backendShape: Shape.Shape = {
  keys: [...Object.keys(BackendExtraConfig.fields), ...droppedNamespaces.backend],
  namespaces: "backend",
  objects: {
    "backend/http": Shape.of(BackendHttp),
    proxy: Shape.of(BackendProxy, { arrays: { flatmap_filter: Shape.of(FlatmapOperation) } }),
    "sluice/backend": Shape.of(SluiceBackend),
    "qos/ratelimit/proxy": Shape.of(ProxyRateLimit),
    "qos/circuit-breaker": Shape.of(CircuitBreaker),
    "backend/http/client": Shape.of(TlsSchema.BackendHttpClient, {
      unimplemented: unimplementedKeys["BackendHttpClient"]!,
      objects: { client_tls: Shape.of(TlsSchema.ClientTls, { arrays: { client_certs: Shape.of(TlsSchema.ClientCert) } }) }
    }),
    "telemetry/opentelemetry": TelemetryNamespaces.backendShape,
    "modifier/lua-backend": Shape.of(Lua),
    "qos/http-cache": Shape.of(HttpCache)
  }
}
