/**
 * Typed failures of the proxy pipe. A few tagged classes, each with a `reason` literal; one module
 * (`src/router/ErrorResponse.ts`) maps them to HTTP answers.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/** Why a backend call failed. */
export type BackendErrorReason =
  /** Connection refused, reset, DNS, TLS, truncated body. */
  | "Transport"
  /** The request deadline passed before the backend answered. */
  | "Timeout"
  /** The backend answered with a status that is not a success (200/201 by default). */
  | "Status"
  /** The body could not be decoded with the backend `encoding`. */
  | "Decode"
  /** The body exceeded the configured maximum response size. */
  | "TooLarge"
  /** The built URL was rejected (origin or path prefix changed, control characters). */
  | "InvalidUrl"
  /** A `modifier/martian` modifier failed on the request or on the raw answer. */
  | "Modifier"
  /** `qos/ratelimit/proxy` refused the call (`rate limit exceded`). */
  | "RateLimited"
  /** `qos/circuit-breaker` is open or probing (`circuit breaker is open`, `too many requests`). */
  | "CircuitOpen"

/**
 * A backend call failed. `status`/`body`/`contentType` are set for `Status` failures;
 * `exposeStatus` is true when `backend/http.return_error_code` asks to pass the status on.
 *
 * @example
 * ```ts
 * const error = new BackendError({ reason: "Status", backend: "GET /users/{id}", message: "backend answered 503", status: 503 })
 * const retriable = (e: BackendError) => e.reason === "Transport" || e.reason === "Timeout"
 * ```
 */
export class BackendError extends Data.TaggedError("BackendError")<{
  readonly reason: BackendErrorReason
  /** `METHOD url_pattern` of the backend, for logs and messages. */
  readonly backend: string
  readonly message: string
  readonly status?: number | undefined
  readonly body?: string | undefined
  readonly contentType?: string | undefined
  readonly exposeStatus?: boolean | undefined
  readonly cause?: unknown
}> {}

/**
 * Every backend of an endpoint failed; `errors` are in declaration order.
 *
 * @example
 * ```ts
 * const failedBackends = (e: MergeError) => e.errors.flatMap((part) => (part._tag === "BackendError" ? [part.backend] : []))
 * ```
 */
export class MergeError extends Data.TaggedError("MergeError")<{
  readonly errors: ReadonlyArray<ProxyError>
}> {
  override get message(): string {
    return this.errors.map((e) => e.message).join("\n")
  }
}

/**
 * The answer a failure asks for: its message (the body with `router.return_error_msg`), status,
 * content type and extra headers. Shared by `ModifierError` and the plugin contract's `PluginError`.
 *
 * @example
 * ```ts
 * const answer: ErrorAnswerFields = { message: "no tenant", status: 400 }
 * ```
 */
export interface ErrorAnswerFields {
  readonly message: string
  readonly status?: number | undefined
  readonly contentType?: string | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly cause?: unknown
}

/**
 * A failure raised by a stage or a plugin that wants a specific answer (status, body, content
 * type and headers). With `router.return_error_msg` the message is the body.
 *
 * @example
 * ```ts
 * Effect.fail(new ModifierError({ message: "no tenant", status: 400, contentType: "text/plain", headers: { "X-Why": "tenant" } }))
 * ```
 */
export class ModifierError extends Data.TaggedError("ModifierError")<ErrorAnswerFields> {}

/**
 * The endpoint deadline passed (KrakenD answers 500, gateway-style mode 504).
 *
 * @example
 * ```ts
 * Effect.fail(new DeadlineError({ message: "GET /users: the endpoint timeout (3s) passed" }))
 * ```
 */
export class DeadlineError extends Data.TaggedError("DeadlineError")<{
  readonly message: string
}> {}

/**
 * Any failure of the proxy pipe.
 *
 * @example
 * ```ts
 * const describe = (e: ProxyError): string =>
 *   e._tag === "BackendError" ? `${e.backend}: ${e.reason}` : e._tag === "MergeError" ? `${e.errors.length} backends failed` : e.message
 * ```
 */
export type ProxyError = BackendError | MergeError | ModifierError | DeadlineError
