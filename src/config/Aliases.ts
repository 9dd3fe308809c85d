/**
 * KrakenD's legacy namespace names (KRAKEND-SEMANTICS.md §9), in one place. `legacy` is KrakenD
 * CE's runtime alias table (34 entries): each long Go import path means exactly what its short
 * name means. `retired` is what KrakenD's 1.x → 2.x migrator renames but KrakenD 2 no longer
 * reads at all (such a namespace is ignored by KrakenD 2: for a protection, an open endpoint).
 * `retiredKeys` are the key renames the migrator applies inside namespaces.
 *
 * The key check (`ExtraConfig.ts`) renames every legacy key to its current name before anything
 * reads a namespace, so features, warnings and the fail-closed rule see one name.
 *
 * @since 0.2.0
 */

/** Legacy namespace name (exact spelling) → current name: KrakenD CE's `aliases` table. */
export const legacy: Readonly<Record<string, string>> = {
  "github_com/devopsfaith/krakend/transport/http/server/handler": "plugin/http-server",
  "github.com/devopsfaith/krakend/transport/http/client/executor": "plugin/http-client",
  "github.com/devopsfaith/krakend/proxy/plugin": "plugin/req-resp-modifier",
  "github.com/devopsfaith/krakend/proxy": "proxy",
  "github_com/luraproject/lura/router/gin": "router",
  "github.com/devopsfaith/krakend-httpcache": "qos/http-cache",
  "github.com/devopsfaith/krakend-circuitbreaker/gobreaker": "qos/circuit-breaker",
  "github.com/devopsfaith/krakend-oauth2-clientcredentials": "auth/client-credentials",
  "github.com/devopsfaith/krakend-jose/validator": "auth/validator",
  "github.com/devopsfaith/krakend-jose/signer": "auth/signer",
  "github_com/devopsfaith/bloomfilter": "auth/revoker",
  "github_com/devopsfaith/krakend-botdetector": "security/bot-detector",
  "github_com/devopsfaith/krakend-httpsecure": "security/http",
  "github_com/devopsfaith/krakend-cors": "security/cors",
  "github.com/devopsfaith/krakend-cel": "validation/cel",
  "github.com/devopsfaith/krakend-jsonschema": "validation/json-schema",
  "github.com/devopsfaith/krakend-amqp/agent": "async/amqp",
  "github.com/devopsfaith/krakend-amqp/consume": "backend/amqp/consumer",
  "github.com/devopsfaith/krakend-amqp/produce": "backend/amqp/producer",
  "github.com/devopsfaith/krakend-lambda": "backend/lambda",
  "github.com/devopsfaith/krakend-pubsub/publisher": "backend/pubsub/publisher",
  "github.com/devopsfaith/krakend-pubsub/subscriber": "backend/pubsub/subscriber",
  "github.com/devopsfaith/krakend/transport/http/client/graphql": "backend/graphql",
  "github.com/devopsfaith/krakend/http": "backend/http",
  "github_com/devopsfaith/krakend-gelf": "telemetry/gelf",
  "github_com/devopsfaith/krakend-gologging": "telemetry/logging",
  "github_com/devopsfaith/krakend-logstash": "telemetry/logstash",
  "github_com/devopsfaith/krakend-metrics": "telemetry/metrics",
  "github_com/letgoapp/krakend-influx": "telemetry/influx",
  "github_com/devopsfaith/krakend-opencensus": "telemetry/opencensus",
  "github.com/devopsfaith/krakend-lua/router": "modifier/lua-endpoint",
  "github.com/devopsfaith/krakend-lua/proxy": "modifier/lua-proxy",
  "github.com/devopsfaith/krakend-lua/proxy/backend": "modifier/lua-backend",
  "github.com/devopsfaith/krakend-martian": "modifier/martian"
}

/** Current KrakenD namespace names beyond the alias targets (CE and Enterprise), for did-you-mean hints. */
export const known: ReadonlyArray<string> = [
  ...new Set([
    ...Object.values(legacy),
    "auth/api-keys",
    "auth/basic",
    "backend/http/client",
    "backend/grpc",
    "backend/soap",
    "backend/static-filesystem",
    "documentation/openapi",
    "modifier/body-generator",
    "modifier/jmespath",
    "modifier/request-body-generator",
    "modifier/response-body-generator",
    "qos/ratelimit/proxy",
    "qos/ratelimit/router",
    "qos/ratelimit/router/redis",
    "qos/ratelimit/service",
    "qos/ratelimit/service/redis",
    "qos/ratelimit/tiered",
    "redis",
    "security/policies",
    "server/static-filesystem",
    "telemetry/influx",
    "telemetry/instana",
    "telemetry/newrelic",
    "telemetry/opentelemetry",
    "telemetry/opentelemetry-security",
    "websocket"
  ])
]

/** A 1.x name KrakenD 2 no longer reads, and the 2.x namespace the migrator writes for it. */
export interface Retired {
  /** The 2.x namespace, or `undefined` when the component was dropped. */
  readonly current: string | undefined
  /** What became of it, when there is no 2.x namespace to paste. */
  readonly note?: string
}

/** 1.x names (exact spelling) that KrakenD 2 ignores: `krakend-config-migrator`'s rules. */
export const retired: Readonly<Record<string, Retired>> = {
  "github.com/devopsfaith/krakend-ratelimit/juju/router": { current: "qos/ratelimit/router" },
  "github.com/devopsfaith/krakend-ratelimit/juju/proxy": { current: "qos/ratelimit/proxy" },
  // The other 1.x limiter: no KrakenD CE build ever read it.
  "github.com/devopsfaith/krakend-ratelimit/rate/router": { current: "qos/ratelimit/router" },
  "github.com/devopsfaith/krakend-ratelimit/rate/proxy": { current: "qos/ratelimit/proxy" },
  "github_com/devopsfaith/krakend-apikeys": { current: "auth/api-keys" },
  "github.com/devopsfaith/krakend-websocket": { current: "websocket" },
  "github_com/devopsfaith/krakend-influx": { current: "telemetry/influx" },
  "github_com/devopsfaith/krakend-swagger": { current: "documentation/openapi" },
  "github_com/devopsfaith/krakend-instana": { current: "telemetry/instana" },
  "github.com/devopsfaith/krakend/proxy/plugin/request": { current: "plugin/req-resp-modifier" },
  "github.com/devopsfaith/krakend/proxy/plugin/response": { current: "plugin/req-resp-modifier" },
  "github.com/devopsfaith/krakend-etcd": { current: undefined, note: "the etcd service discovery was dropped in KrakenD 2" },
  "github.com/devopsfaith/krakend-consul": { current: undefined, note: "the bloomfilter-consul integration was dropped in KrakenD 2" }
}

/** 1.x key names inside namespaces → their 2.x names (the migrator's key rules). */
export const retiredKeys: Readonly<Record<string, string>> = {
  maxRate: "max_rate",
  clientMaxRate: "client_max_rate",
  maxErrors: "max_errors",
  logStatusChange: "log_status_change",
  "jwk-url": "jwk_url",
  "propagate-claims": "propagate_claims",
  "keys-to-sign": "keys_to_sign",
  denylist: "deny",
  allowlist: "allow",
  cacheSize: "cache_size",
  HashName: "hash_name",
  TokenKeys: "token_keys",
  whitelist: "allow",
  blacklist: "deny"
}

/** `table[key]` for own keys only (config keys such as `constructor` are plain text). */
export const own = <A>(table: Readonly<Record<string, A>>, key: string): A | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined

/** The 2.x name of a 1.x key (Go's JSON keys are case-insensitive, so is this lookup). */
export const retiredKey = (key: string): string | undefined => {
  const exact = own(retiredKeys, key)
  if (exact !== undefined) return exact
  const lower = key.toLowerCase()
  for (const [old, current] of Object.entries(retiredKeys)) if (old.toLowerCase() === lower) return current
  return undefined
}

/** A value with every 1.x key renamed to its 2.x name, at every depth (for a paste-ready hint). */
export const renameKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(renameKeys)
  if (typeof value !== "object" || value === null) return value
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) out[retiredKey(key) ?? key] = renameKeys(item)
  return out
}

/** The current name of a namespace: its alias target, or itself. */
export const current = (namespace: string): string => own(legacy, namespace) ?? namespace

/** The legacy spellings of a current namespace name. */
export const spellings = (namespace: string): ReadonlyArray<string> =>
  Object.keys(legacy).filter((name) => legacy[name] === namespace)

/** A name with `_` and `.` read alike and case ignored: how near misses are compared. */
export const loose = (name: string): string => name.toLowerCase().replace(/[_.]/g, ".")
