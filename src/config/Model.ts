/**
 * The typed gateway model. The KrakenD v3 JSON config decodes into it (see `Config.ts`) and the
 * TypeScript builder produces it. Keys keep the KrakenD spelling so that a reader of the KrakenD
 * docs finds every field; defaults have already flowed down (service → endpoint → backend), so
 * nothing downstream re-derives them. Durations are `Duration` values.
 *
 * One concept, the model, in one file on purpose: it is the single typed view of the config that
 * the decoder, the builder and every pipe share; its length is the JSDoc (with an example) that
 * every public type carries.
 *
 * @since 0.1.0
 */
import type * as RedisNamespaces from "./RedisNamespaces.ts"
import type * as AuthNamespaces from "./AuthNamespaces.ts"
import type * as SecurityNamespaces from "./SecurityNamespaces.ts"
import type * as TelemetryNamespaces from "./TelemetryNamespaces.ts"
import type * as TlsSchema from "./TlsSchema.ts"
import type * as MartianTree from "../martian/Tree.ts"
import type * as Duration from "effect/Duration"

/**
 * HTTP methods an endpoint or a backend can use.
 *
 * @example
 * ```ts
 * const method: Method = "POST"
 * const reads = config.endpoints.filter((e) => e.method === "GET")
 * ```
 */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/**
 * How a backend response is decoded (`encoding`).
 *
 * @example
 * ```ts
 * const encoding: BackendEncoding = "safejson" // JSON that may be an array or a scalar
 * ```
 */
export type BackendEncoding = "json" | "safejson" | "string" | "no-op" | "xml" | "rss"

/**
 * How an endpoint renders its response (`output_encoding`).
 *
 * @example
 * ```ts
 * const output: OutputEncoding = "negotiate" // picked from the client's Accept header
 * ```
 */
export type OutputEncoding = "json" | "json-collection" | "string" | "no-op" | "xml" | "yaml" | "negotiate"

/**
 * `extra_config.router` (service level). Every field has its default applied.
 *
 * @example
 * ```ts
 * const { health_path, return_error_msg }: RouterOptions = config.extra_config.router // "/__health", false
 * ```
 */
export interface RouterOptions {
  readonly return_error_msg: boolean
  readonly disable_redirect_trailing_slash: boolean
  readonly disable_redirect_fixed_path: boolean
  readonly disable_handle_method_not_allowed: boolean
  readonly remove_extra_slash: boolean
  readonly disable_path_decoding: boolean
  readonly auto_options: boolean
  readonly disable_health: boolean
  readonly health_path: string
  readonly hide_version_header: boolean
  readonly disable_access_log: boolean
  readonly logger_skip_paths: ReadonlyArray<string>
  /** Use `remote_ip_headers` when resolving the client IP (gin's ForwardedByClientIP). */
  readonly forwarded_by_client_ip: boolean
  readonly remote_ip_headers: ReadonlyArray<string>
  /** CIDRs or IPs whose forwarding headers are trusted. Empty: none trusted. */
  /** Accept cleartext HTTP/2 with prior knowledge (as the root `use_h2c`). */
  readonly use_h2c?: boolean | undefined
  readonly trusted_proxies: ReadonlyArray<string>
  /** Custom JSON bodies for the 404 / 405 answers. */
  readonly error_body: { readonly "404"?: unknown; readonly "405"?: unknown }
}

/**
 * `extra_config["telemetry/logging"]` (service level).
 *
 * @example
 * ```ts
 * const logging: LoggingOptions = { level: "INFO", prefix: "[GATEWAY]", stdout: true, syslog: false, format: "default" }
 * ```
 */
export interface LoggingOptions {
  readonly level: "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL"
  readonly prefix: string
  readonly stdout: boolean
  readonly syslog: boolean
  readonly format: "default" | "logstash"
}

/**
 * Service `telemetry/opentelemetry` (krakend-otel's keys).
 *
 * @example
 * ```ts
 * const otel: OpenTelemetryOptions | undefined = config.extra_config["telemetry/opentelemetry"]
 * const prometheusPorts = otel?.exporters.prometheus?.map((p) => p.port) ?? []
 * ```
 */
export type OpenTelemetryOptions = typeof TelemetryNamespaces.OpenTelemetry.Type

/**
 * `extra_config["backend/http"]` (backend level).
 *
 * @example
 * ```ts
 * const passStatus = backend.extra_config["backend/http"]?.return_error_code ?? false
 * ```
 */
export interface BackendHttpOptions {
  /** Pass a failing single backend's status code to the client. */
  readonly return_error_code: boolean
  /** Turn a failing backend into data under `error_<alias>` instead of an error. */
  readonly return_error_details: string | undefined
}

/**
 * A rate limit whose buckets live in Redis, with the connection it uses and its JSON path.
 *
 * @example
 * ```ts
 * const limit: RedisLimit = { ...options, connection: "shared", path: "$.endpoints[0].extra_config[\"qos/ratelimit/router/redis\"]" }
 * ```
 */
export type RedisLimit = RedisNamespaces.RedisRateLimitOptions & { readonly connection: string; readonly path: string }

/**
 * A Lua namespace (`modifier/lua-endpoint`, `modifier/lua-proxy`, `modifier/lua-backend`) with
 * the JSON path it was read from (start errors name it).
 *
 * @example
 * ```ts
 * const lua: LuaConfig = { sources: [], pre: "request.load():headers('X-Lua', '1')", post: "", live: false, allow_open_libs: false, skip_next: false, md5: {}, path: "$.endpoints[0].extra_config[\"modifier/lua-proxy\"]" }
 * ```
 */
export interface LuaConfig {
  readonly sources: ReadonlyArray<string>
  readonly pre: string
  readonly post: string
  readonly live: boolean
  readonly allow_open_libs: boolean
  readonly skip_next: boolean
  readonly md5: Readonly<Record<string, string>>
  readonly path: string
}

/**
 * Service level `extra_config` namespaces that Sluice implements.
 *
 * @example
 * ```ts
 * const service: ServiceExtraConfig = config.extra_config
 * const limit = service["sluice/server"]?.max_concurrent_requests
 * ```
 */
export interface ServiceExtraConfig {
  readonly router: RouterOptions
  /** Redis connections (KrakenD Enterprise's `redis`). */
  readonly redis?: RedisNamespaces.RedisOptions | undefined
  /** A rate limit of every request, its buckets in Redis. */
  readonly "qos/ratelimit/service/redis"?: RedisLimit | undefined
  /** Lua on every request, before the routes (`ctx`); any failure is a 500. */
  readonly "modifier/lua-endpoint"?: LuaConfig | undefined
  readonly "telemetry/logging": LoggingOptions | undefined
  readonly "sluice/errors"?: SluiceErrorsOptions | undefined
  /** Overload protection of the HTTP server (Sluice only). */
  readonly "sluice/server"?: SluiceServerOptions | undefined
  /** Bounds of the Lua stages (Sluice only). */
  readonly "sluice/lua"?: { readonly max_ms: number; readonly max_memory_mb: number; readonly max_vms: number } | undefined
  /** HTTP server (handler) plugins wrapping the whole app (`src/plugin`). */
  readonly "plugin/http-server"?: PluginNamespace | undefined
  /** User-Agent rules checked before routing (reserved routes excepted); a bot gets 403. */
  readonly "security/bot-detector"?: BotDetectorOptions | undefined
  /** CORS around the whole server, outside the handler plugins (`src/security/Cors.ts`). */
  readonly "security/cors"?: CorsOptions | undefined
  /** Security headers, host allowlist and SSL redirect (`src/security/HttpSecure.ts`). */
  readonly "security/http"?: HttpSecureOptions | undefined
  /** The known API keys (`src/auth/ApiKeys.ts`); endpoints with `auth/api-keys` require one. */
  readonly "auth/api-keys"?: typeof AuthNamespaces.ApiKeys.Type | undefined
  /** OpenTelemetry traces and metrics, Prometheus (`src/telemetry`); absent: no telemetry work at all. */
  readonly "telemetry/opentelemetry"?: OpenTelemetryOptions | undefined
  /** Revoked tokens, checked by every JWT validator (`src/auth/Revoker.ts`). */
  readonly "auth/revoker"?: RevokerOptions | undefined
  /** Service-level JWT options (only `shared_cache_duration`). */
  readonly "auth/validator"?: { readonly shared_cache_duration: number } | undefined
}

/**
 * `extra_config["security/cors"]` (service level; krakend-cors / rs/cors semantics).
 *
 * @example
 * ```ts
 * const cors: CorsOptions = { allow_origins: ["https://app.example.com"], allow_methods: ["GET", "POST"], allow_headers: ["Authorization"], expose_headers: [], max_age: Duration.hours(12), allow_credentials: true, allow_private_network: false, options_passthrough: false, options_success_status: 204, debug: false }
 * ```
 */
export interface CorsOptions {
  /** Allowed origins; `*` allows any, `https://*.example.com` a subdomain pattern. */
  readonly allow_origins: ReadonlyArray<string>
  /** Allowed methods (preflights and actual requests). */
  readonly allow_methods: ReadonlyArray<string>
  /** Request headers a preflight may ask for (`*`: any); empty: only the CORS-safelisted ones. */
  readonly allow_headers: ReadonlyArray<string>
  /** Response headers exposed to the browser (`Access-Control-Expose-Headers`). */
  readonly expose_headers: ReadonlyArray<string>
  /** How long a preflight may be cached (`Access-Control-Max-Age`, whole seconds). */
  readonly max_age?: Duration.Duration | undefined
  /** Send `Access-Control-Allow-Credentials: true` (never together with `*` origins). */
  readonly allow_credentials: boolean
  /** Answer `Access-Control-Request-Private-Network` preflights. */
  readonly allow_private_network: boolean
  /** Pass preflights on to the gateway instead of answering them. */
  readonly options_passthrough: boolean
  /** Status of an answered preflight. */
  readonly options_success_status: number
  /** Accepted, ignored. */
  readonly debug: boolean
}

/**
 * Endpoint level `extra_config` namespaces that Sluice implements.
 *
 * @example
 * ```ts
 * const modifiers = endpoint.extra_config["plugin/req-resp-modifier"]?.names ?? []
 * ```
 */
export interface EndpointExtraConfig {
  readonly proxy: EndpointProxyOptions | undefined
  /** The endpoint's rate limit with its buckets in Redis (shared by every gateway process). */
  readonly "qos/ratelimit/router/redis"?: RedisLimit | undefined
  /** Lua before the rate limit, on the HTTP request (`ctx`). */
  readonly "modifier/lua-endpoint"?: LuaConfig | undefined
  /** Lua around the merge (`request`, `response`). */
  readonly "modifier/lua-proxy"?: LuaConfig | undefined
  /** Request/response modifier plugins around the merge (`src/plugin`). */
  readonly "plugin/req-resp-modifier"?: PluginNamespace | undefined
  /** Sluice's own endpoint options (`sluice/endpoint`). */
  readonly "sluice/endpoint"?: SluiceEndpointOptions | undefined
  /** User-Agent rules of this endpoint; a bot gets 403. */
  readonly "security/bot-detector"?: BotDetectorOptions | undefined
  /** Token-bucket limits of this endpoint (`src/qos/RateLimit.ts`): 503 endpoint, 429 per client. */
  readonly "qos/ratelimit/router"?: RateLimitOptions | undefined
  /** JWT validation of this endpoint (`src/auth/Validator.ts`): 401 / 403 before anything else runs. */
  readonly "auth/validator"?: ValidatorOptions | undefined
  /** Signed tokens in this endpoint's answer (`src/auth/Signer.ts`). */
  readonly "auth/signer"?: SignerOptions | undefined
  /** The API key roles this endpoint requires (`src/auth/ApiKeys.ts`). */
  readonly "auth/api-keys"?: typeof AuthNamespaces.EndpointApiKeys.Type | undefined
  /** Replaces `layers.proxy` / `layers.backend` of `telemetry/opentelemetry` for this endpoint. */
  readonly "telemetry/opentelemetry"?: typeof TelemetryNamespaces.EndpointOpenTelemetry.Type | undefined
  /** CEL checks of this endpoint (`src/scripting/Cel.ts`): the first false one aborts with 500. */
  readonly "validation/cel"?: ReadonlyArray<{ readonly check_expr: string }> | undefined
  /** The JSON Schema the request body must match (`src/scripting/JsonSchema.ts`): 400 otherwise. */
  readonly "validation/json-schema"?: Readonly<Record<string, unknown>> | undefined
}

/**
 * An endpoint's `auth/signer` (krakend-jose), as decoded, with the path of the namespace as written.
 *
 * @example
 * ```ts
 * const signed = endpoint.extra_config["auth/signer"]?.keys_to_sign ?? []
 * ```
 */
export type SignerOptions = typeof AuthNamespaces.Signer.Type & {
  /** JSON path of the namespace as written (start errors name it). */
  readonly path: string
}

/**
 * An endpoint's `auth/validator` (krakend-jose), as decoded: every key of KrakenD's, with its
 * code defaults (`leeway` a Duration).
 *
 * @example
 * ```ts
 * const jwt: ValidatorOptions | undefined = endpoint.extra_config["auth/validator"]
 * const roles = jwt?.roles ?? []
 * ```
 */
export type ValidatorOptions = typeof AuthNamespaces.Validator.Type & {
  /** JSON path of the namespace as written (start errors name it). */
  readonly path: string
}

/**
 * `extra_config["qos/ratelimit/router"]` (endpoint level): in-memory token buckets, per process.
 *
 * @example
 * ```ts
 * const limit: RateLimitOptions = { max_rate: 100, capacity: undefined, every: Duration.seconds(1), client_max_rate: 5, client_capacity: undefined, strategy: "ip", key: "", num_shards: 2048, cleanup_period: Duration.minutes(1), cleanup_threads: 1 }
 * ```
 */
export interface RateLimitOptions {
  /** Tokens per `every` for the whole endpoint; 0: no endpoint limit. */
  readonly max_rate: number
  /** Endpoint bucket size; `undefined`: `max_rate`. */
  readonly capacity?: number | undefined
  /** Refill period of both rates. */
  readonly every: Duration.Duration
  /** Tokens per `every` for each client; 0: no client limit. */
  readonly client_max_rate: number
  /** Client bucket size; `undefined`: `client_max_rate`. */
  readonly client_capacity?: number | undefined
  /** What identifies a client: the derived client IP, the header `key` or the endpoint param `key`. */
  readonly strategy: "ip" | "header" | "param"
  /** Header or param name of the `header` and `param` strategies. */
  readonly key: string
  /** Accepted (KrakenD's shard count); Sluice keeps one map. */
  readonly num_shards: number
  /** How often idle client buckets are forgotten. */
  readonly cleanup_period: Duration.Duration
  /** Accepted (KrakenD's sweeper goroutines); Sluice sweeps inline. */
  readonly cleanup_threads: number
}

/**
 * `extra_config["security/bot-detector"]` (service or endpoint level): User-Agent rules checked
 * allow → deny → patterns.
 *
 * @example
 * ```ts
 * const bots: BotDetectorOptions = { allow: ["MyBot/1.0"], deny: ["a"], patterns: ["(?i)crawler"], cache_size: 1000, empty_user_agent_is_bot: true }
 * ```
 */
export interface BotDetectorOptions {
  /** Exact User-Agents that are never bots. */
  readonly allow: ReadonlyArray<string>
  /** Exact User-Agents that are bots. */
  readonly deny: ReadonlyArray<string>
  /** Regular expressions (RE2 syntax) matched against the first 1024 characters of the User-Agent. */
  readonly patterns: ReadonlyArray<string>
  /** Entries of the LRU cache of verdicts; 0: no cache. */
  readonly cache_size: number
  /** A missing or empty User-Agent is a bot. */
  readonly empty_user_agent_is_bot: boolean
}

/**
 * `extra_config.proxy` at endpoint level (the keys Sluice implements so far).
 *
 * @example
 * ```ts
 * const proxy: EndpointProxyOptions = { sequential: true, sequential_propagated_params: ["resp0_user.id"], combiner: "deep-merge" }
 * ```
 */
export interface EndpointProxyOptions {
  readonly sequential: boolean
  /** Params of earlier backends (`resp0_a.b`, `resp0`) added to the params of the later ones. */
  readonly sequential_propagated_params?: ReadonlyArray<string> | undefined
  /** Data added to the response by strategy. */
  readonly static?: StaticOptions | undefined
  /** Operations on the merged data (only with more than one backend, skipped on partial answers). */
  readonly flatmap_filter?: ReadonlyArray<FlatmapOperation> | undefined
  /** How the backend responses are combined. */
  readonly combiner?: Combiner | undefined
}

/**
 * One `flatmap_filter` operation; unknown `type`s are ignored like KrakenD.
 *
 * @example
 * ```ts
 * const operation: FlatmapOperation = { type: "move", args: ["users.*.id", "users.*.user_id"] }
 * ```
 */
export interface FlatmapOperation {
  readonly type: string
  readonly args: ReadonlyArray<string>
}

/**
 * When the static data of `proxy.static` is added (unknown names are read as `always`).
 *
 * @example
 * ```ts
 * const strategy: StaticStrategy = "incomplete" // only when a backend failed
 * ```
 */
export type StaticStrategy = "always" | "success" | "complete" | "errored" | "incomplete"

/**
 * `proxy.static`.
 *
 * @example
 * ```ts
 * const fallback: StaticOptions = { strategy: "errored", data: { users: [] } }
 * ```
 */
export interface StaticOptions {
  readonly strategy: StaticStrategy
  readonly data: Readonly<Record<string, unknown>>
}

/**
 * `proxy.combiner`: KrakenD's shallow merge (default) or Sluice's deep merges.
 *
 * @example
 * ```ts
 * const combiner: Combiner = endpoint.extra_config.proxy?.combiner ?? "default"
 * ```
 */
export type Combiner = "default" | "deep-merge" | "deep-merge-append"

/**
 * `extra_config.proxy` at backend level.
 *
 * @example
 * ```ts
 * const mirror: BackendProxyOptions = { shadow: true, shadow_timeout: Duration.seconds(1) }
 * ```
 */
export interface BackendProxyOptions {
  /** Replaces allow/deny/mapping: target → these operations → group. */
  readonly flatmap_filter?: ReadonlyArray<FlatmapOperation> | undefined
  /** Mirrored traffic: called with a copy of the request, its answer discarded. */
  readonly shadow: boolean
  readonly shadow_timeout?: Duration.Duration | undefined
}

/**
 * `extra_config["sluice/backend"]` (Sluice only, beyond KrakenD).
 *
 * @example
 * ```ts
 * const own: SluiceBackendOptions = { timeout: Duration.seconds(2), response_headers: ["X-Cache"] }
 * ```
 */
export interface SluiceBackendOptions {
  /** This backend's own deadline (bounded by the endpoint's). */
  readonly timeout?: Duration.Duration | undefined
  /** Sequential only: the body sent to this backend, from an earlier one (`resp0`, `resp0_a.b`). */
  readonly body_from?: string | undefined
  /** Backend response headers passed to the client (canonical names), for decoded encodings. */
  readonly response_headers?: ReadonlyArray<string> | undefined
  /** Largest decoded body of this backend in bytes (overrides the service's). */
  readonly max_response_size?: number | undefined
}

/**
 * How failures become statuses: KrakenD's (default) or gateway-style (502/504, 2xx success).
 *
 * @example
 * ```ts
 * const policy: StatusPolicy = config.extra_config["sluice/errors"]?.status_policy ?? "krakend"
 * ```
 */
export type StatusPolicy = "krakend" | "gateway"

/**
 * `extra_config["sluice/errors"]` (service level, Sluice only).
 *
 * @example
 * ```ts
 * const errors: SluiceErrorsOptions = { status_policy: "gateway" }
 * ```
 */
export interface SluiceErrorsOptions {
  readonly status_policy: StatusPolicy
}

/**
 * `extra_config["sluice/endpoint"]` (endpoint level, Sluice only).
 *
 * @example
 * ```ts
 * const limits: SluiceEndpointOptions = { max_body_size: 1024 * 1024 }
 * ```
 */
export interface SluiceEndpointOptions {
  /** Largest request body of this endpoint in bytes (overrides `sluice/server.max_body_size`). */
  readonly max_body_size?: number | undefined
}

/**
 * `extra_config["sluice/server"]` (service level, Sluice only).
 *
 * @example
 * ```ts
 * const server: SluiceServerOptions = { max_concurrent_requests: 512, retry_after: Duration.seconds(1) }
 * ```
 */
export interface SluiceServerOptions {
  /** Requests served at once per process; beyond it 503 + `Retry-After`. Unset: no limit. */
  readonly max_concurrent_requests?: number | undefined
  /** Largest request body in bytes (default 10 MiB); bigger ones get 413. */
  readonly max_body_size?: number | undefined
  /** `Retry-After` of a shed request. */
  readonly retry_after: Duration.Duration
  /** Largest decoded backend body in bytes (default 10 MiB); `no-op` bodies stream without one. */
  readonly max_backend_response_size?: number | undefined
  /** DNS servers (`ip` or `ip:port`) for `sd: "dns"` SRV lookups; the system's by default. */
  readonly dns_servers?: ReadonlyArray<string> | undefined
  /** After SIGTERM/SIGINT: serve this long with `/__health` answering 503 `draining`, then drain. */
  readonly shutdown_delay?: Duration.Duration | undefined
}

/**
 * Backend level `extra_config` namespaces that Sluice implements.
 *
 * @example
 * ```ts
 * const client = backend.extra_config["plugin/http-client"]?.names[0] // the client plugin, if any
 * ```
 */
export interface BackendExtraConfig {
  readonly "backend/http": BackendHttpOptions | undefined
  /** Lua around this backend's call (`request`, `response`). */
  readonly "modifier/lua-backend"?: LuaConfig | undefined
  /** The backend's HTTP cache of GET/HEAD answers. */
  readonly "qos/http-cache"?: { readonly shared: boolean; readonly max_items?: number | undefined; readonly max_size?: number | undefined } | undefined
  readonly proxy?: BackendProxyOptions | undefined
  readonly "sluice/backend"?: SluiceBackendOptions | undefined
  /** Request/response modifier plugins around this backend's call (`src/plugin`). */
  readonly "plugin/req-resp-modifier"?: PluginNamespace | undefined
  /** The HTTP client plugin that replaces this backend's executor (`src/plugin`). */
  readonly "plugin/http-client"?: PluginNamespace | undefined
  /** TLS to this backend (KrakenD Enterprise's per-backend `client_tls`); `path` of the namespace as written. */
  readonly "backend/http/client"?: { readonly client_tls?: ClientTlsOptions | undefined; readonly path: string } | undefined
  /** Martian modifiers around this backend's call, as a checked tree (`src/martian`). */
  readonly "modifier/martian"?: MartianTree.Node | undefined
  /** Replaces `layers.backend` of `telemetry/opentelemetry` for this backend. */
  readonly "telemetry/opentelemetry"?: typeof TelemetryNamespaces.BackendOpenTelemetry.Type | undefined
  /** CEL checks of this backend (`src/scripting/Cel.ts`): a false one fails this backend. */
  readonly "validation/cel"?: ReadonlyArray<{ readonly check_expr: string }> | undefined
  /** Token bucket of the calls to this backend (`src/qos/ProxyRateLimit.ts`). */
  readonly "qos/ratelimit/proxy"?: { readonly max_rate: number; readonly capacity: number; readonly every: string } | undefined
  /** This backend's circuit breaker (`src/qos/CircuitBreaker.ts`). */
  readonly "qos/circuit-breaker"?: {
    readonly interval: number
    readonly timeout: number
    readonly max_errors: number
    readonly name: string
    readonly log_status_change: boolean
  } | undefined
}

/**
 * `auth/revoker` as decoded (the case variants of `N`, `P`, `TTL` folded).
 *
 * @example
 * ```ts
 * const revoker: RevokerOptions = { n: 10_000_000, p: 0.0000001, ttl: 1500, hash_name: "optimal", port: 1234, token_keys: ["jti"] }
 * ```
 */
export interface RevokerOptions {
  readonly n: number
  readonly p: number
  /** Seconds of each filter generation. */
  readonly ttl: number
  readonly hash_name: "optimal" | "default"
  readonly port: number
  readonly token_keys: ReadonlyArray<string>
}

/**
 * `security/http` as decoded (krakend-httpsecure's keys with its code defaults).
 *
 * @example
 * ```ts
 * const hsts = config.extra_config["security/http"]?.sts_seconds ?? 0
 * ```
 */
export type HttpSecureOptions = typeof SecurityNamespaces.HttpSecure.Type

/**
 * `tls` (the listener) as decoded; files are read when the server starts (`src/server/Tls.ts`).
 *
 * @example
 * ```ts
 * const https: TlsOptions | undefined = config.tls?.disabled === false ? config.tls : undefined
 * ```
 */
export type TlsOptions = typeof TlsSchema.Tls.Type

/**
 * `client_tls` (TLS to backends) as decoded; files are read when the pipes are built.
 *
 * @example
 * ```ts
 * const insecure = config.client_tls?.allow_insecure_connections === true
 * ```
 */
export type ClientTlsOptions = typeof TlsSchema.ClientTls.Type

/**
 * One backend of an endpoint, with the endpoint's defaults applied.
 *
 * @example
 * ```ts
 * const urls = endpoint.backend.map((b: BackendConfig) => `${b.method} ${b.host[0]}${b.url_pattern}`)
 * ```
 */
export interface BackendConfig {
  /** Hosts, sanitized (`http://` added when no scheme, unless `disable_host_sanitize`). */
  readonly host: ReadonlyArray<string>
  /** Path (and optional query) template with `{param}` placeholders. */
  readonly url_pattern: string
  readonly method: Method
  readonly encoding: BackendEncoding
  readonly allow: ReadonlyArray<string>
  readonly deny: ReadonlyArray<string>
  readonly mapping: Readonly<Record<string, string>>
  readonly group: string | undefined
  readonly target: string | undefined
  readonly is_collection: boolean
  /** Backend level header allowlist (canonical names); `undefined` when not set. */
  readonly input_headers: ReadonlyArray<string> | undefined
  /** Backend level query allowlist; `undefined` when not set. */
  readonly input_query_strings: ReadonlyArray<string> | undefined
  readonly disable_host_sanitize: boolean
  /**
   * `sd: "dns"`: the SRV name (`host[0]` as written) whose records are the hosts, and the scheme
   * they get (`sd_scheme`); `undefined` for the fixed `host` list.
   */
  readonly sd?: { readonly name: string; readonly scheme: "http" | "https" } | undefined
  /** Copied from the endpoint (KrakenD has no backend timeout key). */
  readonly timeout: Duration.Duration
  /** Copied from the endpoint. */
  readonly concurrent_calls: number
  readonly extra_config: BackendExtraConfig
}

/**
 * One endpoint, with the service defaults applied.
 *
 * @example
 * ```ts
 * for (const e of config.endpoints) console.log(e.method, e.endpoint, `${e.backend.length} backend(s)`)
 * ```
 */
export interface EndpointConfig {
  /** Path with a leading `/`, params written `{name}`. */
  readonly endpoint: string
  readonly method: Method
  readonly backend: readonly [BackendConfig, ...Array<BackendConfig>]
  readonly timeout: Duration.Duration
  readonly cache_ttl: Duration.Duration
  readonly concurrent_calls: number
  /** Canonical header names; empty means the default list (`Content-Type`). `*` = all. */
  readonly input_headers: ReadonlyArray<string>
  /** Exact query names; `*` = all. */
  readonly input_query_strings: ReadonlyArray<string>
  readonly output_encoding: OutputEncoding
  readonly extra_config: EndpointExtraConfig
}

/**
 * A `plugin/...` namespace: the plugin names in order, their raw settings (each decoded by its
 * plugin's Schema when the gateway starts), the Sluice `budget`, and the namespace's JSON path.
 *
 * @example
 * ```ts
 * const handlers: PluginNamespace | undefined = config.extra_config["plugin/http-server"]
 * const names = handlers?.names ?? [] // e.g. ["request-id"], settings in handlers.settings["request-id"]
 * ```
 */
export interface PluginNamespace {
  readonly names: ReadonlyArray<string>
  readonly settings: Readonly<Record<string, unknown>>
  readonly budget: Duration.Duration | undefined
  readonly path: string
  /** Sluice `isolate`: run the modifiers in a worker thread (`src/plugin/Isolate.ts`). */
  readonly isolate?: boolean | undefined
  /** Sluice `isolate_memory_mb`: the worker's old-generation heap limit (default 64). */
  readonly isolateMemoryMb?: number | undefined
}

/**
 * `plugin` at the root: where plugin modules are loaded from.
 *
 * @example
 * ```ts
 * const plugins: PluginFolder = { folder: "./plugins", pattern: ".ts" } // every file whose name contains ".ts"
 * ```
 */
export interface PluginFolder {
  readonly folder: string
  readonly pattern: string
}

/**
 * The whole gateway.
 *
 * @example
 * ```ts
 * const config: GatewayConfig = (yield* Config.load("krakend.json")).config
 * yield* Layer.launch(Gateway.layer(config).pipe(Layer.provide(Gateway.nodeServer(config))))
 * ```
 */
export interface GatewayConfig {
  readonly version: 3
  readonly name: string
  readonly port: number
  readonly listen_ip: string
  readonly host: ReadonlyArray<string>
  readonly timeout: Duration.Duration
  readonly cache_ttl: Duration.Duration
  readonly output_encoding: OutputEncoding
  readonly plugin: PluginFolder | undefined
  readonly debug_endpoint: boolean
  readonly echo_endpoint: boolean
  /** HTTP server settings (Node server limits). `undefined` = Sluice's safe default. */
  readonly read_timeout: Duration.Duration | undefined
  readonly read_header_timeout: Duration.Duration | undefined
  readonly write_timeout: Duration.Duration | undefined
  readonly idle_timeout: Duration.Duration | undefined
  readonly max_header_bytes: number | undefined
  readonly max_shutdown_wait_time: Duration.Duration | undefined
  /** HTTP transport settings (the backend client). */
  readonly dialer_timeout: Duration.Duration | undefined
  readonly response_header_timeout: Duration.Duration | undefined
  readonly idle_connection_timeout: Duration.Duration | undefined
  readonly max_idle_connections_per_host: number
  /** TCP keep-alive of backend sockets (`dialer_keep_alive`): delay of the first probe. */
  readonly dialer_keep_alive?: Duration.Duration | undefined
  /** Refresh interval of `sd: "dns"` backends (`dns_cache_ttl`). */
  readonly dns_cache_ttl?: Duration.Duration | undefined
  /** Accept cleartext HTTP/2 with prior knowledge on the plain HTTP port. */
  readonly use_h2c?: boolean | undefined
  readonly disable_keep_alives: boolean
  readonly disable_compression: boolean
  /** HTTPS on the listener (`tls`, unless `disabled`). */
  readonly tls?: TlsOptions | undefined
  /** TLS to the backends (`client_tls`, with the root `allow_insecure_connections` folded in). */
  readonly client_tls?: ClientTlsOptions | undefined
  readonly endpoints: ReadonlyArray<EndpointConfig>
  readonly extra_config: ServiceExtraConfig
}
