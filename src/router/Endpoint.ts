/**
 * The handler of one endpoint (lura `router/gin/endpoint.go`): build the `ProxyRequest`, run the
 * endpoint's `Proxy`, render the response with the endpoint's output encoding, the version,
 * `X-Krakend-Completed` and `Cache-Control` headers. Failures go through `ErrorResponse`; a
 * defect is a 500, never a crashed server.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Cookies from "effect/http/Cookies"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Result from "effect/Result"
import type { EndpointConfig } from "../config/Model.ts"
import * as Signer from "../auth/Signer.ts"
import * as Render from "../encoding/Render.ts"
import type { Headers, Proxy, ProxyResponse } from "../proxy/Proxy.ts"
import type { ProxyError } from "../proxy/ProxyError.ts"
import type { ClientIp } from "./ClientIp.ts"
import type { ErrorResponder } from "./ErrorResponse.ts"
import * as Incoming from "./Incoming.ts"
import * as NullRecord from "../NullRecord.ts"

/**
 * What an endpoint stage (the JWT validator) adds to the request it lets through: headers set
 * on the backend request whatever `input_headers` says (a client-sent value of the same name
 * never passes), and params for the `url_pattern` (`JWT.sub`).
 */
export interface Grant {
  readonly headers: Headers
  readonly params: Readonly<Record<string, string>>
}

/** Answers one matched request; `params` are the param values in declaration order. */
export type Handler = (
  request: HttpServerRequest.HttpServerRequest,
  params: ReadonlyArray<string>,
  path: string,
  rawQuery: string,
  grant?: Grant | undefined
) => Effect.Effect<HttpServerResponse.HttpServerResponse>

/** What an endpoint handler is built from. */
export interface Options {
  readonly endpoint: EndpointConfig
  readonly proxy: Proxy
  readonly clientIp: ClientIp
  readonly errors: ErrorResponder
  /** Value of the `X-Krakend` header. */
  readonly versionHeader: string
}

/** Builds the handler once. */
export const make = (options: Options): Handler => {
  const { endpoint, errors, proxy } = options
  const incoming = Incoming.make(endpoint, options.clientIp)
  const render = Render.make(endpoint.output_encoding)
  const ttl = Math.floor(Duration.toSeconds(endpoint.cache_ttl))
  const incomplete = { "x-krakend": options.versionHeader, "x-krakend-completed": "false" }
  const complete: Record<string, string> = { "x-krakend": options.versionHeader, "x-krakend-completed": "true" }
  if (ttl > 0) complete["cache-control"] = `public, max-age=${ttl}`
  const incompleteHead: Render.Head = { headers: incomplete, cookies: Cookies.empty }
  const completeHead: Render.Head = { headers: complete, cookies: Cookies.empty }

  const respond: (res: ProxyResponse, accept?: string) => HttpServerResponse.HttpServerResponse = endpoint.output_encoding === "no-op"
    ? (res) => render(res, Render.withMetadata(res.metadata.headers, incomplete))
    : (res, accept) => {
      if (!Render.hasData(res.data)) return render(res, incompleteHead, accept)
      const headers = res.isComplete ? complete : incomplete
      return Render.hasData(res.metadata.headers)
        ? render(res, Render.withMetadata(res.metadata.headers, headers), accept)
        : render(res, res.isComplete ? completeHead : incompleteHead, accept)
    }
  const negotiate = endpoint.output_encoding === "negotiate"

  // KrakenD logs every error of a request, a multi-error one by one.
  const tag = `[ENDPOINT: ${endpoint.endpoint}]`
  const logErrors = (error: ProxyError): Effect.Effect<void> =>
    error._tag === "MergeError"
      ? Effect.forEach(error.errors, (e) => Effect.logError(tag, e.message), { discard: true })
      : Effect.logError(tag, error.message)
  // a partial answer's errors are logged as warnings, then it is rendered
  const answer = (res: ProxyResponse, accept?: string): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
    res.errors.length === 0
      ? Effect.succeed(respond(res, accept))
      : Effect.map(Effect.forEach(res.errors, (e) => Effect.logWarning(tag, e.message), { discard: true }), () => respond(res, accept))

  const recover = (cause: Cause.Cause<unknown>): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
    const found = Cause.findError(cause)
    if (Result.isSuccess(found)) {
      const error = found.success
      if (Incoming.isBodyError(error)) return Effect.succeed(errors.bodyError(error, incomplete))
      if (isProxyError(error)) return Effect.as(logErrors(error), errors.proxyError(error, incomplete))
    }
    return Effect.as(
      Effect.logError("endpoint defect", Cause.pretty(cause)).pipe(Effect.annotateLogs({ endpoint: endpoint.endpoint })),
      errors.defect(incomplete)
    )
  }

  if (endpoint.extra_config["auth/signer"] !== undefined) return signerHandler(incoming, proxy, logErrors)
  return (request, params, path, rawQuery, grant) =>
    incoming(request, params, path, rawQuery, grant).pipe(
      Effect.flatMap(proxy),
      Effect.flatMap(negotiate ? (res) => answer(res, request.headers["accept"]) : answer),
      Effect.catchCause(recover)
    )
}

const signerFailure = HttpServerResponse.empty({ status: 400, headers: { "content-length": "0" } })

/** The first value of each metadata header (KrakenD's signer copies them). */
const firstValues = (headers: Headers): Record<string, string> => {
  const out: Record<string, string> = NullRecord.make()
  for (const [name, values] of Object.entries(headers)) if (values[0] !== undefined) out[name] = values[0]
  return out
}

/**
 * An `auth/signer` endpoint answers like krakend-jose's `TokenSigner`: always JSON (Go's
 * encoding), the status of the answer, its metadata headers, no `X-Krakend-Completed` or
 * `Cache-Control`; a failure of the pipe or of the signing is 400 with an empty body.
 */
const signerHandler = (
  incoming: Incoming.Incoming,
  proxy: Proxy,
  logErrors: (error: ProxyError) => Effect.Effect<void>
): Handler =>
(request, params, path, rawQuery, grant) =>
  incoming(request, params, path, rawQuery, grant).pipe(
    Effect.flatMap(proxy),
    Effect.map((res) =>
      HttpServerResponse.text(Signer.goJson(res.data), {
        status: res.status ?? res.metadata.status,
        contentType: "application/json; charset=utf-8",
        headers: firstValues(res.metadata.headers)
      })
    ),
    Effect.catchCause((cause) => {
      const found = Cause.findError(cause)
      const error = Result.isSuccess(found) && isProxyError(found.success) ? found.success : undefined
      return Effect.as(error === undefined ? Effect.logError("signer endpoint defect", Cause.pretty(cause)) : logErrors(error), signerFailure)
    })
  )

const proxyTags: ReadonlySet<unknown> = new Set(["BackendError", "MergeError", "ModifierError", "DeadlineError"])

const isProxyError = (u: unknown): u is ProxyError =>
  typeof u === "object" && u !== null && proxyTags.has((u as { readonly _tag?: unknown })._tag)
