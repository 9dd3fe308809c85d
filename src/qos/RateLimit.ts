/**
 * KrakenD's endpoint rate limit (`qos/ratelimit/router`, krakend-ratelimit): in-memory token
 * buckets, one for the whole endpoint (`max_rate` per `every`, rejections answered 503) and one
 * per client (`client_max_rate`, rejections answered 429). Clients are keyed by the gateway's
 * derived client IP (`strategy: "ip"`, RELIABILITY.md C14: a spoofed `X-Forwarded-For` from an
 * untrusted peer is ignored by `ClientIp`), a header (`"header"`) or an endpoint param
 * (`"param"`). Buckets refill lazily from timestamps: no timer per request or per bucket. Idle
 * client buckets (full again) are swept every `cleanup_period`, on the first request after it.
 * The limits hold per process: with `--workers N` each worker has its own buckets.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { performance } from "node:perf_hooks"
import type { EndpointConfig, RateLimitOptions } from "../config/Model.ts"
import type { ClientIp } from "../router/ClientIp.ts"
import type { Grant, Handler } from "../router/Endpoint.ts"
import { sameHeader } from "../proxy/HeaderName.ts"
import * as RouteTable from "../router/RouteTable.ts"

/** A token bucket: `tokens` as of `at` (milliseconds). Mutable, owned by one limiter. */
export interface Bucket {
  tokens: number
  at: number
}

/** The refill rule of a bucket. */
export interface Rate {
  /** Tokens added per millisecond. */
  readonly perMs: number
  /** Largest number of tokens. */
  readonly capacity: number
}

/** A rate of `tokens` per `every` milliseconds, with a bucket of `capacity` (at least 1). */
export const rate = (tokens: number, everyMs: number, capacity: number): Rate => ({
  perMs: tokens / everyMs,
  capacity: Math.max(1, capacity)
})

/** A full bucket at `now`. */
export const full = (r: Rate, now: number): Bucket => ({ tokens: r.capacity, at: now })

/** The bucket's tokens at `now` (not stored). */
export const level = (r: Rate, bucket: Bucket, now: number): number =>
  Math.min(r.capacity, bucket.tokens + Math.max(0, now - bucket.at) * r.perMs)

/**
 * Takes one token at `now`: `0` when taken, else the milliseconds until one is available
 * (the bucket is left as it was, refilled to `now`).
 */
export const take = (r: Rate, bucket: Bucket, now: number): number => {
  const tokens = level(r, bucket, now)
  bucket.at = Math.max(bucket.at, now)
  if (tokens >= 1) {
    bucket.tokens = tokens - 1
    return 0
  }
  bucket.tokens = tokens
  return Math.max(1, Math.ceil((1 - tokens) / r.perMs))
}

/** `Retry-After` in whole seconds (at least 1) for a wait in milliseconds. */
export const retryAfter = (waitMs: number): string => String(Math.max(1, Math.ceil(waitMs / 1000)))

/** Client buckets by key, with the sweep of idle ones. */
export interface ClientBuckets {
  /** Takes a token of `key`'s bucket at `now`: `0` or the wait in milliseconds. */
  readonly take: (key: string, now: number) => number
  /** Number of buckets held. */
  readonly size: () => number
}

/** Most client buckets held at once; beyond it idle ones are swept, then the oldest dropped. */
export const maxClients = 100_000

/** Client buckets that forget a client once its bucket is full again (`cleanupMs` apart at most). */
export const clientBuckets = (r: Rate, cleanupMs: number, limit: number = maxClients): ClientBuckets => {
  const buckets = new Map<string, Bucket>()
  let swept = performance.now()
  const sweep = (now: number) => {
    swept = now
    for (const [key, bucket] of buckets) if (level(r, bucket, now) >= r.capacity) buckets.delete(key)
  }
  return {
    take: (key, now) => {
      if (now - swept >= cleanupMs) sweep(now)
      let bucket = buckets.get(key)
      if (bucket === undefined) {
        // At the cap, drop the least recently used bucket (O(1)); the full sweep only runs once
        // per cleanup period, so a flood of new keys cannot make every request walk the map.
        if (buckets.size >= limit) {
          const oldest = buckets.keys().next()
          if (oldest.done !== true) buckets.delete(oldest.value)
        }
        bucket = full(r, now)
      } else {
        buckets.delete(key) // re-inserted below: the map's order is least recently used first
      }
      buckets.set(key, bucket)
      return take(r, bucket, now)
    },
    size: () => buckets.size
  }
}

/** Names of the params of an endpoint path, in declaration order (`/a/{id}` → `["id"]`). */
const paramNames = (path: string): Array<string> =>
  RouteTable.segments(path).flatMap((s) => (s.length > 2 && s.startsWith("{") && s.endsWith("}") ? [s.slice(1, -1)] : []))

/** How a request's client key is read. */
type KeyOf = (request: Parameters<Handler>[0], params: ReadonlyArray<string>, grant: Grant | undefined) => string

/** How a request's client key is read for a limit's `strategy` and `key`. */
export const keyOf = (options: Pick<RateLimitOptions, "strategy" | "key">, endpointPath: string, clientIp: ClientIp): KeyOf => {
  switch (options.strategy) {
    case "header": {
      const name = options.key.toLowerCase()
      const same = sameHeader(options.key)
      // A header the JWT validator propagates is read as propagated (KrakenD sets it on the
      // request): never the client's, even when the claim is empty.
      return (request, _params, grant) => {
        if (grant !== undefined) {
          for (const granted of Object.keys(grant.headers)) {
            if (sameHeader(granted) === same) return grant.headers[granted]![0] ?? ""
          }
        }
        return request.headers[name] ?? ""
      }
    }
    case "param": {
      const names = paramNames(endpointPath)
      let index = names.indexOf(options.key)
      if (index < 0) index = names.findIndex((n) => n.toLowerCase() === options.key.toLowerCase())
      return index < 0 ? () => "" : (_request, params) => params[index] ?? ""
    }
    default:
      return (request) => clientIp(request)
  }
}

/** A refusal: the status, `Retry-After` from the wait, an empty body. */
export const reject = (status: number, waitMs: number, headers: Readonly<Record<string, string>>) =>
  HttpServerResponse.empty({
    status,
    headers: { ...headers, "retry-after": retryAfter(waitMs), "content-length": "0" }
  })

/** What the wrapper is built from. */
export interface Options {
  readonly endpoint: EndpointConfig
  readonly clientIp: ClientIp
  /** The router's headers of a failed answer (`X-Krakend`, `X-Krakend-Completed: false`). */
  readonly headers: Readonly<Record<string, string>>
  /** Milliseconds of a monotonic clock (tests). */
  readonly now?: (() => number) | undefined
}

/**
 * Wraps the endpoint handler with its `qos/ratelimit/router` limits: the client limit first
 * (429, the endpoint's tokens are not spent), then the endpoint limit (503). Both answers have
 * an empty body and `Retry-After`. The handler itself when the endpoint sets no limit.
 */
export const wrap = (options: Options) => (handler: Handler): Handler => {
  const config = options.endpoint.extra_config["qos/ratelimit/router"]
  if (config === undefined || (config.max_rate <= 0 && config.client_max_rate <= 0)) return handler
  const now = options.now ?? (() => performance.now())
  const everyMs = Math.max(1e-6, Duration.toMillis(config.every))
  const headers = options.headers
  let limited = handler
  if (config.max_rate > 0) {
    const r = rate(config.max_rate, everyMs, config.capacity || config.max_rate) // 0 = unset, as in KrakenD
    const bucket = full(r, now())
    const inner = limited
    limited = (request, params, path, rawQuery, grant) => {
      const wait = take(r, bucket, now())
      return wait === 0 ? inner(request, params, path, rawQuery, grant) : Effect.succeed(reject(503, wait, headers))
    }
  }
  if (config.client_max_rate > 0) {
    const r = rate(config.client_max_rate, everyMs, config.client_capacity || config.client_max_rate)
    const clients = clientBuckets(r, Math.max(1, Duration.toMillis(config.cleanup_period)))
    const key = keyOf(config, options.endpoint.endpoint, options.clientIp)
    const inner = limited
    limited = (request, params, path, rawQuery, grant) => {
      const k = key(request, params, grant)
      // No key (the header or param is missing): refused like KrakenD, never one shared bucket.
      if (k === "") return Effect.succeed(reject(429, everyMs, headers))
      const wait = clients.take(k, now())
      return wait === 0 ? inner(request, params, path, rawQuery, grant) : Effect.succeed(reject(429, wait, headers))
    }
  }
  return limited
}
