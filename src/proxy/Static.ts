/**
 * The static proxy (Lura's `proxy/static.go`, `proxy.static{strategy, data}`): the outermost
 * stage of the endpoint. When its strategy fires, the top-level keys of `data` are copied into
 * the response (overwriting collisions). When there was no response (every backend failed), a
 * new incomplete one holds the static data and the error is kept in `errors`: the router then
 * answers 200 with `X-Krakend-Completed: false` instead of the error.
 *
 * | strategy | fires when |
 * |---|---|
 * | `always` (default) | always |
 * | `success` | no error |
 * | `complete` | no error and the response is complete |
 * | `errored` | an error (a failed pipe or a partial merge) |
 * | `incomplete` | no response or an incomplete one |
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { StaticOptions } from "../config/Model.ts"
import * as Proxy from "./Proxy.ts"
import type { ProxyError } from "./ProxyError.ts"
import * as NullRecord from "../NullRecord.ts"

const withData = (res: Proxy.ProxyResponse, data: Readonly<Record<string, unknown>>): Proxy.ProxyResponse => {
  const out = NullRecord.copy(res.data)
  for (const k of Object.keys(data)) out[k] = data[k]
  return { ...res, data: out }
}

/** The static stage; identity when `proxy.static` is not set. */
export const make = (options: StaticOptions | undefined): Proxy.Middleware => {
  if (options === undefined) return Proxy.identity
  const { data, strategy } = options
  const fromError = (e: ProxyError): Proxy.ProxyResponse => ({
    ...withData(Proxy.response(NullRecord.make(), false), data),
    errors: [e]
  })
  const onFailure = strategy === "always" || strategy === "errored" || strategy === "incomplete"
    ? (e: ProxyError): Effect.Effect<Proxy.ProxyResponse, ProxyError> => Effect.succeed(fromError(e))
    : (e: ProxyError): Effect.Effect<Proxy.ProxyResponse, ProxyError> => Effect.fail(e)
  const fires: (res: Proxy.ProxyResponse) => boolean = (() => {
    switch (strategy) {
      case "always":
        return () => true
      case "success":
        return (res) => res.errors.length === 0
      case "complete":
        return (res) => res.errors.length === 0 && res.isComplete
      case "errored":
        return (res) => res.errors.length > 0
      case "incomplete":
        return (res) => !res.isComplete
    }
  })()
  return (next) => (req) =>
    Effect.matchEffect(next(req), {
      onFailure,
      onSuccess: (res) => Effect.succeed(fires(res) ? withData(res, data) : res)
    })
}
