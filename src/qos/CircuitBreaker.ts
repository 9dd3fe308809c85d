/**
 * `qos/circuit-breaker` (krakend-circuitbreaker over gobreaker v2, QOS-TELEMETRY.md §1): one
 * breaker per backend definition. Closed, it counts the calls' outcomes (every failure of the
 * inner stack: transport, timeouts, statuses other than 200/201 and decode errors unless `no-op`,
 * the proxy rate limit, CEL, martian) and opens when consecutive failures exceed `max_errors`; the
 * counts reset every `interval` seconds (0: never). Open, every call fails at once with `circuit
 * breaker is open` until `timeout` seconds passed (0: 60); then one probe is let through
 * (half-open; others get `too many requests`): its success closes the breaker, its failure opens
 * it again. A call the client abandoned counts neither way; a call that began in an earlier state
 * is ignored when it ends. State changes are lazy (no timers) and logged as WARNINGs with
 * `log_status_change`.
 *
 * @since 0.2.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { BackendConfig } from "../config/Model.ts"
import * as BackendName from "../proxy/BackendName.ts"
import type { Middleware } from "../proxy/Proxy.ts"
import { BackendError } from "../proxy/ProxyError.ts"

export type State = "closed" | "half-open" | "open"

/** A state change, for the log. */
export interface Change {
  readonly from: State
  readonly to: State
}

/** gobreaker's state machine; times in milliseconds of a monotonic clock. */
export interface Breaker {
  /** The generation a call runs in, or the refusal's text. */
  readonly before: (now: number) => number | "circuit breaker is open" | "too many requests"
  /** A call of `generation` ended: `true` success, `false` failure, `undefined` excluded. */
  readonly after: (generation: number, success: boolean | undefined, now: number) => void
  readonly state: (now: number) => State
  /** State changes since the last call (drained). */
  readonly changes: () => ReadonlyArray<Change>
}

const noChanges: ReadonlyArray<Change> = []

/** A breaker opening after more than `maxErrors` consecutive failures. */
export const breaker = (options: { readonly maxErrors: number; readonly intervalMs: number; readonly timeoutMs: number }, start: number): Breaker => {
  const timeoutMs = options.timeoutMs > 0 ? options.timeoutMs : 60_000
  let state: State = "closed"
  let generation = 0
  let expiry = 0
  let requests = 0
  let consecutiveFailures = 0
  let changes: Array<Change> = []

  const newGeneration = (now: number) => {
    generation++
    requests = 0
    consecutiveFailures = 0
    expiry = state === "closed" ? (options.intervalMs > 0 ? now + options.intervalMs : 0) : state === "open" ? now + timeoutMs : 0
  }
  const setState = (to: State, now: number) => {
    if (state === to) return
    changes.push({ from: state, to })
    state = to
    newGeneration(now)
  }
  const current = (now: number): State => {
    if (state === "closed" && expiry !== 0 && expiry < now) newGeneration(now)
    else if (state === "open" && expiry < now) setState("half-open", now)
    return state
  }
  newGeneration(start)
  generation = 0

  return {
    before: (now) => {
      const s = current(now)
      if (s === "open") return "circuit breaker is open"
      if (s === "half-open" && requests >= 1) return "too many requests"
      requests++
      return generation
    },
    after: (before, success, now) => {
      const s = current(now)
      if (before !== generation) return
      if (success === undefined) {
        requests--
        return
      }
      if (success) {
        consecutiveFailures = 0
        if (s === "half-open") setState("closed", now)
        return
      }
      consecutiveFailures++
      if (s === "half-open" || consecutiveFailures > options.maxErrors) setState("open", now)
    },
    state: (now) => current(now),
    changes: () => {
      if (changes.length === 0) return noChanges // the usual case: nothing allocated per call
      const drained = changes
      changes = []
      return drained
    }
  }
}

/** The breaker stage of a backend (`undefined` without the namespace or with every key zero). */
export const make = (backend: BackendConfig): Middleware | undefined => {
  const options = backend.extra_config["qos/circuit-breaker"]
  // KrakenD installs no breaker only when the whole config is its zero value
  if (
    options === undefined ||
    (options.interval === 0 && options.timeout === 0 && options.max_errors === 0 && options.name === "" && !options.log_status_change)
  ) return undefined
  // gobreaker's reading: whole seconds; a negative interval never resets, a negative timeout is 60 s
  const cb = breaker({
    maxErrors: Math.trunc(options.max_errors),
    intervalMs: Math.trunc(options.interval) * 1000,
    timeoutMs: Math.trunc(options.timeout) * 1000
  }, performance.now())
  const name = BackendName.of(backend)
  const refusals = {
    "circuit breaker is open": Effect.fail(new BackendError({ reason: "CircuitOpen", backend: name, message: "circuit breaker is open" })),
    "too many requests": Effect.fail(new BackendError({ reason: "CircuitOpen", backend: name, message: "too many requests" }))
  }
  const log = (): Effect.Effect<void> => {
    const changes = cb.changes()
    if (changes.length === 0 || !options.log_status_change) return Effect.void
    return Effect.forEach(changes, (c) => Effect.logWarning(`[CB] Circuit breaker named '${options.name}' went from '${c.from}' to '${c.to}'`), { discard: true })
  }
  // the state is read when the call runs (not when its effect is built), and its outcome is
  // registered in the same uninterruptible step
  return (next) => (req) =>
    Effect.uninterruptibleMask((restore) => {
      const generation = cb.before(performance.now())
      if (typeof generation === "string") return Effect.andThen(log(), refusals[generation])
      return Effect.onExit(restore(next(req)), (exit) =>
        Effect.suspend(() => {
          // the client went away: neither a success nor a failure (gobreaker's excluded errors)
          const success = Exit.isSuccess(exit) ? true : Cause.hasInterruptsOnly(exit.cause) ? undefined : false
          cb.after(generation, success, performance.now())
          return log()
        }))
    })
}
