/**
 * A backend's own deadline (beyond KrakenD, `sluice/backend.timeout`): the request deadline
 * becomes the earlier of the endpoint's and now + this timeout, so a slow backend fails with
 * `BackendError("Timeout")` without using up the endpoint's time. Identity when not set.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { BackendConfig } from "../config/Model.ts"
import * as Proxy from "./Proxy.ts"

/** The per-backend deadline stage. */
export const make = (backend: BackendConfig): Proxy.Middleware => {
  const timeout = backend.extra_config["sluice/backend"]?.timeout
  if (timeout === undefined) return Proxy.identity
  const ms = Duration.toMillis(timeout)
  return (next) => (req) => Effect.suspend(() => next({ ...req, deadline: Math.min(req.deadline, Date.now() + ms) }))
}

/** The longest delay of a native timer; a longer one fires at once. */
const MAX_TIMER = 2 ** 31 - 1

/** `ms` as a native timer's delay: at least 1, at most the longest one (a later deadline is capped). */
export const timerDelay = (ms: number): number => Math.max(1, Math.min(ms, MAX_TIMER))
