/**
 * The undici dispatcher shared by the default executors: one keep-alive pool per backend origin,
 * every timeout and the response size limit set explicitly (undici's defaults are 300 s and
 * unlimited). The dispatcher belongs to the layer's scope and is closed when it is released.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { Agent } from "undici"
import type { GatewayConfig } from "../config/Model.ts"

/** Limits of the backend client. Durations in milliseconds. */
export interface TransportOptions {
  /** TCP (and TLS) connect timeout. */
  readonly connectTimeout: number
  /** Time to wait for the response headers (safety limit; the request deadline is the real bound). */
  readonly headersTimeout: number
  /** Maximum idle time between two body chunks. */
  readonly bodyTimeout: number
  /** How long an idle keep-alive socket is kept. */
  readonly keepAliveTimeout: number
  /** Maximum connections per origin. */
  readonly connections: number
  /** Maximum response body size in bytes (also applied to the decompressed size). */
  readonly maxResponseSize: number
  /** `false` sends `Connection: close` and never reuses a socket. */
  readonly keepAlive: boolean
}

/** Sluice's defaults, used where the config says nothing. */
export const defaults: TransportOptions = {
  connectTimeout: 10_000,
  headersTimeout: 60_000,
  bodyTimeout: 60_000,
  keepAliveTimeout: 30_000,
  connections: 250,
  maxResponseSize: 64 * 1024 * 1024,
  keepAlive: true
}

const millis = (d: Duration.Duration | undefined, fallback: number): number =>
  d === undefined ? fallback : Math.max(1, Duration.toMillis(d))

/**
 * Options from the service settings: `dialer_timeout`, `response_header_timeout`,
 * `idle_connection_timeout`, `max_idle_connections_per_host`, `disable_keep_alives`.
 */
export const optionsFromConfig = (config: GatewayConfig): TransportOptions => ({
  ...defaults,
  connectTimeout: millis(config.dialer_timeout, defaults.connectTimeout),
  headersTimeout: millis(config.response_header_timeout, defaults.headersTimeout),
  keepAliveTimeout: millis(config.idle_connection_timeout, defaults.keepAliveTimeout),
  connections: config.max_idle_connections_per_host > 0 ? config.max_idle_connections_per_host : defaults.connections,
  keepAlive: !config.disable_keep_alives
})

/** The shared dispatcher and the options it was built with. */
export class Transport extends Context.Service<Transport, {
  readonly dispatcher: Agent
  readonly options: TransportOptions
}>()("sluice/proxy/Transport") {}

/** Builds the dispatcher; closes it (dropping its sockets) when the scope is released. */
export const make = (options: TransportOptions): Effect.Effect<Transport["Service"], never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() =>
        new Agent({
          connections: options.connections,
          keepAliveTimeout: options.keepAliveTimeout,
          headersTimeout: options.headersTimeout,
          bodyTimeout: options.bodyTimeout,
          maxResponseSize: options.maxResponseSize,
          connect: { timeout: options.connectTimeout }
        })
      ),
      (agent) => Effect.promise(() => agent.destroy().catch(() => undefined))
    ),
    (dispatcher) => Transport.of({ dispatcher, options })
  )

/** The transport as a scoped layer. */
export const layer = (options: TransportOptions): Layer.Layer<Transport> => Layer.effect(Transport, make(options))
