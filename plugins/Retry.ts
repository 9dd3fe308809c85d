/**
 * `retry` (client): calls the backend over its own undici client and retries idempotent
 * requests (`methods`, default GET, HEAD, OPTIONS, PUT, DELETE) on a transport failure or a
 * retryable status (`statuses`, default 502, 503, 504), with exponential backoff (`backoff`
 * milliseconds doubled per retry, capped by `max_backoff`) — always within the call's time
 * budget and the request deadline, which interrupt a pending attempt or wait. `attempts` counts
 * every try (default 3). The last answer or failure is what the pipe sees.
 *
 * ```json
 * "plugin/http-client": { "name": "retry", "retry": { "attempts": 4, "backoff": 50 } }
 * ```
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, HttpClient, Layer, Plugin, Schema } from "../src/plugin/Plugin.ts"

/** Settings of `retry`. */
export const Config = Schema.Struct({
  attempts: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 10 }))),
  backoff: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  max_backoff: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  statuses: Schema.optionalKey(Schema.Array(Schema.Int.check(Schema.isBetween({ minimum: 100, maximum: 599 })))),
  methods: Schema.optionalKey(Schema.Array(Schema.String))
})

/** Wraps `base` with the retry policy of `config`. */
export const retrying = (base: HttpClient.HttpClient, config: typeof Config.Type): HttpClient.HttpClient => {
  const attempts = config.attempts ?? 3
  const backoff = config.backoff ?? 100
  const maxBackoff = config.max_backoff ?? 2_000
  const statuses = new Set(config.statuses ?? [502, 503, 504])
  const methods = new Set((config.methods ?? ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]).map((m) => m.toUpperCase()))
  return HttpClient.make((request) => {
    const idempotent = methods.has(request.method)
    const attempt = (n: number): ReturnType<HttpClient.HttpClient["execute"]> =>
      Effect.flatMap(Effect.result(base.execute(request)), (result) => {
        const retry = idempotent && n < attempts &&
          (result._tag === "Failure" || statuses.has(result.success.status))
        if (!retry) return result._tag === "Success" ? Effect.succeed(result.success) : Effect.fail(result.failure)
        const drain = result._tag === "Success" ? Effect.ignore(result.success.arrayBuffer) : Effect.void
        return drain.pipe(Effect.andThen(Effect.sleep(Math.min(maxBackoff, backoff * 2 ** (n - 1)))), Effect.andThen(attempt(n + 1)))
      })
    return attempt(1)
  })
}

export default Plugin.client({
  name: "retry",
  config: Config,
  make: (config) =>
    Layer.effect(HttpClient.HttpClient, Effect.map(Effect.service(HttpClient.HttpClient), (base) => retrying(base, config))).pipe(
      Layer.provide(NodeHttpClient.layerUndici)
    )
})
