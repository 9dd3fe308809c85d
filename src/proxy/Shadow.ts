/**
 * Shadow backends (Lura's `proxy/shadow.go`, backend `proxy.shadow: true`): they are removed from
 * the endpoint's real backends and get a pipe of their own, called on a detached fiber with the
 * same (immutable) request and a deadline of its own: the largest `shadow_timeout` of the shadow
 * backends, or the endpoint timeout. Their answers and errors are discarded and the client's
 * answer never waits for them. An endpoint whose backends are all shadows answers 500.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { BackendConfig, EndpointConfig } from "../config/Model.ts"
import type * as Proxy from "./Proxy.ts"
import { MergeError } from "./ProxyError.ts"

/** The shadow part of an endpoint. */
export interface ShadowPart {
  /** The endpoint holding only the shadow backends. */
  readonly endpoint: EndpointConfig
  /** Deadline of a shadow call, in milliseconds. */
  readonly timeout: number
}

/** The endpoint's real backends (`undefined` when all are shadows) and its shadow part. */
export interface Split {
  readonly main: EndpointConfig | undefined
  readonly shadow: ShadowPart | undefined
}

const nonEmpty = (bs: ReadonlyArray<BackendConfig>): EndpointConfig["backend"] | undefined =>
  bs.length === 0 ? undefined : (bs as EndpointConfig["backend"])

/** Splits the shadow backends off. */
export const split = (endpoint: EndpointConfig): Split => {
  const shadows = endpoint.backend.filter((b) => b.extra_config.proxy?.shadow === true)
  if (shadows.length === 0) return { main: endpoint, shadow: undefined }
  const mainBackends = nonEmpty(endpoint.backend.filter((b) => b.extra_config.proxy?.shadow !== true))
  const timeout = Math.max(
    ...shadows.map((b) => Duration.toMillis(b.extra_config.proxy?.shadow_timeout ?? endpoint.timeout))
  )
  return {
    main: mainBackends === undefined ? undefined : { ...endpoint, backend: mainBackends },
    shadow: { endpoint: { ...endpoint, backend: shadows as unknown as EndpointConfig["backend"] }, timeout }
  }
}

/** The proxy of an endpoint without real backends: always a 500. */
export const noBackend: Proxy.Proxy = () => Effect.fail(new MergeError({ errors: [] }))

/** Calls `shadow` on a detached fiber before `next`. */
export const make = (shadow: Proxy.Proxy, timeout: number): Proxy.Middleware => (next) => (req) =>
  Effect.flatMap(
    Effect.forkDetach(Effect.ignore(Effect.suspend(() => shadow({ ...req, deadline: Date.now() + timeout })))),
    () => next(req)
  )
