/**
 * `qos/http-cache` (backend; legacy `github.com/devopsfaith/krakend-httpcache`): an RFC 9111
 * cache of the backend's GET and HEAD answers, in the backend's HTTP client as in KrakenD (under
 * martian, the circuit breaker and the proxy rate limit; a hit still passes them). Freshness,
 * `Vary` and revalidation come from the backend's `Cache-Control`, `Expires`, `ETag` and
 * `Last-Modified` through `http-cache-semantics`; a stale entry is revalidated with
 * `If-None-Match` / `If-Modified-Since` and a 304 serves the stored body; while its
 * `stale-if-error` allows, a transport error or a 5xx serves the stale answer (RFC 5861, as KrakenD).
 *
 * Sluice's decisions (QOS-TELEMETRY.md §3, where KrakenD's private cache is more open): the cache
 * is a **shared** cache — an answer carrying `Set-Cookie` is never stored, nor one to a request
 * with `Authorization` or on an endpoint behind `auth/validator` or `auth/api-keys` unless the
 * backend says `public`;
 * `private` answers are not stored; no heuristic freshness (as KrakenD). Buckets as KrakenD:
 * `max_items` + `max_size` bound an LRU (bytes: status line, headers and body), `shared: true`
 * shares one bucket across backends (the first shared backend's limits win); without both caps
 * the bucket is still bounded (10 000 items, 64 MiB: KrakenD's unbounded map is a memory-exhaustion
 * risk). Only buffered answers are cached (`no-op` backends stream and are not cached).
 *
 * @since 0.3.0
 */
import * as Effect from "effect/Effect"
import type CachePolicy from "http-cache-semantics"
import { LRUCache } from "lru-cache"
import type { BackendConfig, EndpointConfig } from "../config/Model.ts"
import type { Executor, RawResponse } from "../proxy/Executor.ts"
import type { BackendError } from "../proxy/ProxyError.ts"
import type { ProxyRequest } from "../proxy/Proxy.ts"
import * as OptionalLibrary from "../OptionalLibrary.ts"

/** `qos/http-cache`'s keys. */
export interface HttpCacheOptions {
  readonly shared?: boolean | undefined
  readonly max_items?: number | undefined
  readonly max_size?: number | undefined
}

/** A stored answer. */
interface Entry {
  readonly policy: CachePolicy
  readonly status: number
  readonly body: Uint8Array
  readonly url: string | undefined
  readonly size: number
}

type Bucket = LRUCache<string, Entry>

/** Bounds of a bucket without both caps. */
export const defaultMaxItems = 10_000
export const defaultMaxSize = 64 * 1024 * 1024

const bucket = (maxItems: number, maxSize: number): Bucket =>
  new LRUCache<string, Entry>({ max: maxItems, maxSize, maxEntrySize: maxSize, sizeCalculation: (e) => Math.max(1, e.size) })

/** KrakenD's process-wide shared buckets: one capped (its first user's caps), one uncapped. */
let sharedCapped: Bucket | undefined
let sharedUncapped: Bucket | undefined

const bucketFor = (options: HttpCacheOptions): Bucket => {
  const capped = (options.max_items ?? 0) > 0 && (options.max_size ?? 0) > 0
  if (options.shared === true) {
    if (capped) return (sharedCapped ??= bucket(options.max_items!, options.max_size!))
    return (sharedUncapped ??= bucket(defaultMaxItems, defaultMaxSize))
  }
  return capped ? bucket(options.max_items!, options.max_size!) : bucket(defaultMaxItems, defaultMaxSize)
}

const lowerHeaders = (headers: ProxyRequest["headers"]): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name in headers) out[name.toLowerCase()] = headers[name]!.join(", ")
  return out
}

const policyRequest = (req: ProxyRequest, url: string): CachePolicy.Request => ({
  url,
  method: req.method,
  headers: lowerHeaders(req.headers)
})

/** undici gives repeated header lines as arrays; the policy wants one value per name. */
const joined = (headers: RawResponse["headers"]): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name in headers) {
    const v = headers[name]
    if (v !== undefined) out[name] = Array.isArray(v) ? v.join(", ") : String(v)
  }
  return out
}

const policyResponse = (raw: RawResponse): CachePolicy.Response => ({
  status: raw.status,
  headers: joined(raw.headers)
})

const isPublic = (response: CachePolicy.Response): boolean => /(^|,)\s*public\s*(,|$)/i.test(String(response.headers["cache-control"] ?? ""))

/** The serialised size KrakenD counts: status line, headers, body. */
const sizeOf = (raw: RawResponse, body: Uint8Array): number => {
  let n = 17 + body.byteLength
  for (const [name, value] of Object.entries(raw.headers)) {
    if (value === undefined) continue
    n += name.length + 4 + (Array.isArray(value) ? value.join(", ").length : String(value).length)
  }
  return n
}

const served = (entry: Entry, policy: CachePolicy): RawResponse => ({
  status: entry.status,
  headers: policy.responseHeaders() as RawResponse["headers"],
  body: entry.body,
  stream: undefined,
  url: entry.url
})

const options = { shared: true, cacheHeuristic: 0, immutableMinTimeToLive: 0 } as const

/** Request headers the cache asks with itself: a client's own are not forwarded on a revalidation. */
const conditionalNames = ["If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since"]

/** The executor with the backend's cache around it; the executor itself when not configured. */
export const wrap = (backend: BackendConfig, executor: Executor, endpoint?: EndpointConfig): Executor => {
  const config = backend.extra_config["qos/http-cache"]
  if (config === undefined || backend.encoding === "no-op") return executor
  const Policy = OptionalLibrary.cachePolicy() // loaded now, when the pipe is built
  const cache = bucketFor(config)
  // behind a validator or API keys every answer may depend on who asked, whatever the backend
  // sees: stored only when the backend says public
  const authenticated = endpoint !== undefined &&
    (endpoint.extra_config["auth/validator"] !== undefined || endpoint.extra_config["auth/api-keys"] !== undefined)
  const store = (key: string, req: ProxyRequest, preq: CachePolicy.Request, raw: RawResponse): void => {
    if (raw.body === undefined || raw.headers["set-cookie"] !== undefined) return
    const response = policyResponse(raw)
    if ((authenticated || req.headers["Authorization"] !== undefined) && !isPublic(response)) {
      cache.delete(key)
      return
    }
    const policy = new Policy(preq, response, options)
    if (!policy.storable() || policy.timeToLive() <= 0 && raw.headers["etag"] === undefined && raw.headers["last-modified"] === undefined) {
      cache.delete(key)
      return
    }
    // a copy: the body may be a view into the socket's buffer
    cache.set(key, { policy, status: raw.status, body: raw.body.slice(), url: raw.url, size: sizeOf(raw, raw.body) })
  }
  const storing = (key: string, req: ProxyRequest, preq: CachePolicy.Request) => (raw: RawResponse) =>
    Effect.sync(() => {
      try {
        store(key, req, preq, raw)
      } catch {
        cache.delete(key) // headers the policy cannot read: not cached
      }
    })
  return (incoming) => {
    if ((incoming.method !== "GET" && incoming.method !== "HEAD") || incoming.url === undefined || incoming.headers["Range"] !== undefined) {
      return executor(incoming)
    }
    // the cache asks with its own validators: a client's conditional headers are not forwarded
    const req = conditionalNames.some((n) => incoming.headers[n] !== undefined)
      ? { ...incoming, headers: Object.fromEntries(Object.entries(incoming.headers).filter(([n]) => !conditionalNames.includes(n))) }
      : incoming
    const url = incoming.url
    const key = req.method === "HEAD" ? `HEAD ${url}` : url
    const preq = policyRequest(req, url)
    const entry = cache.get(key)
    if (entry === undefined) return Effect.tap(executor(req), storing(key, req, preq))
    try {
      if (entry.policy.satisfiesWithoutRevalidation(preq)) return Effect.succeed(served(entry, entry.policy))
    } catch {
      cache.delete(key)
      return Effect.tap(executor(req), storing(key, req, preq))
    }
    // stale (or another Vary): ask again, conditionally with the entry's own validators
    const conditional = entry.policy.revalidationHeaders(preq)
    const headers: Record<string, ReadonlyArray<string>> = { ...req.headers }
    let validated = false
    if (typeof conditional["if-none-match"] === "string") {
      headers["If-None-Match"] = [conditional["if-none-match"]]
      validated = true
    }
    if (typeof conditional["if-modified-since"] === "string") {
      headers["If-Modified-Since"] = [conditional["if-modified-since"]]
      validated = true
    }
    // RFC 5861 stale-if-error: a failing backend (transport error, 5xx) gets the stale answer
    // while the stored answer's stale-if-error allows it
    const staleAllowed = (): boolean => {
      try {
        const { matches, modified } = entry.policy.revalidatedPolicy(preq, { status: 503, headers: {} })
        return matches && !modified
      } catch {
        return false
      }
    }
    const stored = entry
    const revalidated = (raw: RawResponse): Effect.Effect<RawResponse, BackendError> => {
      if (raw.status >= 500 && staleAllowed()) return Effect.succeed(served(stored, stored.policy))
      if (raw.status === 304 && validated) {
        const { matches, modified, policy } = entry.policy.revalidatedPolicy(preq, policyResponse(raw))
        if (matches && !modified) {
          cache.set(key, { ...entry, policy })
          return Effect.succeed(served(entry, policy))
        }
        // a 304 for something else than the stored answer: ask again, unconditionally
        cache.delete(key)
        return Effect.tap(executor(req), storing(key, req, preq))
      }
      return Effect.as(storing(key, req, preq)(raw), raw)
    }
    return Effect.matchEffect(executor(validated ? { ...req, headers } : req), {
      onFailure: (error) => (staleAllowed() ? Effect.succeed(served(stored, stored.policy)) : Effect.fail(error)),
      onSuccess: revalidated
    })
  }
}
