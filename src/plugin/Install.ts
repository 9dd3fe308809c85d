/**
 * Installs the plugins of a config into a gateway being built (`Gateway.makeApp`): takes the
 * `PluginRegistry` from the environment or builds one (first-party plugins, the values passed in
 * code, `plugin.folder`), resolves and builds every plugin use (`Wiring`), provides the
 * resulting `PluginStages` to the pipe factory, and wraps the router with the handler chain and
 * the programmatic middlewares. Without plugin namespaces and middlewares the app is returned
 * as it is.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { ConfigError } from "../config/ConfigError.ts"
import type { BackendConfig, GatewayConfig } from "../config/Model.ts"
import type * as HttpClient from "effect/http/HttpClient"
import type { HttpApp as RouterApp } from "../router/Router.ts"
import * as HandlerChain from "./HandlerChain.ts"
import type { Any, HttpMiddleware } from "./Plugin.ts"
import { PluginStages } from "./PluginStages.ts"
import * as Registry from "./Registry.ts"
import * as Wiring from "./Wiring.ts"

/** Plugin options of a gateway. */
export interface Options {
  /** Plugin values usable by the config's plugin namespaces (besides first-party and folder ones). */
  readonly plugins?: ReadonlyArray<Any> | undefined
  /** Middlewares around the whole app, `middleware[0]` outermost, outside the config's handler plugins. */
  readonly middleware?: ReadonlyArray<HttpMiddleware> | undefined
  /**
   * An `HttpClient` per backend, used as the executor of a backend that has no
   * `plugin/http-client` (`undefined`: the default undici executor). The test kit's fake backends.
   */
  readonly backendClient?: ((backend: BackendConfig) => HttpClient.HttpClient | undefined) | undefined
}

/** The registry from the environment, or one built from the options and the config's folder. */
export const registry = (config: GatewayConfig, options: Options): Effect.Effect<Registry.Registry, ConfigError> =>
  Effect.flatMap(Effect.serviceOption(Registry.PluginRegistry), (found) =>
    Option.isSome(found) ? Effect.succeed(found.value) : Registry.make({ plugins: options.plugins, folder: config.plugin }))

/** Builds the app with `build` (the router over the pipes), plugins installed. */
export const install = <E, R>(
  config: GatewayConfig,
  options: Options,
  build: Effect.Effect<RouterApp, E, R>
): Effect.Effect<RouterApp, E | ConfigError, R | Scope.Scope> =>
  Effect.gen(function*() {
    const wired = yield* Wiring.make(config, yield* registry(config, options), options.backendClient)
    const app = yield* Effect.provideService(build, PluginStages, wired.stages)
    const middleware = options.middleware ?? []
    const handlers: ReadonlyArray<HandlerChain.Built> = [
      ...wired.handlers,
      ...middleware.map((m, i) => ({ plugin: `middleware[${i}]`, middleware: m })).reverse()
    ]
    return yield* HandlerChain.make(app, handlers, {
      budgetMs: wired.handlerBudgetMs,
      returnErrorMsg: config.extra_config.router.return_error_msg
    }).pipe(
      Effect.mapError((e) =>
        new ConfigError({ issues: [{ path: config.extra_config["plugin/http-server"]?.path ?? "$", message: e.message }] })
      )
    )
  })
