/**
 * The one module that maps failures to HTTP answers. The mapping is a `Policy`, a plain function;
 * `krakend` (the default) is KrakenD's: 500 with an empty body, the status of a `BackendError`
 * that exposes it (`backend/http.return_error_code`) or of a `ModifierError`, the message as the
 * body only with `router.return_error_msg`. `gateway` (opt-in, `sluice/errors.status_policy:
 * "gateway"`) answers like a gateway: 502 for a transport or bad backend answer, 504 for a
 * timeout, a backend's own status passed through.
 *
 * @since 0.1.0
 */
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { GatewayConfig } from "../config/Model.ts"
import type { BackendError, ProxyError } from "../proxy/ProxyError.ts"
import type { BodyError } from "./Incoming.ts"

/** What a policy decides for one error. */
export interface ErrorAnswer {
  readonly status: number
  /** `undefined`: empty body. */
  readonly body: string | undefined
  readonly contentType: string | undefined
  readonly headers: Readonly<Record<string, string>> | undefined
}

/** Maps a proxy error to an answer; `returnErrorMsg` is `router.return_error_msg`. */
export type Policy = (error: ProxyError, returnErrorMsg: boolean) => ErrorAnswer

/** `text/plain; charset=utf-8`. */
export const textPlain = "text/plain; charset=utf-8"

const answer = (
  status: number,
  body: string | undefined,
  contentType: string | undefined = undefined,
  headers: Readonly<Record<string, string>> | undefined = undefined
): ErrorAnswer => ({ status, body, contentType, headers })

const validStatus = (status: number | undefined): status is number =>
  status !== undefined && Number.isInteger(status) && status >= 200 && status <= 599

/** KrakenD's mapping (lura `router/gin/endpoint.go` + `ErrorResponseWriter`). */
export const krakend: Policy = (error, returnErrorMsg) => {
  switch (error._tag) {
    case "BackendError":
      if (error.exposeStatus === true && validStatus(error.status)) {
        return answer(error.status, returnErrorMsg ? error.body ?? "" : undefined, error.contentType)
      }
      return answer(500, returnErrorMsg ? error.message : undefined)
    case "ModifierError":
      return answer(
        validStatus(error.status) ? error.status : 500,
        returnErrorMsg ? error.message : undefined,
        error.contentType,
        error.headers
      )
    case "MergeError":
    case "DeadlineError":
      return answer(500, returnErrorMsg ? error.message : undefined)
  }
}

const backendStatus = (error: BackendError): number => {
  switch (error.reason) {
    case "Timeout":
      return 504
    case "Status":
      return validStatus(error.status) ? error.status : 502
    case "InvalidUrl":
    case "Modifier":
      return 500
    case "CircuitOpen":
    case "RateLimited":
      return 503 // the gateway itself held the call back
    default:
      return 502
  }
}

const isTimeout = (e: ProxyError): boolean =>
  e._tag === "DeadlineError" || (e._tag === "BackendError" && e.reason === "Timeout")

/**
 * The gateway-style mapping: `BackendError` → 504 (timeout), the backend's status (a status
 * error, its body with `return_error_msg`), 500 (refused URL, failed martian modifier), 503 (open
 * circuit breaker, proxy rate limit) or 502 (transport, decode, too large); a merge where every part failed → the single part's answer,
 * 504 when all timed out, else 502; `DeadlineError` → 504; `ModifierError` as KrakenD.
 */
export const gateway: Policy = (error, returnErrorMsg) => {
  switch (error._tag) {
    case "BackendError":
      return error.reason === "Status"
        ? answer(backendStatus(error), returnErrorMsg ? error.body ?? "" : undefined, error.contentType)
        : answer(backendStatus(error), returnErrorMsg ? error.message : undefined)
    case "MergeError":
      if (error.errors.length === 1) return gateway(error.errors[0]!, returnErrorMsg)
      if (error.errors.length === 0) return answer(500, returnErrorMsg ? error.message : undefined)
      return answer(error.errors.every(isTimeout) ? 504 : 502, returnErrorMsg ? error.message : undefined)
    case "DeadlineError":
      return answer(504, returnErrorMsg ? error.message : undefined)
    case "ModifierError":
      return krakend(error, returnErrorMsg)
  }
}

/** The policy the config asks for (`sluice/errors.status_policy`), KrakenD's by default. */
export const fromConfig = (config: GatewayConfig): Policy =>
  config.extra_config["sluice/errors"]?.status_policy === "gateway" ? gateway : krakend

/** Options of the error renderer. */
export interface Options {
  readonly returnErrorMsg: boolean
  readonly policy?: Policy | undefined
}

/** Renders failures; `headers` are the router's own (version, `X-Krakend-Completed`). */
export interface ErrorResponder {
  readonly proxyError: (error: ProxyError, headers: Readonly<Record<string, string>>) => HttpServerResponse.HttpServerResponse
  readonly bodyError: (error: BodyError, headers: Readonly<Record<string, string>>) => HttpServerResponse.HttpServerResponse
  /** A defect or an unexpected failure: always a 500 with an empty body. */
  readonly defect: (headers: Readonly<Record<string, string>>) => HttpServerResponse.HttpServerResponse
}

/** Renders an answer. */
export const toResponse = (
  a: ErrorAnswer,
  headers: Readonly<Record<string, string>>
): HttpServerResponse.HttpServerResponse => {
  const all = a.headers === undefined ? headers : { ...a.headers, ...headers }
  return a.body === undefined
    ? HttpServerResponse.empty({ status: a.status, headers: { ...all, "content-length": "0" } })
    : HttpServerResponse.text(a.body, { status: a.status, headers: all, contentType: a.contentType ?? textPlain })
}

/** Builds the renderer once. */
export const make = (options: Options): ErrorResponder => {
  const policy = options.policy ?? krakend
  const returnErrorMsg = options.returnErrorMsg
  return {
    proxyError: (error, headers) => toResponse(policy(error, returnErrorMsg), headers),
    bodyError: (error, headers) =>
      toResponse(
        error.reason === "TooLarge"
          ? answer(413, returnErrorMsg ? "request body too large" : undefined)
          : answer(400, returnErrorMsg ? "cannot read the request body" : undefined),
        headers
      ),
    defect: (headers) => HttpServerResponse.empty({ status: 500, headers: { ...headers, "content-length": "0" } })
  }
}
