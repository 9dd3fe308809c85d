/**
 * The `plugin/req-resp-modifier` stage, at endpoint level (around the merge) or backend level
 * (after host selection, around the rest of the backend's stack). Request modifiers run in
 * declared order, each getting the previous one's request; one may short-circuit with a
 * `Respond`, which skips everything inside the stage (and this stage's response modifiers).
 * Then response modifiers run in declared order with the response and the final request. Each
 * call is guarded by `Budget.guard`: a `ModifierError` passes through, anything else becomes a
 * logged `ModifierError` (500) caused by the `PluginError`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { identity, type Middleware, type ProxyRequest, type ProxyResponse } from "../proxy/Proxy.ts"
import { ModifierError } from "../proxy/ProxyError.ts"
import * as Budget from "./Budget.ts"
import type { Modifier, PluginError, Respond } from "./Plugin.ts"
import { isRespond } from "./Plugin.ts"

/** A modifier with its decoded settings. */
export interface Resolved {
  readonly plugin: Modifier
  readonly config: unknown
}

const isModifierError = (u: unknown): u is ModifierError =>
  typeof u === "object" && u !== null && (u as { readonly _tag?: unknown })._tag === "ModifierError"

/** A plugin failure as the pipe's typed error (status 500 unless the `PluginError` sets one). */
export const toModifierError = (error: PluginError): ModifierError =>
  new ModifierError({
    message: error.message,
    status: error.status ?? 500,
    contentType: error.contentType,
    headers: error.headers,
    cause: error
  })

type RequestStep = (req: ProxyRequest) => Effect.Effect<ProxyRequest | Respond, ModifierError>
type ResponseStep = (res: ProxyResponse, req: ProxyRequest) => Effect.Effect<ProxyResponse, ModifierError>

/** Builds the stage; the identity when no modifier has a request or response side. */
export const make = (modifiers: ReadonlyArray<Resolved>, budgetMs: number): Middleware => {
  const requests: Array<RequestStep> = []
  const responses: Array<ResponseStep> = []
  for (const { config, plugin } of modifiers) {
    const guarded = Budget.guard({ plugin: plugin.name, budgetMs, isExpected: isModifierError, onError: toModifierError })
    if (plugin.request !== undefined) {
      const request = plugin.request.bind(plugin)
      requests.push((req) => guarded(req.deadline, () => request(req, config)))
    }
    if (plugin.response !== undefined) {
      const response = plugin.response.bind(plugin)
      responses.push((res, req) => guarded(req.deadline, () => response(res, req, config)))
    }
  }
  if (requests.length === 0 && responses.length === 0) return identity

  const runRequests = (i: number, req: ProxyRequest): Effect.Effect<ProxyRequest | Respond, ModifierError> =>
    i === requests.length
      ? Effect.succeed(req)
      : Effect.flatMap(requests[i]!(req), (out) => (isRespond(out) ? Effect.succeed(out) : runRequests(i + 1, out)))
  const runResponses = (i: number, res: ProxyResponse, req: ProxyRequest): Effect.Effect<ProxyResponse, ModifierError> =>
    i === responses.length ? Effect.succeed(res) : Effect.flatMap(responses[i]!(res, req), (out) => runResponses(i + 1, out, req))

  return (next) => {
    const inner = responses.length === 0
      ? next
      : (req: ProxyRequest) => Effect.flatMap(next(req), (res) => runResponses(0, res, req))
    if (requests.length === 0) return inner
    return (req) => Effect.flatMap(runRequests(0, req), (out) => (isRespond(out) ? Effect.succeed(out.response) : inner(out)))
  }
}
