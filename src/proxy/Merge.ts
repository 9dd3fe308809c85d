/**
 * The parallel merge (Lura's `proxy/merging.go`): every backend stack runs at once under a
 * deadline of 85 % of the endpoint timeout; results are merged in **declaration order** with the
 * endpoint's combiner (KrakenD's shallow merge by default: a later-declared backend wins a key
 * collision, deterministic unlike KrakenD). A failed part makes the response incomplete and its
 * error is kept; when every part failed, `MergeError`. Merged data is a null-prototype object, so
 * backend keys such as `__proto__` stay inert. Response headers a part carries (a
 * `sluice/backend.response_headers` allowlist) are merged too, a later part winning a name.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import type { EndpointConfig } from "../config/Model.ts"
import * as Combiner from "./Combiner.ts"
import * as Proxy from "./Proxy.ts"
import { MergeError, type ProxyError } from "./ProxyError.ts"
import * as NullRecord from "../NullRecord.ts"

/** Share of the endpoint timeout the merge may use. */
export const BUDGET = 0.85

const hasKeys = (o: object): boolean => {
  for (const _ in o) return true
  return false
}

/** Merges the results of the parts, in declaration order. */
export const combine = (
  results: ReadonlyArray<Result.Result<Proxy.ProxyResponse, ProxyError>>,
  combiner: Combiner.Combine = Combiner.shallow
): Effect.Effect<Proxy.ProxyResponse, MergeError> => {
  const data: Record<string, unknown> = NullRecord.make()
  const errors: Array<ProxyError> = []
  let headers: Record<string, ReadonlyArray<string>> | undefined
  let successes = 0
  let isComplete = true
  for (const r of results) {
    if (Result.isFailure(r)) {
      errors.push(r.failure)
      isComplete = false
      continue
    }
    const res = r.success
    successes++
    if (!res.isComplete) isComplete = false
    for (const e of res.errors) errors.push(e)
    combiner(data, res.data)
    if (hasKeys(res.metadata.headers)) {
      headers ??= NullRecord.make() as Record<string, ReadonlyArray<string>>
      Object.assign(headers, res.metadata.headers)
    }
  }
  if (successes === 0) return Effect.fail(new MergeError({ errors }))
  return Effect.succeed({ data, isComplete, metadata: { status: 200, headers: headers ?? Proxy.emptyHeaders }, io: undefined, errors })
}

/** The parallel merge of an endpoint's backend stacks. */
export const make = (endpoint: EndpointConfig, parts: ReadonlyArray<Proxy.Proxy>): Proxy.Proxy => {
  const budget = BUDGET * Duration.toMillis(endpoint.timeout)
  const combiner = Combiner.make(endpoint.extra_config.proxy?.combiner)
  const merge = (results: ReadonlyArray<Result.Result<Proxy.ProxyResponse, ProxyError>>) => combine(results, combiner)
  return (req) =>
    Effect.suspend(() => {
      const sub: Proxy.ProxyRequest = { ...req, deadline: Math.min(req.deadline, Date.now() + budget) }
      return Effect.flatMap(
        Effect.all(parts.map((p) => p(sub)), { concurrency: "unbounded", mode: "result" }),
        merge
      )
    })
}
