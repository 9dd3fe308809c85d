/**
 * KrakenD Enterprise's Redis shapes (QOS-TELEMETRY.md §4.1): the service `redis` connections and
 * the stateful rate limits `qos/ratelimit/router/redis` (endpoint) and
 * `qos/ratelimit/service/redis` (service), whose buckets live in Redis so that every gateway
 * process and instance shares them.
 *
 * @since 0.3.0
 */
import * as Schema from "effect/Schema"
import * as Fields from "./Fields.ts"
import * as GoDuration from "./GoDuration.ts"
import * as TlsSchema from "./TlsSchema.ts"

/** `host:port` (go-redis' address form; not a redis:// URL). */
const Address = Schema.String.check(Schema.isPattern(/^[^\s/]+(:\d+)?$/, { message: "expected host:port (not a redis:// URL)" }))

const accepted = (description: string) => Fields.optional(Schema.Unknown, `${description} (accepted; ioredis keeps one pipelined connection per process)`)

/** Keys both a connection pool and a cluster take. */
const common = {
  name: Schema.String.annotate({ description: "The name rate limits refer to (connection_name)" }),
  user_name: Fields.optional(Schema.String, "ACL user"),
  password: Fields.optional(Schema.String, "Password (AUTH)"),
  client_name: Fields.optional(Schema.String, "CLIENT SETNAME of the connection"),
  dial_timeout: Fields.withDefault(GoDuration.PositiveGoDuration, "5s", "Connect timeout"),
  read_timeout: Fields.optional(GoDuration.PositiveGoDuration, "Longest wait for a rate-limit check (Sluice default 100ms; then on_failure_allow decides)"),
  write_timeout: accepted("Write timeout"),
  pool_size: accepted("Connections"),
  pool_timeout: accepted("Wait for a pooled connection"),
  min_idle_conns: accepted("Idle connections kept"),
  max_idle_conns: accepted("Idle connections kept"),
  max_active_conns: accepted("Most connections"),
  conn_max_idle_time: accepted("Idle connection lifetime"),
  conn_max_life_time: accepted("Connection lifetime"),
  max_retries: accepted("Retries of a failed command (Sluice never retries a rate-limit check)"),
  min_retry_backoff: accepted("Retry backoff"),
  max_retry_backoff: accepted("Retry backoff"),
  tls: Fields.optional(TlsSchema.ClientTls, "TLS to Redis (the shape of client_tls)"),
  opentelemetry: accepted("Redis telemetry")
}

/** One Redis server (`redis.connection_pools[]`). */
export const RedisPool = Schema.Struct({
  ...common,
  address: Address.annotate({ description: "host:port of the Redis server" }),
  db: Fields.withDefault(Fields.Count, 0, "Database number")
}).annotate({ identifier: "RedisPool", description: "A Redis server" })

/** One Redis Cluster (`redis.clusters[]`). */
export const RedisCluster = Schema.Struct({
  ...common,
  addresses: Schema.Array(Address).check(Schema.isMinLength(1)).annotate({ description: "host:port of seed nodes" }),
  max_redirects: Fields.withDefault(Fields.Count, 3, "MOVED/ASK redirections followed")
}).annotate({ identifier: "RedisCluster", description: "A Redis Cluster" })

/** Service `redis`. */
export const Redis = Schema.Struct({
  connection_pools: Fields.withDefault(Schema.Array(RedisPool), [], "Redis servers"),
  clusters: Fields.withDefault(Schema.Array(RedisCluster), [], "Redis Clusters")
}).annotate({ identifier: "Redis", description: "Redis connections (KrakenD Enterprise's shape), for rate limits shared by every gateway process" })

/** `qos/ratelimit/router/redis` and `qos/ratelimit/service/redis`. */
export const RedisRateLimit = Schema.Struct({
  connection_name: Fields.optional(Schema.String, "The redis connection_pools/clusters entry holding the buckets"),
  connection_pool: Fields.optional(Schema.String, "Older name of connection_name"),
  max_rate: Fields.withDefault(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)), 0, "Requests per `every` for all clients together, across every gateway (0: none); beyond it 503"),
  capacity: Fields.optional(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)), "Bucket size of max_rate (0 or unset: max_rate)"),
  client_max_rate: Fields.withDefault(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)), 0, "Requests per `every` for each client, across every gateway (0: none); beyond it 429"),
  client_capacity: Fields.optional(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)), "Bucket size of client_max_rate (0 or unset: client_max_rate)"),
  every: Fields.withDefault(GoDuration.PositiveGoDuration, "1s", "Refill period of both rates"),
  strategy: Fields.withDefault(Schema.Literals(["ip", "header", "param"]), "ip", "Client key: the derived client IP, the header `key` or the endpoint param `key`"),
  key: Fields.withDefault(Schema.String, "", "Header or param name of the header and param strategies"),
  on_failure_allow: Fields.flag("Let requests through while Redis fails or is slow (default: refuse them, 503)")
}).annotate({ identifier: "RedisRateLimit", description: "A rate limit whose buckets live in Redis, shared by every gateway process and instance" })

/** The decoded connection settings. */
export type RedisPoolOptions = typeof RedisPool.Type
export type RedisClusterOptions = typeof RedisCluster.Type
export type RedisOptions = typeof Redis.Type
export type RedisRateLimitOptions = typeof RedisRateLimit.Type
