/**
 * The `plugin/http-server` chain: handler plugins folded over the whole HTTP app, before
 * routing, so they see every request (404s and `/__health` included). Config order follows
 * KrakenD: with `name: ["a", "b"]` each name wraps what is before it, giving `b(a(router))` —
 * the LAST name is outermost. Each layer catches every cause of its own plugin (throw, defect,
 * typed failure) and answers it (`PluginError.status`, default 500, with its headers; the
 * message as the body only with `router.return_error_msg`), so an inner plugin's failure never
 * reaches an outer one as a failure. One time budget bounds the whole chain per request.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as ErrorResponse from "../router/ErrorResponse.ts"
import type { HttpApp as RouterApp } from "../router/Router.ts"
import * as Budget from "./Budget.ts"
import { type HttpApp, type HttpMiddleware, PluginError } from "./Plugin.ts"

/** A built handler plugin. */
export interface Built {
  readonly plugin: string
  readonly middleware: HttpMiddleware
}

/** Options of the chain. */
export interface Options {
  /** Budget of one request through the whole chain, in ms. */
  readonly budgetMs: number
  /** `router.return_error_msg`. */
  readonly returnErrorMsg: boolean
}

/** The answer to a plugin failure. */
export const render = (error: PluginError, returnErrorMsg: boolean): HttpServerResponse.HttpServerResponse =>
  ErrorResponse.toResponse(
    {
      status: error.status !== undefined && Number.isInteger(error.status) && error.status >= 200 && error.status <= 599 ? error.status : 500,
      body: returnErrorMsg ? error.message : undefined,
      contentType: error.contentType,
      headers: error.headers
    },
    {}
  )

const recover = (plugin: string, returnErrorMsg: boolean) =>
  (cause: Cause.Cause<unknown>): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
    if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
    const error = Budget.toPluginError(plugin, cause)
    return Effect.as(Budget.log(error, cause), render(error, returnErrorMsg))
  }

/**
 * Wraps `app` with `handlers` given in config order (the last is outermost). Calling a
 * plugin's middleware happens here, once; a throw then fails the start.
 */
export const make = (
  app: RouterApp,
  handlers: ReadonlyArray<Built>,
  options: Options
): Effect.Effect<RouterApp, PluginError> => {
  if (handlers.length === 0) return Effect.succeed(app)
  const { budgetMs, returnErrorMsg } = options
  return Effect.map(
    Effect.try({
      try: () =>
        handlers.reduce<HttpApp>(
          (inner, h) => Effect.catchCause(h.middleware(inner), recover(h.plugin, returnErrorMsg)),
          app
        ),
      catch: (e) =>
        new PluginError({
          reason: "Build",
          plugin: "plugin/http-server",
          message: `a handler plugin threw while wrapping the app: ${String(e)}`,
          cause: e
        })
    }),
    (chain) => {
      const names = handlers.map((h) => h.plugin).join(", ")
      const timeout = new PluginError({
        reason: "Timeout",
        plugin: names,
        message: `http-server plugins [${names}] did not answer within their budget of ${budgetMs}ms`
      })
      return Budget.within(chain as RouterApp, budgetMs, () => Effect.as(Budget.log(timeout), render(timeout, returnErrorMsg)))
    }
  )
}
