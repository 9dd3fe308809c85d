/**
 * `qos/ratelimit/proxy` (krakend-ratelimit's proxy limiter, QOS-TELEMETRY.md §2): one token
 * bucket per backend definition, shared by every request through it. A refused call fails that
 * backend at once with KrakenD's (misspelt) `rate limit exceded`: 500 alone, a partial answer in a
 * merge — not a 429 or 503, which belong to the router limiter. The bucket is KrakenD's exactly:
 * it starts full, refills lazily by whole intervals (no timers), and after an idle spell lets
 * `capacity + 1` calls through, as `tokenbucket.go` does.
 *
 * @since 0.2.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as GoDuration from "../config/GoDuration.ts"
import type { BackendConfig } from "../config/Model.ts"
import * as BackendName from "../proxy/BackendName.ts"
import type { Middleware } from "../proxy/Proxy.ts"
import { BackendError } from "../proxy/ProxyError.ts"

/** The bucket: `allow(now)` in milliseconds of a monotonic clock. */
export interface Bucket {
  readonly allow: (now: number) => boolean
}

/**
 * KrakenD's token bucket for `maxRate` tokens per `everyMs` (`capacity` 0: the rate per second,
 * at least 1).
 */
export const bucket = (maxRate: number, everyMs: number, capacity: number, start: number): Bucket => {
  const rate = Math.max(1e-9, maxRate * (1000 / everyMs)) // tokens per second
  const size = capacity > 0 ? capacity : Math.max(1, Math.floor(rate))
  const fillMs = 1000 / rate
  let tokens = size
  let lastRefill = start
  return {
    allow: (now) => {
      if (tokens > 0) {
        tokens--
        return true
      }
      const n = Math.floor((now - lastRefill) / fillMs)
      if (n <= 0) return false
      lastRefill += n * fillMs
      if (tokens + n > size) {
        tokens = size // KrakenD allows this call without taking a token
        return true
      }
      tokens = tokens + n - 1
      return true
    }
  }
}

/** The limiter stage of a backend (`undefined` without the namespace or with `max_rate` ≤ 0). */
export const make = (backend: BackendConfig): Middleware | undefined => {
  const options = backend.extra_config["qos/ratelimit/proxy"]
  if (options === undefined || options.max_rate <= 0) return undefined
  // KrakenD: an `every` Go cannot parse (or not positive) is 1s; a fractional capacity is cut
  const every = GoDuration.parse(options.every)
  const everyMs = every._tag === "Success" && Duration.toMillis(every.success) > 0 ? Duration.toMillis(every.success) : 1000
  const limiter = bucket(options.max_rate, everyMs, Math.max(0, Math.trunc(options.capacity)), performance.now())
  const name = BackendName.of(backend)
  const limited = Effect.fail(new BackendError({ reason: "RateLimited", backend: name, message: "rate limit exceded" }))
  return (next) => (req) => Effect.suspend(() => (limiter.allow(performance.now()) ? next(req) : limited))
}
