/**
 * Concurrent calls (Lura's `proxy/concurrent.go`): with `concurrent_calls` N > 1, N copies of the
 * call run at once under a deadline of 75 % of the backend timeout. The first **complete**
 * response wins and the others are interrupted (their upstream requests aborted, sockets
 * released). An incomplete answer (error details) does not win; when no call completes, the
 * last response or error seen is the result. N ≤ 1: identity.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { BackendConfig } from "../config/Model.ts"
import * as Proxy from "./Proxy.ts"
import type { ProxyError } from "./ProxyError.ts"

/** Share of the backend timeout the concurrent calls may use. */
export const BUDGET = 0.75

type Outcome = { readonly ok: true; readonly res: Proxy.ProxyResponse } | { readonly ok: false; readonly error: ProxyError }

/** The concurrent-calls stage of one backend. */
export const make = (backend: BackendConfig): Proxy.Middleware => {
  const n = backend.concurrent_calls
  if (n <= 1) return Proxy.identity
  const budget = BUDGET * Duration.toMillis(backend.timeout)
  return (next) => (req) =>
    Effect.suspend(() => {
      const sub: Proxy.ProxyRequest = { ...req, deadline: Math.min(req.deadline, Date.now() + budget) }
      let last: Outcome | undefined
      const call = () => Effect.matchEffect(next(sub), {
        onFailure: (error) => {
          last = { ok: false, error }
          return Effect.fail(error)
        },
        onSuccess: (res) => {
          if (res.isComplete) return Effect.succeed(res)
          last = { ok: true, res }
          return Effect.fail(undefined)
        }
      })
      return Effect.catch(
        Effect.raceAll(Array.from({ length: n }, call)),
        (): Effect.Effect<Proxy.ProxyResponse, ProxyError> =>
          last === undefined || last.ok ? Effect.succeed(last!.res) : Effect.fail(last.error)
      )
    })
}
