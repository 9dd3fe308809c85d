/**
 * Defaults flow down at decode time (KRAKEND-SEMANTICS.md §2.1): service → endpoint → backend.
 * Turns the decoded JSON objects into the model, so that nothing downstream re-derives them.
 *
 * @since 0.1.0
 */
import type * as RedisNamespaces from "./RedisNamespaces.ts"
import * as Duration from "effect/Duration"
import * as MartianParse from "../martian/Parse.ts"
import * as HeaderName from "../proxy/HeaderName.ts"
import type * as BackendSchema from "./BackendSchema.ts"
import type * as EndpointSchema from "./EndpointSchema.ts"
import * as JsonPath from "./JsonPath.ts"
import type * as Model from "./Model.ts"
import * as PluginNamespace from "./PluginNamespace.ts"
import * as Rules from "./Rules.ts"
import type * as ServiceSchema from "./ServiceSchema.ts"
import * as Cel from "../scripting/Cel.ts"
import * as JsonSchema from "../scripting/JsonSchema.ts"
import * as Shape from "./Shape.ts"

/** What endpoints inherit from the service. */
export interface Inherited {
  /** Service hosts; `undefined` when the service object did not decode (no "no host" error then). */
  readonly host: ReadonlyArray<string> | undefined
  readonly timeout: Duration.Duration
  readonly cache_ttl: Duration.Duration
  readonly output_encoding: Model.OutputEncoding
  /** The server `write_timeout` (endpoint timeouts may not exceed it). */
  readonly write_timeout?: Duration.Duration | undefined
  /** The service `redis` connections (endpoint Redis rate limits name one). */
  readonly redis?: RedisNamespaces.RedisOptions | undefined
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//

/** `http://` added when there is no scheme, trailing `/` removed (Lura's host sanitizing). */
export const sanitizeHost = (host: string, scheme = "http"): string =>
  (SCHEME.test(host) ? host : `${scheme}://${host}`).replace(/\/+$/, "")

/** A path with a leading `/`. */
export const withLeadingSlash = (path: string): string => (path.startsWith("/") ? path : `/${path}`)

/** Header names in canonical form (`x-foo` → `X-Foo`); `*` stays. */
export const canonicalHeaders = (names: ReadonlyArray<string>): ReadonlyArray<string> =>
  names.map((name) => (name === "*" ? name : HeaderName.canonical(name)))

const backend = (
  raw: BackendSchema.Backend,
  endpoint: Omit<Model.EndpointConfig, "backend">,
  inherited: Inherited,
  path: string,
  findings: Shape.Findings
): Model.BackendConfig => {
  findings.issues.push(...Rules.hostPlaceholders(raw.host, JsonPath.key(path, "host")))
  const hosts = raw.host.length > 0 ? raw.host : inherited.host ?? []
  if (hosts.length === 0 && inherited.host !== undefined) {
    findings.issues.push({ path: JsonPath.key(path, "host"), message: "no host: set backend host or service host" })
  }
  const dns = raw.sd === "dns" || raw.sd === "dns-shared"
  if (raw.sd !== undefined && !dns && raw.sd !== "static") {
    findings.warnings.push({
      path: JsonPath.key(path, "sd"),
      message: `sd ${JSON.stringify(raw.sd)} is not a discovery (static, dns, dns-shared): the host list is used, as KrakenD falls back to static`
    })
  }
  if (dns && hosts.length > 1) {
    findings.warnings.push({
      path: JsonPath.key(path, "host"),
      message: `with sd "dns" only host[0] (the SRV name ${JSON.stringify(hosts[0])}) is looked up, as in KrakenD; the other hosts are ignored`
    })
  }
  // sd "dns": the discovered hosts get sd_scheme (http or https, never plain http where https
  // was asked for).
  const scheme = dns && (raw.sd_scheme === "https" || raw.sd_scheme === "http") ? raw.sd_scheme : "http"
  if (raw.sd_scheme !== undefined && raw.sd_scheme !== scheme) {
    findings.warnings.push({
      path: JsonPath.key(path, "sd_scheme"),
      message: `sd_scheme ${JSON.stringify(raw.sd_scheme)} applies to sd "dns" hosts (http or https); ignored`
    })
  }
  const http = raw.extra_config["backend/http"]
  const rawProxy = raw.extra_config.proxy
  const sluice = raw.extra_config["sluice/backend"]
  findings.issues.push(...Rules.backendTimeout(
    sluice?.timeout,
    endpoint.timeout,
    JsonPath.key(JsonPath.key(JsonPath.key(path, "extra_config"), "sluice/backend"), "timeout")
  ))
  const clientPath = Shape.spelled(findings, JsonPath.key(JsonPath.key(path, "extra_config"), "backend/http/client"))
  if (raw.extra_config["backend/http/client"]?.client_tls?.allow_insecure_connections === true) {
    insecureWarning(`${clientPath}.client_tls.allow_insecure_connections`, findings)
  }
  legacyTlsWarning(raw.extra_config["backend/http/client"]?.client_tls, `${clientPath}.client_tls`, findings)
  clientCertsWarning(raw.extra_config["backend/http/client"]?.client_tls, `${clientPath}.client_tls`, findings)
  if (raw.extra_config["backend/http/client"]?.client_tls !== undefined && hosts.some((h) => !h.startsWith("https://") && (SCHEME.test(h) || scheme !== "https"))) {
    findings.warnings.push({ path: `${clientPath}.client_tls`, message: "this backend has an http host: its client_tls applies only to https hosts" })
  }
  return {
    host: raw.disable_host_sanitize ? hosts : hosts.map((h) => sanitizeHost(h, scheme)),
    url_pattern: withLeadingSlash(raw.url_pattern),
    method: raw.method ?? endpoint.method,
    encoding: endpoint.output_encoding === "no-op" ? "no-op" : raw.encoding,
    allow: raw.allow,
    deny: raw.deny,
    mapping: raw.mapping,
    group: raw.group,
    target: raw.target,
    is_collection: raw.is_collection,
    input_headers: raw.input_headers === undefined ? undefined : canonicalHeaders(raw.input_headers),
    input_query_strings: raw.input_query_strings,
    disable_host_sanitize: raw.disable_host_sanitize,
    sd: dns && hosts[0] !== undefined ? { name: hosts[0], scheme } : undefined,
    timeout: sluice?.timeout !== undefined && Duration.isLessThan(sluice.timeout, endpoint.timeout) ? sluice.timeout : endpoint.timeout,
    concurrent_calls: endpoint.concurrent_calls,
    extra_config: {
      "backend/http": http === undefined
        ? undefined
        : { return_error_code: http.return_error_code, return_error_details: http.return_error_details },
      proxy: rawProxy === undefined ? undefined : {
        flatmap_filter: rawProxy.flatmap_filter,
        shadow: rawProxy.shadow,
        shadow_timeout: rawProxy.shadow_timeout
      },
      "sluice/backend": sluice === undefined ? undefined : {
        timeout: sluice.timeout,
        body_from: sluice.body_from,
        response_headers: sluice.response_headers === undefined ? undefined : canonicalHeaders(sluice.response_headers),
        max_response_size: sluice.max_response_size
      },
      ...PluginNamespace.field("plugin/req-resp-modifier", raw.extra_config["plugin/req-resp-modifier"], path, findings),
      ...PluginNamespace.field("plugin/http-client", raw.extra_config["plugin/http-client"], path, findings),
      ...(raw.extra_config["backend/http/client"] === undefined ? {} : {
        "backend/http/client": { ...raw.extra_config["backend/http/client"], path: clientPath }
      }),
      ...martian(raw.extra_config["modifier/martian"], path, findings),
      ...(raw.extra_config["telemetry/opentelemetry"] === undefined ? {} : { "telemetry/opentelemetry": raw.extra_config["telemetry/opentelemetry"] }),
      ...cel(raw.extra_config["validation/cel"], path, findings, { level: "backend", validator: false }),
      ...(raw.extra_config["qos/ratelimit/proxy"] === undefined ? {} : { "qos/ratelimit/proxy": raw.extra_config["qos/ratelimit/proxy"] }),
      ...(raw.extra_config["qos/circuit-breaker"] === undefined ? {} : { "qos/circuit-breaker": raw.extra_config["qos/circuit-breaker"] }),
      ...lua("modifier/lua-backend", raw.extra_config["modifier/lua-backend"], path, findings),
      ...(raw.extra_config["qos/http-cache"] === undefined ? {} : { "qos/http-cache": raw.extra_config["qos/http-cache"] })
    }
  }
}

/** `modifier/martian` read into its tree (`src/martian/Parse.ts`); its issues and warnings are the config's. */
const martian = (
  raw: BackendSchema.Backend["extra_config"]["modifier/martian"],
  path: string,
  findings: Shape.Findings
): { readonly "modifier/martian"?: Model.BackendExtraConfig["modifier/martian"] } => {
  if (raw === undefined) return {}
  const parsed = MartianParse.parse(raw, Shape.spelled(findings, JsonPath.key(JsonPath.key(path, "extra_config"), "modifier/martian")))
  findings.issues.push(...parsed.issues)
  findings.warnings.push(...parsed.warnings)
  return parsed.node === undefined ? {} : { "modifier/martian": parsed.node }
}

const proxyOptions = (
  raw: EndpointSchema.EndpointHead["extra_config"]["proxy"],
  path: string,
  findings: Shape.Findings
): Model.EndpointProxyOptions | undefined => {
  if (raw === undefined) return undefined
  if (raw.strategy !== undefined && raw.strategy !== "sequential") {
    findings.warnings.push({
      path: JsonPath.key(JsonPath.key(JsonPath.key(path, "extra_config"), "proxy"), "strategy"),
      message: `strategy ${JSON.stringify(raw.strategy)} is not implemented by Sluice yet; ignored`
    })
  }
  const at = (key: string) => JsonPath.key(JsonPath.key(JsonPath.key(path, "extra_config"), "proxy"), key)
  let strategy: Model.StaticStrategy = "always"
  if (raw.static !== undefined) {
    const s = raw.static.strategy
    if (s === "always" || s === "success" || s === "complete" || s === "errored" || s === "incomplete") strategy = s
    else findings.warnings.push({ path: at("static"), message: `static strategy ${JSON.stringify(s)} is unknown; read as "always" like KrakenD` })
  }
  let combiner: Model.Combiner | undefined
  if (raw.combiner !== undefined) {
    if (raw.combiner === "deep-merge" || raw.combiner === "deep-merge-append" || raw.combiner === "default") combiner = raw.combiner
    else findings.warnings.push({ path: at("combiner"), message: `combiner ${JSON.stringify(raw.combiner)} is not known to Sluice; the default merge is used like KrakenD` })
  }
  return {
    sequential: raw.sequential || raw.strategy === "sequential",
    sequential_propagated_params: raw.sequential_propagated_params,
    static: raw.static === undefined ? undefined : { strategy, data: raw.static.data },
    flatmap_filter: raw.flatmap_filter,
    combiner
  }
}

/** A Redis rate limit with its connection resolved (issues at its path when it names none or limits nothing). */
const redisLimit = <K extends "qos/ratelimit/router/redis" | "qos/ratelimit/service/redis">(
  name: K,
  raw: RedisNamespaces.RedisRateLimitOptions | undefined,
  redis: RedisNamespaces.RedisOptions | undefined,
  path: string,
  findings: Shape.Findings
): { readonly [P in K]?: Model.RedisLimit } => {
  if (raw === undefined) return {}
  const at = Shape.spelled(findings, JsonPath.key(JsonPath.key(path, "extra_config"), name))
  const connection = raw.connection_name ?? raw.connection_pool
  const known = [...(redis?.connection_pools ?? []), ...(redis?.clusters ?? [])].map((c) => c.name)
  const before = findings.issues.length
  if (connection !== undefined && known.filter((k) => k === connection).length > 1) {
    findings.issues.push({ path: JsonPath.key(at, "connection_name"), message: `more than one redis connection is named ${JSON.stringify(connection)}` })
  }
  if (connection === undefined) {
    findings.issues.push({ path: JsonPath.key(at, "connection_name"), message: "missing: the name of a service redis connection_pools or clusters entry" })
  } else if (!known.includes(connection)) {
    findings.issues.push({
      path: JsonPath.key(at, raw.connection_name === undefined ? "connection_pool" : "connection_name"),
      message: `no redis connection named ${JSON.stringify(connection)} (service redis has ${known.length === 0 ? "none" : known.map((k) => JSON.stringify(k)).join(", ")})`
    })
  }
  if (raw.max_rate <= 0 && raw.client_max_rate <= 0) {
    findings.issues.push({ path: at, message: "limits nothing: set max_rate or client_max_rate" })
  }
  if (name === "qos/ratelimit/service/redis" && raw.strategy === "param") {
    findings.issues.push({ path: JsonPath.key(at, "strategy"), message: "a service-wide limit has no endpoint params: use ip or header" })
  }
  if (findings.issues.length > before || connection === undefined) return {}
  return { [name]: { ...raw, connection, path: at } } as { readonly [P in K]?: Model.RedisLimit }
}

/** Issues of the service namespaces resolved when the defaults flow down (found before the model is built). */
export const serviceIssues = (raw: ServiceSchema.ServiceHead, findings: Shape.Findings): void => {
  redisLimit("qos/ratelimit/service/redis", raw.extra_config["qos/ratelimit/service/redis"], raw.extra_config.redis, JsonPath.root, findings)
}

/** A Lua namespace with the path it was written at. */
const lua = <K extends "modifier/lua-endpoint" | "modifier/lua-proxy" | "modifier/lua-backend">(
  name: K,
  raw: Omit<Model.LuaConfig, "path"> | undefined,
  path: string,
  findings: Shape.Findings
): { readonly [P in K]?: Model.LuaConfig } =>
  raw === undefined ? {} : ({ [name]: { ...raw, path: Shape.spelled(findings, JsonPath.key(JsonPath.key(path, "extra_config"), name)) } } as { readonly [P in K]?: Model.LuaConfig })

/** A `validation/cel` list, kept when every expression compiles (else issues at their paths as written). */
const cel = (
  checks: ReadonlyArray<{ readonly check_expr: string }> | undefined,
  path: string,
  findings: Shape.Findings,
  place: Cel.Place
): { readonly "validation/cel"?: ReadonlyArray<{ readonly check_expr: string }> } => {
  if (checks === undefined) return {}
  const found = Cel.issues(checks, Shape.spelled(findings, JsonPath.key(JsonPath.key(path, "extra_config"), "validation/cel")), place)
  findings.issues.push(...found)
  return found.length === 0 ? { "validation/cel": checks } : {}
}

/**
 * An endpoint's `validation/json-schema`: kept when it compiles; one that does not (a remote
 * `$ref` included) stops the start with its path as written (KrakenD would serve it unvalidated).
 */
const jsonSchema = (
  schema: Readonly<Record<string, unknown>> | undefined,
  path: string,
  findings: Shape.Findings
): { readonly "validation/json-schema"?: Readonly<Record<string, unknown>> } => {
  if (schema === undefined) return {}
  const issue = JsonSchema.compileIssue(schema)
  if (issue === undefined) return { "validation/json-schema": schema }
  findings.issues.push({ path: Shape.spelled(findings, JsonPath.key(JsonPath.key(path, "extra_config"), "validation/json-schema")), message: issue })
  return {}
}

/**
 * The endpoint with the service defaults applied, and its backends with the endpoint's. Returns
 * `undefined` when it has no backend (`Rules.backendCount` reports it).
 */
export const endpoint = (
  raw: EndpointSchema.EndpointHead,
  backends: ReadonlyArray<BackendSchema.Backend>,
  inherited: Inherited,
  path: string,
  findings: Shape.Findings
): Model.EndpointConfig | undefined => {
  const head: Omit<Model.EndpointConfig, "backend"> = {
    endpoint: withLeadingSlash(raw.endpoint),
    method: raw.method,
    timeout: raw.timeout ?? inherited.timeout,
    cache_ttl: raw.cache_ttl ?? inherited.cache_ttl,
    concurrent_calls: raw.concurrent_calls,
    input_headers: canonicalHeaders(raw.input_headers),
    input_query_strings: raw.input_query_strings,
    output_encoding: raw.output_encoding ?? inherited.output_encoding,
    extra_config: {
      proxy: proxyOptions(raw.extra_config.proxy, path, findings),
      ...endpointBodyLimit(raw.extra_config["sluice/endpoint"], raw.extra_config.proxy?.max_payload),
      ...(raw.extra_config["security/bot-detector"] === undefined ? {} : { "security/bot-detector": raw.extra_config["security/bot-detector"] }),
      ...(raw.extra_config["qos/ratelimit/router"] === undefined ? {} : { "qos/ratelimit/router": raw.extra_config["qos/ratelimit/router"] }),
      ...(raw.extra_config["auth/validator"] === undefined ? {} : {
        "auth/validator": {
          ...raw.extra_config["auth/validator"],
          path: Shape.spelled(findings, JsonPath.key(JsonPath.key(path, "extra_config"), "auth/validator"))
        }
      }),
      ...(raw.extra_config["auth/api-keys"] === undefined ? {} : { "auth/api-keys": raw.extra_config["auth/api-keys"] }),
      ...(raw.extra_config["auth/signer"] === undefined ? {} : {
        "auth/signer": {
          ...raw.extra_config["auth/signer"],
          path: Shape.spelled(findings, JsonPath.key(JsonPath.key(path, "extra_config"), "auth/signer"))
        }
      }),
      ...(raw.extra_config["telemetry/opentelemetry"] === undefined ? {} : { "telemetry/opentelemetry": raw.extra_config["telemetry/opentelemetry"] }),
      ...cel(raw.extra_config["validation/cel"], path, findings, { level: "endpoint", validator: raw.extra_config["auth/validator"] !== undefined }),
      ...jsonSchema(raw.extra_config["validation/json-schema"], path, findings),
      ...lua("modifier/lua-endpoint", raw.extra_config["modifier/lua-endpoint"], path, findings),
      ...lua("modifier/lua-proxy", raw.extra_config["modifier/lua-proxy"], path, findings),
      ...redisLimit("qos/ratelimit/router/redis", raw.extra_config["qos/ratelimit/router/redis"], inherited.redis, path, findings),
      ...PluginNamespace.field("plugin/req-resp-modifier", raw.extra_config["plugin/req-resp-modifier"], path, findings)
    }
  }
  const timeoutAt = raw.timeout === undefined ? "$.timeout" : JsonPath.key(path, "timeout")
  const once = <A extends { readonly path: string; readonly message: string }>(list: Array<A>, found: ReadonlyArray<A>) => {
    for (const f of found) if (!list.some((x) => x.path === f.path && x.message === f.message)) list.push(f)
  }
  once(findings.issues, Rules.endpointTimeout(head.timeout, inherited.write_timeout, timeoutAt))
  once(findings.warnings, Rules.longTimeout(head.timeout, timeoutAt))
  const [first, ...rest] = backends.map((b, j) =>
    backend(b, head, inherited, JsonPath.index(JsonPath.key(path, "backend"), j), findings)
  )
  return first === undefined ? undefined : { ...head, backend: [first, ...rest] }
}

/** What the service passes down, from the decoded service object. */
export const inherited = (service: ServiceSchema.ServiceHead): Inherited => ({
  host: service.host,
  timeout: service.timeout,
  cache_ttl: service.cache_ttl,
  output_encoding: service.output_encoding,
  write_timeout: service.write_timeout,
  redis: service.extra_config.redis
})

/** `auth/revoker` with Go's case-insensitive keys folded. */
const revoker = (raw: ServiceSchema.ServiceHead["extra_config"]["auth/revoker"]): { readonly "auth/revoker"?: Model.RevokerOptions } =>
  raw === undefined ? {} : {
    "auth/revoker": {
      n: (raw.N ?? raw.n)!,
      p: (raw.P ?? raw.p)!,
      ttl: (raw.TTL ?? raw.ttl)!,
      hash_name: raw.hash_name,
      port: raw.port,
      token_keys: raw.token_keys
    }
  }

/** The listener's `tls` unless `disabled`; settings that would not take effect are warned about. */
const serverTls = (raw: ServiceSchema.ServiceHead, findings: Shape.Findings): { readonly tls?: Model.TlsOptions } => {
  const tls = raw.tls
  if (tls === undefined) return {}
  if (tls.disabled) {
    if (tls.enable_mtls) {
      findings.warnings.push({ path: "$.tls.disabled", message: "TLS is disabled: the gateway serves plain HTTP and asks for no client certificate (enable_mtls is not applied)" })
    }
    return {}
  }
  legacyTlsWarning(tls, "$.tls", findings)
  if (!tls.enable_mtls && (tls.ca_certs.length > 0 || tls.disable_system_ca_pool)) {
    findings.warnings.push({ path: "$.tls.ca_certs", message: "client CAs are set but enable_mtls is not: no client certificate is asked for" })
  }
  return { tls }
}

/** Default `client_tls` settings: what KrakenD uses for `{}` (TLS 1.3 only). */
const emptyClientTls: Model.ClientTlsOptions = {
  allow_insecure_connections: false,
  ca_certs: [],
  disable_system_ca_pool: false,
  client_certs: [],
  min_version: "TLS13",
  max_version: "TLS13"
}

/** `client_tls`, with the root `allow_insecure_connections` folded in (which creates one, as in KrakenD). */
const clientTls = (raw: ServiceSchema.ServiceHead, findings: Shape.Findings): { readonly client_tls?: Model.ClientTlsOptions } => {
  if (raw.client_tls === undefined && !raw.allow_insecure_connections) return {}
  const insecure = raw.allow_insecure_connections || raw.client_tls?.allow_insecure_connections === true
  if (insecure) insecureWarning(raw.allow_insecure_connections ? "$.allow_insecure_connections" : "$.client_tls.allow_insecure_connections", findings)
  legacyTlsWarning(raw.client_tls, "$.client_tls", findings)
  clientCertsWarning(raw.client_tls, "$.client_tls", findings)
  return { client_tls: { ...(raw.client_tls ?? emptyClientTls), allow_insecure_connections: insecure } }
}

/**
 * TLS 1.0 and 1.1 need OpenSSL's security level 0 in Node, which would also accept SHA-1
 * signatures and short keys: Sluice keeps the default level, so such peers fail the handshake.
 */
export const legacyTlsWarning = (block: { readonly min_version: string } | undefined, path: string, findings: Shape.Findings): void => {
  if (block !== undefined && ["SSL3.0", "TLS10", "TLS11"].includes(block.min_version)) {
    findings.warnings.push({
      path: `${path}.min_version`,
      message: `${block.min_version} is not available: TLS 1.0 and 1.1 would need OpenSSL's security level 0, which also accepts SHA-1 signatures and short keys; TLS 1.2 is the lowest version negotiated`
    })
  }
}

/** Node's client sends one certificate: the pairs after the first are never used. */
const clientCertsWarning = (block: Model.ClientTlsOptions | undefined, path: string, findings: Shape.Findings): void => {
  if (block !== undefined && block.client_certs.length > 1) {
    findings.warnings.push({
      path: `${path}.client_certs[1]`,
      message: "only the first client certificate is sent (Node's TLS client cannot choose one per server request, as Go does)"
    })
  }
}

/** `allow_insecure_connections` is logged loudly: every start says that backends are not verified. */
const insecureWarning = (path: string, findings: Shape.Findings): void => {
  findings.warnings.push({ path, message: "INSECURE: backend TLS certificates are NOT verified (allow_insecure_connections)" })
}

/** The model of the service, given its endpoints. */
/**
 * KrakenD's `max_payload` (Enterprise: `router` for the service, endpoint `proxy`) is the request
 * body limit: it fills `sluice/server.max_body_size` / `sluice/endpoint.max_body_size` when those
 * are not set. `0` (KrakenD: no limit) keeps Sluice's default limit.
 */
const serviceBodyLimit = (
  sluice: ServiceSchema.ServiceHead["extra_config"]["sluice/server"],
  maxPayload: number | undefined
): { readonly "sluice/server"?: NonNullable<ServiceSchema.ServiceHead["extra_config"]["sluice/server"]> } =>
  sluice?.max_body_size === undefined && maxPayload !== undefined && maxPayload > 0
    ? { "sluice/server": { retry_after: Duration.seconds(1), ...sluice, max_body_size: maxPayload } }
    : sluice === undefined
    ? {}
    : { "sluice/server": sluice }

const endpointBodyLimit = (
  sluice: EndpointSchema.EndpointHead["extra_config"]["sluice/endpoint"],
  maxPayload: number | undefined
): { readonly "sluice/endpoint"?: NonNullable<EndpointSchema.EndpointHead["extra_config"]["sluice/endpoint"]> } =>
  sluice?.max_body_size === undefined && maxPayload !== undefined && maxPayload > 0
    ? { "sluice/endpoint": { ...sluice, max_body_size: maxPayload } }
    : sluice === undefined
    ? {}
    : { "sluice/endpoint": sluice }

/**
 * `telemetry/logging` with its `format` read as KrakenD does: only `logstash` changes the lines,
 * and `telemetry/logstash` (enabled) makes them logstash JSON whatever the format says.
 */
const logging = (
  raw: ServiceSchema.ServiceHead["extra_config"]["telemetry/logging"],
  logstash: boolean,
  findings: Shape.Findings
): Model.LoggingOptions | undefined => {
  if (raw === undefined) {
    return logstash ? { level: "INFO", prefix: "", stdout: true, syslog: false, format: "logstash" } : undefined
  }
  if (logstash) return { ...raw, format: "logstash" }
  if (raw.format === "default" || raw.format === "logstash") return { ...raw, format: raw.format }
  findings.warnings.push({
    path: "$.extra_config[\"telemetry/logging\"].format",
    message: raw.format === "custom"
      ? "format \"custom\" (custom_format) is not implemented by Sluice yet; the default format is used"
      : `format ${JSON.stringify(raw.format)} is not a KrakenD log format (default, logstash, custom); the default format is used, as in KrakenD`
  })
  return { ...raw, format: "default" }
}

/** `disable_rest: true` cannot change Sluice's routing: a warning saying why (nothing in the model). */
const disableRest = (raw: ServiceSchema.ServiceHead, findings: Shape.Findings): {} => {
  if (raw.disable_rest) {
    findings.warnings.push({
      path: "$.disable_rest",
      message: "disable_rest: true has no effect in Sluice: endpoint params stay whole path segments (/{id}), which is all KrakenD's router (gin) can match too; url_pattern placeholders may already sit anywhere"
    })
  }
  return {}
}

export const service = (
  raw: ServiceSchema.ServiceHead,
  endpoints: ReadonlyArray<Model.EndpointConfig>,
  findings: Shape.Findings
): Model.GatewayConfig => ({
  version: 3,
  name: raw.name,
  port: raw.port,
  listen_ip: raw.listen_ip,
  host: raw.host.map((h) => sanitizeHost(h)),
  timeout: raw.timeout,
  cache_ttl: raw.cache_ttl,
  output_encoding: raw.output_encoding,
  plugin: raw.plugin,
  debug_endpoint: raw.debug_endpoint,
  echo_endpoint: raw.echo_endpoint,
  read_timeout: raw.read_timeout,
  read_header_timeout: raw.read_header_timeout,
  write_timeout: raw.write_timeout,
  idle_timeout: raw.idle_timeout,
  max_header_bytes: raw.max_header_bytes,
  max_shutdown_wait_time: raw.max_shutdown_wait_time,
  dialer_timeout: raw.dialer_timeout,
  dialer_keep_alive: raw.dialer_keep_alive,
  dns_cache_ttl: raw.dns_cache_ttl,
  response_header_timeout: raw.response_header_timeout,
  idle_connection_timeout: raw.idle_connection_timeout,
  max_idle_connections_per_host: raw.max_idle_connections_per_host,
  disable_keep_alives: raw.disable_keep_alives,
  disable_compression: raw.disable_compression,
  use_h2c: raw.use_h2c,
  ...disableRest(raw, findings),
  ...serverTls(raw, findings),
  ...clientTls(raw, findings),
  endpoints,
  extra_config: {
    router: raw.extra_config.router,
    "telemetry/logging": logging(raw.extra_config["telemetry/logging"], raw.extra_config["telemetry/logstash"]?.enabled === true, findings),
    ...(raw.extra_config["telemetry/opentelemetry"] === undefined ? {} : { "telemetry/opentelemetry": raw.extra_config["telemetry/opentelemetry"] }),
    ...(raw.extra_config["sluice/errors"] === undefined ? {} : { "sluice/errors": raw.extra_config["sluice/errors"] }),
    ...(raw.extra_config["sluice/lua"] === undefined ? {} : { "sluice/lua": raw.extra_config["sluice/lua"] }),
    ...serviceBodyLimit(raw.extra_config["sluice/server"], raw.extra_config.router.max_payload),
    ...(raw.extra_config["security/bot-detector"] === undefined ? {} : { "security/bot-detector": raw.extra_config["security/bot-detector"] }),
    ...(raw.extra_config["security/cors"] === undefined ? {} : { "security/cors": raw.extra_config["security/cors"] }),
    ...(raw.extra_config["auth/validator"] === undefined ? {} : { "auth/validator": raw.extra_config["auth/validator"] }),
    ...(raw.extra_config["security/http"] === undefined ? {} : { "security/http": raw.extra_config["security/http"] }),
    ...(raw.extra_config["auth/api-keys"] === undefined ? {} : { "auth/api-keys": raw.extra_config["auth/api-keys"] }),
    ...revoker(raw.extra_config["auth/revoker"]),
    ...lua("modifier/lua-endpoint", raw.extra_config["modifier/lua-endpoint"], JsonPath.root, findings),
    ...(raw.extra_config.redis === undefined ? {} : { redis: raw.extra_config.redis }),
    ...redisLimit("qos/ratelimit/service/redis", raw.extra_config["qos/ratelimit/service/redis"], raw.extra_config.redis, JsonPath.root, findings),
    ...PluginNamespace.field("plugin/http-server", raw.extra_config["plugin/http-server"], JsonPath.root, findings)
  }
})
