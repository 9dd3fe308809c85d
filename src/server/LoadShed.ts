/**
 * Load shedding (RELIABILITY.md G6): at most `sluice/server.max_concurrent_requests` requests are
 * served at once by one process; the next ones are answered `503` with `Retry-After` at once
 * instead of queueing without bound. The health path is never shed (a busy gateway is alive; a
 * liveness probe must not restart it). Not configured, it is the identity (no per-request cost).
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Context from "effect/Context"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { GatewayConfig } from "../config/Model.ts"
import type { HttpApp } from "../router/Router.ts"

/** Options of the shedder. */
export interface Options {
  /** Requests served at once. */
  readonly maxConcurrent: number
  /** `Retry-After` of a shed request, in whole seconds. */
  readonly retryAfterSeconds: number
  /** Paths never shed (the health path). */
  readonly exempt?: ReadonlyArray<string> | undefined
}

/** The paths no limit applies to: the health path, unless disabled. */
export const healthPaths = (config: GatewayConfig): ReadonlyArray<string> =>
  config.extra_config.router.disable_health ? [] : [config.extra_config.router.health_path]

/** Whether a request URL (path and query) is one of `paths`. */
export const exemptMatcher = (paths: ReadonlyArray<string>): (url: string) => boolean => {
  const exempt = new Set(paths)
  return (url) => {
    if (exempt.size === 0) return false
    const q = url.indexOf("?")
    return exempt.has(q === -1 ? url : url.slice(0, q))
  }
}

/** The shedder's options from `sluice/server`, or `undefined` when no limit is configured. */
export const optionsFromConfig = (config: GatewayConfig): Options | undefined => {
  const server = config.extra_config["sluice/server"]
  if (server?.max_concurrent_requests === undefined) return undefined
  return {
    maxConcurrent: server.max_concurrent_requests,
    retryAfterSeconds: Math.max(1, Math.ceil(Duration.toSeconds(server.retry_after))),
    exempt: healthPaths(config)
  }
}

/**
 * Wraps an app with a concurrency limit. The counter is a plain number: the app runs on one
 * event loop, and the slot is released when the request fiber ends, however it ends.
 */
export const make = (options: Options) => (app: HttpApp): HttpApp => {
  const { maxConcurrent } = options
  const headers = { "retry-after": String(options.retryAfterSeconds), "content-length": "0" }
  let active = 0
  const release = Effect.sync(() => {
    active--
  })
  const isExempt = exemptMatcher(options.exempt ?? [])
  return Effect.withFiber((fiber) => {
    if (active >= maxConcurrent) {
      const request = Context.getUnsafe(fiber.context, HttpServerRequest.HttpServerRequest)
      if (isExempt(request.url)) return app
      return Effect.succeed(HttpServerResponse.empty({ status: 503, headers }))
    }
    active++
    return Effect.ensuring(app, release)
  })
}

/** The shedder of a config: the identity when `sluice/server.max_concurrent_requests` is unset. */
export const fromConfig = (config: GatewayConfig): (app: HttpApp) => HttpApp => {
  const options = optionsFromConfig(config)
  return options === undefined ? (app) => app : make(options)
}
