/**
 * The endpoint chain: the ONLY place where the order of the endpoint-level stages is written
 * (KrakenD CE `handler_factory.go`). Outer → inner:
 *
 *   bot detector → JWT validator → API keys → endpoint Lua (`modifier/lua-endpoint`) → router rate limit
 *   (in memory) → router rate limit in Redis (`qos/ratelimit/router/redis`) → endpoint handler
 *
 * So a bot is refused before its token is checked, and a request refused with 401/403 is never
 * counted by the rate limit (whose `header` strategy sees the validator's propagated headers and
 * the headers a Lua script set).
 * Stages that need effects to build (key sources) are built by `build` when the gateway starts;
 * a stage the endpoint does not configure is absent and costs nothing.
 *
 * @since 0.2.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Scope from "effect/Scope"
import * as ApiKeys from "../auth/ApiKeys.ts"
import * as Revoker from "../auth/Revoker.ts"
import * as Validator from "../auth/Validator.ts"
import type { ConfigError } from "../config/ConfigError.ts"
import type { EndpointConfig, GatewayConfig } from "../config/Model.ts"
import * as RateLimit from "../qos/RateLimit.ts"
import * as RedisRateLimit from "../qos/RedisRateLimit.ts"
import * as LuaRouter from "../scripting/lua/RouterStage.ts"
import * as LuaRunner from "../scripting/lua/Runner.ts"
import * as BotDetector from "../security/BotDetector.ts"
import type { ClientIp } from "./ClientIp.ts"
import type { Handler } from "./Endpoint.ts"

/** A stage around the endpoint handler. */
export type Wrap = (handler: Handler) => Handler

/** The stages of one endpoint that are built when the gateway starts (with effects, or from the service config). */
export interface Built {
  /** `auth/validator`. */
  readonly validator?: Wrap | undefined
  /** `auth/api-keys`. */
  readonly apiKeys?: Wrap | undefined
  /** `modifier/lua-endpoint`. */
  readonly lua?: Wrap | undefined
  /** The Redis connections (`qos/ratelimit/router/redis`). */
  readonly redis?: RedisRateLimit.Connections | undefined
}

/** What the stages share across endpoints (JWK key sources, the revoker, the service config). */
export interface Shared {
  readonly config: GatewayConfig
  readonly keys: Validator.Sources
  readonly revoker: Revoker.Revoker | undefined
  /** The Redis connections of Redis rate limits. */
  readonly redis: RedisRateLimit.Connections
}

/** The shared parts of one gateway build (the revoker listens or joins its cluster's primary). */
export const shared = (config: GatewayConfig): Effect.Effect<Shared, ConfigError, Scope.Scope> =>
  Effect.zipWith(
    Revoker.fromConfig(config.extra_config["auth/revoker"]),
    RedisRateLimit.connect(config),
    (revoker, redis) => ({ config, keys: Validator.sources(), revoker, redis })
  )

/** Builds the stages of an endpoint that need more than its own config. */
export const build = (endpoint: EndpointConfig, common: Shared): Effect.Effect<Built, ConfigError, Scope.Scope> => {
  const lua = endpoint.extra_config["modifier/lua-endpoint"]
  return Effect.zipWith(
    Validator.make(endpoint, common.keys, common.revoker),
    lua === undefined ? Effect.undefined : LuaRouter.endpoint(lua, endpoint.endpoint, LuaRunner.bounds(common.config), Duration.toMillis(endpoint.timeout)),
    (validator, luaStage) => ({ validator, apiKeys: ApiKeys.make(common.config, endpoint), lua: luaStage, redis: common.redis })
  )
}

/** KrakenD's answer to a bot: 403, empty body. */
export const forbidden = HttpServerResponse.empty({ status: 403, headers: { "content-length": "0" } })

/** The handler behind the endpoint's bot detector, or the handler itself when none is configured. */
const guarded = (isBot: BotDetector.IsBot | undefined): Wrap => (handler) =>
  isBot === undefined
    ? handler
    : (request, params, path, rawQuery, grant) =>
      isBot(request.headers["user-agent"]) ? Effect.succeed(forbidden) : handler(request, params, path, rawQuery, grant)

const identity: Wrap = (handler) => handler

/** `qos/ratelimit/router/redis`: the endpoint's buckets in Redis. */
const redisLimit = (options: Options): Wrap => {
  const limit = options.endpoint.extra_config["qos/ratelimit/router/redis"]
  if (limit === undefined) return identity
  // without the built connections the limit refuses everything (never more open than the config)
  const connections = options.built?.redis ?? new Map()
  return RedisRateLimit.endpoint({ limit, connections, endpoint: options.endpoint, clientIp: options.clientIp, headers: options.failHeaders })
}

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
    options.built?.apiKeys ?? identity,
    options.built?.lua ?? identity,
    RateLimit.wrap({ endpoint, clientIp: options.clientIp, headers: options.failHeaders }),
    redisLimit(options)
  ]
  return stages.reduceRight<Handler>((inner, stage) => stage(inner), handler)
}
