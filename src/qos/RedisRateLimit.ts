/**
 * Rate limits whose buckets live in Redis (`qos/ratelimit/router/redis` per endpoint,
 * `qos/ratelimit/service/redis` for every request; KrakenD Enterprise's shapes, QOS-TELEMETRY.md
 * §4): the same token buckets as the in-memory limiter (`RateLimit.ts`: the client's first, 429;
 * then the endpoint's or service's, 503; `Retry-After`; an empty body), shared by every worker,
 * process and instance that uses the same Redis. One atomic script per check on the Redis
 * server's clock (`TIME`), one round trip, auto-pipelined; both keys of a check share one hash
 * tag, so a Redis Cluster runs it on one node.
 *
 * Redis down or slow: a check waits at most the connection's `read_timeout` (default 100 ms;
 * commands are never queued while disconnected), then `on_failure_allow` decides — by default
 * the request is refused with 503, as KrakenD. Each change of a connection's state is logged
 * once.
 *
 * @since 0.3.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Scope from "effect/Scope"
import type { Cluster, Redis } from "ioredis"
import type { ConfigError } from "../config/ConfigError.ts"
import * as JsonPath from "../config/JsonPath.ts"
import type { GatewayConfig, RedisLimit } from "../config/Model.ts"
import type { RedisClusterOptions, RedisPoolOptions } from "../config/RedisNamespaces.ts"
import * as ClientTls from "../proxy/ClientTls.ts"
import type { ClientIp } from "../router/ClientIp.ts"
import type { Handler } from "../router/Endpoint.ts"
import type { HttpApp } from "../router/Router.ts"
import * as LoadShed from "../server/LoadShed.ts"
import * as OptionalLibrary from "../OptionalLibrary.ts"
import * as RateLimit from "./RateLimit.ts"

/** The check: KEYS = [limit bucket, client bucket]; ARGV = [limit per ms, capacity, client per ms, capacity]. */
const script = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function take(key, perMs, cap)
  local b = redis.call('HMGET', key, 't', 'a')
  local tokens, at = tonumber(b[1]), tonumber(b[2])
  if tokens == nil or at == nil then tokens, at = cap, now end
  if now > at then tokens = math.min(cap, tokens + (now - at) * perMs) at = now end
  local wait = 0
  if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / perMs) end
  redis.call('HSET', key, 't', tostring(tokens), 'a', tostring(at))
  redis.call('PEXPIRE', key, math.ceil((cap - tokens) / perMs) + 1000)
  return wait
end
local clientCap = tonumber(ARGV[4])
if clientCap > 0 then
  local w = take(KEYS[2], tonumber(ARGV[3]), clientCap)
  if w > 0 then return {1, w} end
end
local cap = tonumber(ARGV[2])
if cap > 0 then
  local w = take(KEYS[1], tonumber(ARGV[1]), cap)
  if w > 0 then return {2, w} end
end
return {0, 0}
`

type Client = (Redis | Cluster) & {
  sluiceLimit(limitKey: string, clientKey: string, perMs: string, cap: string, clientPerMs: string, clientCap: string): Promise<[number, number]>
}

/** One named Redis connection of the process. */
interface Connection {
  readonly name: string
  readonly client: Client
  readonly timeoutMs: number
  /** `undefined` until the first check. */
  healthy: boolean | undefined
}

/** The process's Redis connections, by name (only those a limit uses are opened). */
export type Connections = ReadonlyMap<string, Connection>

const hostPort = (address: string): { host: string; port: number } => {
  const i = address.lastIndexOf(":")
  return i === -1 ? { host: address, port: 6379 } : { host: address.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(address.slice(i + 1)) }
}

const open = (
  options: RedisPoolOptions | RedisClusterOptions,
  path: string
): Effect.Effect<Connection, ConfigError, Scope.Scope> =>
  Effect.flatMap(
    options.tls === undefined ? Effect.succeed(undefined) : ClientTls.connectOptions(options.tls, JsonPath.key(path, "tls")),
    (tls) =>
      Effect.acquireRelease(
        Effect.sync((): Connection => {
          const timeoutMs = options.read_timeout === undefined ? 100 : Math.max(1, Duration.toMillis(options.read_timeout))
          const common = {
            ...(options.user_name === undefined ? {} : { username: options.user_name }),
            ...(options.password === undefined ? {} : { password: options.password }),
            ...(options.client_name === undefined ? {} : { connectionName: options.client_name }),
            connectTimeout: Duration.toMillis(options.dial_timeout),
            commandTimeout: timeoutMs,
            maxRetriesPerRequest: 0,
            // a dead peer is noticed by TCP keep-alive probes after 10 s idle, not the OS default (hours)
            keepAlive: 10_000,
            // after a failover the old primary is a replica: reconnect to whoever is primary now
            reconnectOnError: (error: Error) => /READONLY|LOADING/.test(error.message),
            enableAutoPipelining: true,
            retryStrategy: (times: number) => Math.min(50 * times, 1000),
            ...(tls === undefined ? {} : { tls })
          }
          const client = ("addresses" in options
            ? new (OptionalLibrary.ioredis().Cluster)(options.addresses.map(hostPort), {
              redisOptions: common,
              // never queue while disconnected: a check fails at once and on_failure_allow decides
              enableOfflineQueue: false,
              enableAutoPipelining: true,
              maxRedirections: options.max_redirects,
              clusterRetryStrategy: (times: number) => Math.min(50 * times, 1000)
            })
            : new (OptionalLibrary.ioredis().Redis)({ ...hostPort(options.address), db: options.db, enableOfflineQueue: false, ...common })) as Client
          client.defineCommand("sluiceLimit", { numberOfKeys: 2, lua: script })
          // connection errors surface through the checks (logged once per state change)
          client.on("error", () => undefined)
          return { name: options.name, client, timeoutMs, healthy: undefined }
        }),
        (c) => Effect.sync(() => c.client.disconnect())
      ).pipe(Effect.tap((c) => ready(c, Duration.toMillis(options.dial_timeout))))
  )

/**
 * Waits until the connection is ready (commands are not queued before), at most `ms`; a Redis
 * that is down does not stop the start: its checks fail and `on_failure_allow` decides.
 */
const ready = (c: Connection, ms: number): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    const done = () => {
      clearTimeout(timer)
      c.client.off("ready", done)
      resume(Effect.void)
    }
    const timer = setTimeout(done, Math.min(ms, 5000))
    if (c.client.status === "ready") done()
    else c.client.once("ready", done)
  })

/** Opens the connections the config's Redis rate limits use. */
export const connect = (config: GatewayConfig): Effect.Effect<Connections, ConfigError, Scope.Scope> => {
  const used = new Set<string>()
  const service = config.extra_config["qos/ratelimit/service/redis"]
  if (service !== undefined) used.add(service.connection)
  for (const endpoint of config.endpoints) {
    const limit = endpoint.extra_config["qos/ratelimit/router/redis"]
    if (limit !== undefined) used.add(limit.connection)
  }
  const redis = config.extra_config.redis
  if (used.size === 0 || redis === undefined) return Effect.succeed(new Map())
  const wanted = [
    ...redis.connection_pools.map((o, i) => ({ o, path: JsonPath.index(JsonPath.key(JsonPath.key(JsonPath.key(JsonPath.root, "extra_config"), "redis"), "connection_pools"), i) })),
    ...redis.clusters.map((o, i) => ({ o, path: JsonPath.index(JsonPath.key(JsonPath.key(JsonPath.key(JsonPath.root, "extra_config"), "redis"), "clusters"), i) }))
  ].filter(({ o }) => used.has(o.name))
  return Effect.map(Effect.forEach(wanted, ({ o, path }) => open(o, path)), (cs) => new Map(cs.map((c) => [c.name, c])))
}

/** The outcome of one check. */
type Verdict = { readonly refused: 0 | 429 | 503; readonly waitMs: number }

/** One limit's check against Redis, `on_failure_allow` applied. */
const checker = (limit: RedisLimit, connection: Connection, id: string) => {
  const everyMs = Math.max(1e-6, Duration.toMillis(limit.every))
  const cap = limit.max_rate > 0 ? Math.max(1, limit.capacity || limit.max_rate) : 0
  const clientCap = limit.client_max_rate > 0 ? Math.max(1, limit.client_capacity || limit.client_max_rate) : 0
  const perMs = String(limit.max_rate / everyMs)
  const capacity = String(cap)
  const clientPerMs = String(limit.client_max_rate / everyMs)
  const clientCapacity = String(clientCap)
  const tag = `sluice:rl:{${id}}`
  const limitKey = `${tag}:all`
  const onFailure: Verdict = limit.on_failure_allow ? { refused: 0, waitMs: 0 } : { refused: 503, waitMs: 1000 }
  const health = (healthy: boolean, error?: unknown): Effect.Effect<void> => {
    if (connection.healthy === healthy) return Effect.void
    const first = connection.healthy === undefined
    connection.healthy = healthy
    if (healthy) return first ? Effect.void : Effect.logInfo(`[Redis: ${connection.name}] rate-limit checks answered again`)
    return Effect.logError(
      `[Redis: ${connection.name}] rate-limit checks fail (${error instanceof Error ? error.message : String(error)}): requests are ${limit.on_failure_allow ? "let through (on_failure_allow)" : "refused with 503 until Redis answers"}`
    )
  }
  const timedOut = new Error(`no answer within ${connection.timeoutMs} ms`)
  const backstopMs = 2 * connection.timeoutMs + 10
  // one callback and one native timer per check: the timer is a backstop beside ioredis' own
  // command timeout (a check never outlives twice the timeout, whatever ioredis does)
  const settle = (verdict: Verdict, ok: boolean, error: unknown): Effect.Effect<Verdict> =>
    connection.healthy === ok ? Effect.succeed(verdict) : Effect.as(health(ok, error), verdict)
  return (client: string): Effect.Effect<Verdict> =>
    Effect.callback<Verdict>((resume) => {
      let done = false
      const timer = setTimeout(() => {
        if (done) return
        done = true
        resume(settle(onFailure, false, timedOut))
      }, backstopMs)
      connection.client.sluiceLimit(limitKey, `${tag}:c:${client}`, perMs, capacity, clientPerMs, clientCapacity).then(
        (r) => {
          if (done) return
          done = true
          clearTimeout(timer)
          resume(settle({ refused: r[0] === 1 ? 429 : r[0] === 2 ? 503 : 0, waitMs: Number(r[1]) }, true, undefined))
        },
        (error: unknown) => {
          if (done) return
          done = true
          clearTimeout(timer)
          resume(settle(onFailure, false, error))
        }
      )
    })
}

const refusal = (verdict: Verdict, headers: Readonly<Record<string, string>>) => RateLimit.reject(verdict.refused, verdict.waitMs, headers)

/** What the endpoint wrapper is built from. */
export interface EndpointOptions {
  readonly limit: RedisLimit
  readonly connections: Connections
  readonly endpoint: { readonly endpoint: string; readonly method: string }
  readonly clientIp: ClientIp
  readonly headers: Readonly<Record<string, string>>
}

/** Wraps an endpoint handler in its Redis rate limit. */
const unavailable = HttpServerResponse.empty({ status: 503, headers: { "content-length": "0" } })

export const endpoint = (options: EndpointOptions) => (handler: Handler): Handler => {
  const connection = options.connections.get(options.limit.connection)
  // never more open than the config: without its connection the limit refuses everything
  if (connection === undefined) return () => Effect.succeed(unavailable)
  const check = checker(options.limit, connection, `${options.endpoint.method} ${options.endpoint.endpoint}`)
  const key = RateLimit.keyOf(options.limit, options.endpoint.endpoint, options.clientIp)
  const needsKey = options.limit.client_max_rate > 0
  const missing: Verdict = { refused: 429, waitMs: Duration.toMillis(options.limit.every) }
  return (request, params, path, rawQuery, grant) => {
    const k = needsKey ? key(request, params, grant) : ""
    // no key (the header or param is missing): refused like KrakenD, never one shared bucket
    if (needsKey && k === "") return Effect.succeed(refusal(missing, options.headers))
    return Effect.flatMap(check(k), (v) => (v.refused === 0 ? handler(request, params, path, rawQuery, grant) : Effect.succeed(refusal(v, options.headers))))
  }
}

/** Wraps the whole app in the service's Redis rate limit. */
export const service = (config: GatewayConfig, connections: Connections, clientIp: ClientIp): (app: HttpApp) => HttpApp => {
  const limit = config.extra_config["qos/ratelimit/service/redis"]
  if (limit === undefined) return (app) => app
  const connection = connections.get(limit.connection)
  if (connection === undefined) return () => Effect.succeed(unavailable)
  const check = checker(limit, connection, "service")
  // the in-memory limiter's keys (ip or header; a service has no params)
  const keyOf = RateLimit.keyOf(limit, "", clientIp)
  const key = (request: HttpServerRequest.HttpServerRequest) => keyOf(request, [], undefined)
  const needsKey = limit.client_max_rate > 0
  const missing: Verdict = { refused: 429, waitMs: Duration.toMillis(limit.every) }
  // the health check is never limited (load balancers must see the gateway up while Redis is down)
  const isHealth = LoadShed.exemptMatcher(LoadShed.healthPaths(config))
  return (app) =>
    Effect.flatMap(Effect.service(HttpServerRequest.HttpServerRequest), (request) => {
      if (isHealth(request.url)) return app
      const k = needsKey ? key(request) : ""
      if (needsKey && k === "") return Effect.succeed(refusal(missing, {}))
      return Effect.flatMap(check(k), (v) => (v.refused === 0 ? app : Effect.succeed(refusal(v, {}))))
    })
}
