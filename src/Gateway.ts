/**
 * A gateway built from a `GatewayConfig`: one proxy pipe per endpoint, the router around them,
 * served by any `HttpServer` (the bundled Node server, a test server, or your own).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as HttpServer from "effect/http/HttpServer"
import type { GatewayConfig } from "./config/Model.ts"
import * as Factory from "./proxy/Factory.ts"
import * as Transport from "./proxy/Transport.ts"
import * as Router from "./router/Router.ts"
import * as Server from "./server/Server.ts"

/** Options of a gateway that are not part of its config. */
export interface Options {
  /** Enable `/__debug/*` and the access log (the `-d` flag). */
  readonly debug?: boolean | undefined
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
): Effect.Effect<Router.HttpApp, never, Transport.Transport | Scope.Scope> =>
  Effect.map(
    Effect.forEach(config.endpoints, (endpoint) => Factory.makeEndpointProxy(endpoint, config)),
    (proxies) => Router.make({ config, proxies, debug: options.debug ?? false })
  )

/**
 * The gateway served on the `HttpServer` provided to it, with its own backend transport.
 *
 * @example
 * ```ts
 * Gateway.layer(config).pipe(Layer.provide(Gateway.nodeServer(config)), Layer.launch)
 * ```
 */
export const layer = (config: GatewayConfig, options: Options = {}): Layer.Layer<never, never, HttpServer.HttpServer> =>
  Layer.unwrap(Effect.map(makeApp(config, options), (app) => HttpServer.serve(app))).pipe(
    Layer.provide(Transport.layer(Transport.optionsFromConfig(config)))
  )

/** The bundled Node server for a config (port and listen address overridable). */
export const nodeServer = (
  config: GatewayConfig,
  overrides: { readonly port?: number | undefined; readonly host?: string | undefined } = {}
) => Server.layer(Server.optionsFromConfig(config, overrides))
