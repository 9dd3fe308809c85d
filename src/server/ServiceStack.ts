/**
 * The service chain: the ONLY place where the order of the service-level wrappers is written
 * (KrakenD CE `router_engine.go`, AUTH-TLS.md §0.1). Outer → inner:
 *
 *   [TLS listener: `Server.ts`] → [telemetry global layer] → CORS → handler plugins → access log → security/http → load shedding
 *   (`sluice/server.max_concurrent_requests`) → service Lua (`modifier/lua-endpoint`) → service rate limit in
 *   Redis (`qos/ratelimit/service/redis`) → router (service bot
 *   detector, then the endpoints' own chains, `EndpointStack.ts`)
 *
 * So a CORS preflight is answered before any plugin, and security headers are on every routed
 * answer (404s and shed 503s included) but not on what a handler plugin answers by itself. A wrapper the config
 * does not ask for is the identity.
 *
 * @since 0.2.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { ConfigError } from "../config/ConfigError.ts"
import * as LuaRouter from "../scripting/lua/RouterStage.ts"
import * as LuaRunner from "../scripting/lua/Runner.ts"
import * as RedisRateLimit from "../qos/RedisRateLimit.ts"
import * as ClientIp from "../router/ClientIp.ts"
import type { GatewayConfig } from "../config/Model.ts"
import * as PluginInstall from "../plugin/Install.ts"
import * as AccessLog from "../router/AccessLog.ts"
import type { HttpApp } from "../router/Router.ts"
import * as Cors from "../security/Cors.ts"
import * as HttpSecure from "../security/HttpSecure.ts"
import * as ServerLayer from "../telemetry/ServerLayer.ts"
import { TelemetryRuntime } from "../telemetry/Telemetry.ts"
import * as LoadShed from "./LoadShed.ts"

/** `qos/ratelimit/service/redis`: every request counted in Redis (refused at once without its connection). */
const serviceLimit = (config: GatewayConfig, redis: RedisRateLimit.Connections | undefined): ReadonlyArray<(app: HttpApp) => HttpApp> => {
  if (config.extra_config["qos/ratelimit/service/redis"] === undefined) return []
  return [RedisRateLimit.service(config, redis ?? new Map(), ClientIp.make(config.extra_config.router))]
}

const serviceLua = (config: GatewayConfig): Effect.Effect<((app: HttpApp) => HttpApp) | undefined, ConfigError, Scope.Scope> => {
  const lua = config.extra_config["modifier/lua-endpoint"]
  return lua === undefined ? Effect.undefined : LuaRouter.service(lua, LuaRunner.bounds(config), Duration.toMillis(config.timeout))
}

/** Wraps the router (built by `router`) in the service chain of `config`. */
export const make = <E, R>(
  config: GatewayConfig,
  options: PluginInstall.Options & {
    readonly accessLog?: boolean | undefined
    readonly debug?: boolean | undefined
    /** The Redis connections of `qos/ratelimit/service/redis`. */
    readonly redis?: RedisRateLimit.Connections | undefined
  },
  router: Effect.Effect<HttpApp, E, R>
): Effect.Effect<HttpApp, E | ConfigError, R | Scope.Scope> =>
  Effect.flatMap(Effect.zip(TelemetryRuntime, serviceLua(config)), ([telemetry, lua]) => {
    const inner = [
      AccessLog.stage(config, options.accessLog ?? options.debug ?? false),
      HttpSecure.fromConfig(config),
      LoadShed.fromConfig(config),
      ...(lua === undefined ? [] : [lua]),
      ...serviceLimit(config, options.redis)
    ]
    const outer = [
      ...(telemetry === undefined ? [] : [ServerLayer.make(telemetry, config.tls === undefined ? "http" : "https")]),
      Cors.fromConfig(config)
    ]
    const wrap = (stages: ReadonlyArray<(app: HttpApp) => HttpApp>) => (app: HttpApp) =>
      stages.reduceRight((wrapped, stage) => stage(wrapped), app)
    return Effect.map(PluginInstall.install(config, options, Effect.map(router, wrap(inner))), wrap(outer))
  })
