/**
 * A gateway built from a `GatewayConfig`: one proxy pipe per endpoint, the router around them,
 * served by any `HttpServer` (the bundled Node server, a test server, or your own).
 * `make` builds the config from TypeScript (`Endpoint`, `Backend`), `app` mounts it in your app.
 *
 * @example
 * ```ts
 * const config = yield* Gateway.make({ endpoints: [Endpoint.get("/ping", [Backend.http("http://api:8080", "/ping")])] })
 * yield* Layer.launch(Gateway.layer(config).pipe(Layer.provide(Gateway.nodeServer(config))))
 * ```
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as ByteSize from "effect/ByteSize"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import * as HttpServer from "effect/http/HttpServer"
import type { ConfigError } from "./config/ConfigError.ts"
import type { GatewayConfig } from "./config/Model.ts"
import * as PluginInstall from "./plugin/Install.ts"
import * as Factory from "./proxy/Factory.ts"
import * as Transport from "./proxy/Transport.ts"
import * as EndpointStack from "./router/EndpointStack.ts"
import * as Router from "./router/Router.ts"
import * as Readiness from "./server/Readiness.ts"
import * as Server from "./server/Server.ts"
import * as ServiceStack from "./server/ServiceStack.ts"
import * as Telemetry from "./telemetry/Telemetry.ts"

/**
 * Options of a gateway that are not part of its config. `plugins`: plugin values the config's
 * plugin namespaces may name (besides the first-party ones and `plugin.folder`); `middleware`:
 * functions around the whole app, `middleware[0]` outermost (see `src/plugin/Plugin.ts`).
 *
 * @example
 * ```ts
 * const options: Gateway.Options = { plugins: [myModifier], maxBodySize: 1024 * 1024 }
 * ```
 */
export interface Options extends PluginInstall.Options {
  /** Enable `/__debug/*` (the `-d` flag). */
  readonly debug?: boolean | undefined
  /**
   * KrakenD's access log, a gin line per request on stdout (`sluice run` turns it on; off with
   * `router.disable_access_log`). Default: the value of `debug`.
   */
  readonly accessLog?: boolean | undefined
  /** Largest request body accepted, in bytes (default 10 MiB); larger ones get 413. */
  readonly maxBodySize?: number | undefined
}

/**
 * Builds the HTTP app of a gateway. Pipes are built once here; the app needs no services per
 * request.
 *
 * @example
 * ```ts
 * const app = yield* Gateway.makeApp(config)
 * ```
 */
export const makeApp = (
  config: GatewayConfig,
  options: Options = {}
): Effect.Effect<Router.HttpApp, ConfigError, Transport.Transport | Scope.Scope> =>
  Effect.flatMap(Effect.zip(Telemetry.make(config), Effect.service(Readiness.Readiness)), ([telemetry, readiness]) =>
    Effect.flatMap(EndpointStack.shared(config), (shared) =>
      ServiceStack.make(
        config,
        { ...options, redis: shared.redis },
        Effect.zipWith(
          Effect.forEach(config.endpoints, (endpoint) => Factory.makeEndpointProxy(endpoint, config)),
          Effect.forEach(config.endpoints, (endpoint) => EndpointStack.build(endpoint, shared)),
          (proxies, stages) => Router.make({
            config,
            proxies,
            stages,
            debug: options.debug ?? false,
            draining: readiness.draining,
            telemetry: telemetry !== undefined
          })
        )
      )).pipe(Effect.provideService(Telemetry.TelemetryRuntime, telemetry)))

/**
 * The gateway served on the `HttpServer` provided to it, with its own backend transport.
 *
 * @example
 * ```ts
 * Gateway.layer(config).pipe(Layer.provide(Gateway.nodeServer(config)), Layer.launch)
 * ```
 */
export const layer = (config: GatewayConfig, options: Options = {}): Layer.Layer<never, ConfigError, HttpServer.HttpServer> =>
  Layer.effectDiscard(Effect.gen(function*() {
    const app = yield* makeApp(config, options)
    yield* HttpServer.serveEffect(serveable(app))
    // Runs before the server's own finalizer closes the listener (finalizers run last-in first-out).
    const delay = config.extra_config["sluice/server"]?.shutdown_delay
    const readiness = yield* Readiness.Readiness
    yield* Effect.addFinalizer(() =>
      Effect.andThen(
        Effect.sync(readiness.beginDrain),
        delay === undefined || Duration.isZero(delay) ? Effect.void : Effect.sleep(delay)
      )
    )
  })).pipe(
    Layer.provide(Transport.layer(Transport.optionsFromConfig(config))),
    Layer.provide(Layer.succeed(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBodySize(config, options))))
  )

/** The request body limit: the option, else `sluice/server.max_body_size`, else 10 MiB. */
const maxBodySize = (config: GatewayConfig, options: Options): number =>
  options.maxBodySize ?? config.extra_config["sluice/server"]?.max_body_size ?? defaultMaxBodySize

/**
 * Default limit of a request body (bigger bodies get 413).
 *
 * @example
 * ```ts
 * Gateway.layer(config, { maxBodySize: 2 * Gateway.defaultMaxBodySize })
 * ```
 */
export const defaultMaxBodySize = 10 * 1024 * 1024

/**
 * Request fibers start uninterruptible in `NodeHttpServer`; a gateway's must be interruptible so
 * that a client disconnect (or a drain deadline) aborts the backend calls of that request.
 *
 * @example
 * ```ts
 * HttpServer.serve(Gateway.serveable(app))
 * ```
 */
export const serveable = (app: Router.HttpApp): Router.HttpApp => Effect.interruptible(app)

/**
 * The bundled Node server for a config (port and listen address overridable).
 *
 * @example
 * ```ts
 * Gateway.layer(config).pipe(Layer.provide(Gateway.nodeServer(config, { port: 9000, host: "127.0.0.1" })))
 * ```
 */
export const nodeServer = (
  config: GatewayConfig,
  overrides: { readonly port?: number | undefined; readonly host?: string | undefined } = {}
) => Server.layerFromConfig(config, overrides)

/**
 * The gateway's HTTP app with its own backend transport (closed with the scope), ready to mount
 * in your own Effect HTTP app: as a route of your `HttpRouter`, as its fallback, or under a
 * prefix. Unlike `makeApp` it needs only a `Scope`.
 *
 * @example
 * ```ts
 * const gateway = yield* Gateway.app(config)
 * yield* router.add("*", "/*", gateway)
 * ```
 */
export const app = (config: GatewayConfig, options: Options = {}): Effect.Effect<Router.HttpApp, ConfigError, Scope.Scope> =>
  Effect.flatMap(Transport.make(Transport.optionsFromConfig(config)), (transport) =>
    Effect.map(makeApp(config, options).pipe(Effect.provideService(Transport.Transport, transport)), (app) => {
      // The same limits as `layer`: body size and load shedding travel with the app.
      const limit = ByteSize.bytes(maxBodySize(config, options))
      return serveable(Effect.provideService(app, HttpIncomingMessage.MaxBodySize, limit))
    }))

/** The TypeScript builder: `Gateway.make(spec)` decodes a gateway written with `Endpoint` and `Backend`. */
export { json, make, type Spec } from "./builder/GatewaySpec.ts"
