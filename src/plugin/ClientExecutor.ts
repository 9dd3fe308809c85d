/**
 * A backend executor over an `HttpClient` (the `plugin/http-client` terminator, and the test
 * kit's fake backends). It sends the final `ProxyRequest` (absolute URL, method, filtered
 * headers, body), reads the whole answer and hands it to the usual status handling, decoding and
 * formatting — for `no-op` as a one-chunk stream. Trace propagation is off. Every failure is a
 * typed `BackendError`: `Timeout` past the budget or the request deadline, `Transport` for the
 * client's errors, throws and defects (logged with the plugin's name).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type { HttpMethod } from "effect/http/HttpMethod"
import type { IncomingHttpHeaders } from "node:http"
import { Readable } from "node:stream"
import * as Tracer from "effect/Tracer"
import type { BackendConfig } from "../config/Model.ts"
import { type Executor, hopByHop, type RawResponse } from "../proxy/Executor.ts"
import type { ProxyRequest } from "../proxy/Proxy.ts"
import { BackendError } from "../proxy/ProxyError.ts"
import * as Budget from "./Budget.ts"
import * as BackendName from "../proxy/BackendName.ts"
import * as NullRecord from "../NullRecord.ts"

/**
 * The request a `ProxyRequest` becomes (hop-by-hop headers dropped; a martian Host override as a
 * `Host` header, which the plugin's client may or may not send).
 */
export const toClientRequest = (req: ProxyRequest, url: string): HttpClientRequest.HttpClientRequest => {
  const headers: Record<string, ReadonlyArray<string>> = NullRecord.make()
  for (const name in req.headers) {
    if (!hopByHop.has(name.toLowerCase())) headers[name] = req.headers[name]!
  }
  if (req.host !== undefined) headers["Host"] = [req.host]
  const request = HttpClientRequest.make(req.method as HttpMethod)(url, { headers })
  return req.body !== undefined && req.body.byteLength > 0
    ? HttpClientRequest.bodyUint8Array(request, req.body, headers["Content-Type"]?.[0])
    : request
}

const isBackendError = (u: unknown): u is BackendError =>
  typeof u === "object" && u !== null && (u as { readonly _tag?: unknown })._tag === "BackendError"

/** Builds the executor of `backend` over `client`; `plugin` names it in errors and logs. */
export const make = (client: HttpClient.HttpClient, backend: BackendConfig, plugin: string, budgetMs: number): Executor => {
  const name = BackendName.of(backend)
  const quiet = HttpClient.transform(client, (effect) => Effect.provideService(effect, Tracer.DisablePropagation, true))
  const call = (req: ProxyRequest, url: string): Effect.Effect<RawResponse, BackendError> =>
    quiet.execute(toClientRequest(req, url)).pipe(
      Effect.flatMap((res) =>
        Effect.map(res.arrayBuffer, (buffer): RawResponse => {
          const body = new Uint8Array(buffer)
          const headers: IncomingHttpHeaders = { ...res.headers }
          return backend.encoding === "no-op"
            ? { status: res.status, headers, body: undefined, stream: Readable.from([Buffer.from(body)]), url }
            : { status: res.status, headers, body, stream: undefined, url }
        })
      ),
      Effect.mapError((e) => new BackendError({ reason: "Transport", backend: name, message: `plugin ${plugin}: ${e.message}`, cause: e }))
    )
  const guarded = Budget.guard({
    plugin,
    budgetMs,
    isExpected: isBackendError,
    onError: (error) =>
      new BackendError({
        reason: error.reason === "Timeout" ? "Timeout" : "Transport",
        backend: name,
        message: error.message,
        cause: error
      })
  })
  return (req) => {
    const url = req.url
    if (url === undefined) {
      return Effect.fail(new BackendError({ reason: "InvalidUrl", backend: name, message: "no backend URL was selected" }))
    }
    return guarded(req.deadline, () => call(req, url))
  }
}
