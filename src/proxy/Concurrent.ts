/**
 * Concurrent calls (Lura's `proxy/concurrent.go`): with `concurrent_calls` N > 1, N copies of the
 * call run at once under a deadline of 75 % of the backend timeout; the first success wins and
 * the others are interrupted (their upstream requests aborted). N ≤ 1: identity.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { BackendConfig } from "../config/Model.ts"
import * as Proxy from "./Proxy.ts"

/** Share of the backend timeout the concurrent calls may use. */
export const BUDGET = 0.75

/** The concurrent-calls stage of one backend. */
export const make = (backend: BackendConfig): Proxy.Middleware => {
  const n = backend.concurrent_calls
  if (n <= 1) return Proxy.identity
  const budget = BUDGET * Duration.toMillis(backend.timeout)
  return (next) => (req) =>
    Effect.suspend(() => {
      const sub: Proxy.ProxyRequest = { ...req, deadline: Math.min(req.deadline, Date.now() + budget) }
      return Effect.raceAll(Array.from({ length: n }, () => next(sub)))
    })
}
