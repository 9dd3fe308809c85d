/**
 * Sluice: an API gateway core on Effect that reads the KrakenD v3 config format.
 *
 * @example
 * ```ts
 * import { Config, Gateway } from "sluice"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 *
 * const program = Effect.gen(function* () {
 *   const { config } = yield* Config.load("gateway.json")
 *   yield* Layer.launch(Gateway.layer(config).pipe(Layer.provide(Gateway.nodeServer(config))))
 * })
 * ```
 *
 * @since 0.1.0
 */

/** Decode, load and describe gateway configs (`decode`, `parse`, `load`, `jsonSchema`). */
export * as Config from "./config/Config.ts"
/** The typed gateway model (`GatewayConfig`, `EndpointConfig`, `BackendConfig`, ...). */
export type * from "./config/Model.ts"
/** Config failures with JSON paths. */
export { ConfigError, type ConfigIssue, type ConfigWarning } from "./config/ConfigError.ts"
/** Build and serve a gateway (`makeApp`, `layer`, `nodeServer`). */
export * as Gateway from "./Gateway.ts"
/** Typed endpoint constructors (`Endpoint.get("/users/{id}", [...])`), see `Gateway.make`. */
export * as Endpoint from "./builder/Endpoint.ts"
/** Typed backend constructors (`Backend.http(host, "/users/{id}", options)`), see `Gateway.make`. */
export * as Backend from "./builder/Backend.ts"
/** The proxy pipe's types (`Proxy`, `ProxyRequest`, `ProxyResponse`, `Middleware`). */
export type { Headers, Middleware, Proxy, ProxyRequest, ProxyResponse, Query, ResponseMetadata } from "./proxy/Proxy.ts"
/** Typed failures of the proxy pipe. */
export { BackendError, DeadlineError, MergeError, ModifierError, type ProxyError } from "./proxy/ProxyError.ts"
/** The plugin contract (`Plugin.handler`, `Plugin.modifier`, `Plugin.client`, ...); also `sluice/plugin`. */
export { Plugin } from "./plugin/Plugin.ts"
/** The registry of plugins a gateway can use, as a service and a layer. */
export * as PluginRegistry from "./plugin/Registry.ts"
/** Sluice's version. */
export { version } from "./Version.ts"
