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
import { type Headers, identity, type Middleware, type ProxyRequest, type ProxyResponse } from "../proxy/Proxy.ts"
import { ModifierError } from "../proxy/ProxyError.ts"
import * as Budget from "./Budget.ts"
import type { Modifier, Respond } from "./Plugin.ts"
import { isRespond, PluginError } from "./Plugin.ts"

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

/**
 * `headers` as a plugin returned them, checked: a value written as one string (`"v1"` instead of
 * `["v1"]`) is read as that one value; any other value that is not an array of strings is the
 * plugin's error, named (never garbled into `v, 1`). Returns `headers` itself when all is well.
 */
export const checkHeaders = (plugin: string, headers: Headers): Headers | PluginError => {
  let fixed: Record<string, ReadonlyArray<string>> | undefined
  for (const name in headers) {
    const value: unknown = headers[name]
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) continue
    if (typeof value !== "string") {
      return new PluginError({
        reason: "Failed",
        plugin,
        message: `plugin ${plugin} set header ${JSON.stringify(name)} to ${
          Array.isArray(value) ? "an array holding a non-string" : value === null ? "null" : typeof value
        }: a header value is an array of strings`
      })
    }
    fixed ??= { ...headers }
    fixed[name] = [value]
  }
  return fixed ?? headers
}

const failed = (error: PluginError) => Effect.andThen(Budget.log(error), Effect.fail(toModifierError(error)))

const checkedRequest = (plugin: string) => (out: ProxyRequest | Respond): Effect.Effect<ProxyRequest | Respond, ModifierError> => {
  if (isRespond(out)) return Effect.succeed(out)
  const headers = checkHeaders(plugin, out.headers)
  return headers === out.headers ? Effect.succeed(out) : headers instanceof PluginError ? failed(headers) : Effect.succeed({ ...out, headers })
}

const checkedResponse = (plugin: string) => (out: ProxyResponse): Effect.Effect<ProxyResponse, ModifierError> => {
  const headers = checkHeaders(plugin, out.metadata.headers)
  return headers === out.metadata.headers
    ? Effect.succeed(out)
    : headers instanceof PluginError
    ? failed(headers)
    : Effect.succeed({ ...out, metadata: { ...out.metadata, headers } })
}

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
      const check = checkedRequest(plugin.name)
      requests.push((req) => Effect.flatMap(guarded(req.deadline, () => request(req, config)), check))
    }
    if (plugin.response !== undefined) {
      const response = plugin.response.bind(plugin)
      const check = checkedResponse(plugin.name)
      responses.push((res, req) => Effect.flatMap(guarded(req.deadline, () => response(res, req, config)), check))
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
