/**
 * The endpoint chain: the ONLY place where the order of the endpoint-level stages is written
 * (KrakenD CE `handler_factory.go`). Outer → inner:
 *
 *   bot detector → JWT validator → [endpoint Lua: later] → router rate limit → endpoint handler
 *
 * So a bot is refused before its token is checked, and a request refused with 401/403 is never
 * counted by the rate limit (whose `header` strategy sees the validator's propagated headers).
 * Stages that need effects to build (key sources) are built by `build` when the gateway starts;
 * a stage the endpoint does not configure is absent and costs nothing.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Scope from "effect/Scope"
import * as Validator from "../auth/Validator.ts"
import type { ConfigError } from "../config/ConfigError.ts"
import type { EndpointConfig } from "../config/Model.ts"
import * as RateLimit from "../qos/RateLimit.ts"
import * as BotDetector from "../security/BotDetector.ts"
import type { ClientIp } from "./ClientIp.ts"
import type { Handler } from "./Endpoint.ts"

/** A stage around the endpoint handler. */
export type Wrap = (handler: Handler) => Handler

/** The stages of one endpoint that are built with effects, when the gateway starts. */
export interface Built {
  /** `auth/validator`. */
  readonly validator?: Wrap | undefined
}

/** What the effectful stages share across endpoints (JWK key sources). */
export interface Shared {
  readonly keys: Validator.Sources
}

/** A fresh `Shared` for one gateway build. */
export const shared = (): Shared => ({ keys: Validator.sources() })

/** Builds the effectful stages of an endpoint. */
export const build = (endpoint: EndpointConfig, common: Shared): Effect.Effect<Built, ConfigError, Scope.Scope> =>
  Effect.map(Validator.make(endpoint, common.keys), (validator) => ({ validator }))

/** KrakenD's answer to a bot: 403, empty body. */
export const forbidden = HttpServerResponse.empty({ status: 403, headers: { "content-length": "0" } })

/** The handler behind the endpoint's bot detector, or the handler itself when none is configured. */
const guarded = (isBot: BotDetector.IsBot | undefined): Wrap => (handler) =>
  isBot === undefined
    ? handler
    : (request, params, path, rawQuery, grant) =>
      isBot(request.headers["user-agent"]) ? Effect.succeed(forbidden) : handler(request, params, path, rawQuery, grant)

const identity: Wrap = (handler) => handler

/** What the chain of one endpoint is made of. */
export interface Options {
  readonly endpoint: EndpointConfig
  readonly built: Built | undefined
  readonly clientIp: ClientIp
  /** The router's headers of a failed answer (`X-Krakend`, `X-Krakend-Completed: false`). */
  readonly failHeaders: Readonly<Record<string, string>>
}

/** The endpoint handler wrapped in its stages, outer → inner as in the list below. */
export const make = (options: Options, handler: Handler): Handler => {
  const { endpoint } = options
  const stages: ReadonlyArray<Wrap> = [
    guarded(BotDetector.fromConfig(endpoint.extra_config["security/bot-detector"])),
    options.built?.validator ?? identity,
    RateLimit.wrap({ endpoint, clientIp: options.clientIp, headers: options.failHeaders })
  ]
  return stages.reduceRight<Handler>((inner, stage) => stage(inner), handler)
}
