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
import * as Scope from "effect/Scope"
import type { ConnectionOptions } from "node:tls"
import { Agent } from "undici"
import type { ConfigError } from "../config/ConfigError.ts"
import * as JsonPath from "../config/JsonPath.ts"
import type { BackendConfig, ClientTlsOptions, GatewayConfig } from "../config/Model.ts"
import * as ClientTls from "./ClientTls.ts"
import * as DnsSrv from "./DnsSrv.ts"

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
  /**
   * Largest body of a decoded (buffered) backend answer in bytes, the default of every backend
   * (also applied to the decompressed size). `no-op` bodies stream without a limit.
   */
  readonly maxResponseSize: number
  /** `false` sends `Connection: close` and never reuses a socket. */
  readonly keepAlive: boolean
  /** TCP keep-alive probes on backend sockets: idle time before the first (`dialer_keep_alive`). */
  readonly tcpKeepAlive?: number | undefined
  /** Refresh interval of `sd: "dns"` backends (`dns_cache_ttl`). */
  readonly dnsTtl?: Duration.Duration | undefined
  /** DNS servers for SRV lookups (`sluice/server.dns_servers`); the system's by default. */
  readonly dnsServers?: ReadonlyArray<string> | undefined
  /** The service `client_tls` (files read when the transport is made). */
  readonly clientTls?: ClientTlsOptions | undefined
}

/** Sluice's defaults, used where the config says nothing. */
export const defaults: TransportOptions = {
  connectTimeout: 10_000,
  headersTimeout: 60_000,
  bodyTimeout: 60_000,
  keepAliveTimeout: 30_000,
  connections: 250,
  maxResponseSize: 10 * 1024 * 1024,
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
  keepAlive: !config.disable_keep_alives,
  maxResponseSize: config.extra_config["sluice/server"]?.max_backend_response_size ?? defaults.maxResponseSize,
  clientTls: config.client_tls,
  tcpKeepAlive: config.dialer_keep_alive === undefined ? undefined : millis(config.dialer_keep_alive, 0),
  dnsTtl: config.dns_cache_ttl,
  dnsServers: config.extra_config["sluice/server"]?.dns_servers
})

/** The shared dispatcher and the options it was built with. */
export class Transport extends Context.Service<Transport, {
  readonly dispatcher: Agent
  readonly options: TransportOptions
  /**
   * The dispatcher of a backend: its own when it sets `backend/http/client.client_tls` (one per
   * distinct setting, closed with the transport), else the shared one.
   */
  readonly dispatcherFor: (backend: BackendConfig) => Effect.Effect<Agent, ConfigError>
  /**
   * The current hosts of an `sd: "dns"` backend (resolved now, refreshed every `dns_cache_ttl`
   * while the transport lives; one subscription per SRV name and scheme), `undefined` otherwise.
   */
  readonly hostsFor: (backend: BackendConfig) => Effect.Effect<(() => ReadonlyArray<string>) | undefined>
}>()("sluice/proxy/Transport") {}

const agent = (options: TransportOptions, tls: ConnectionOptions | undefined): Agent =>
  new Agent({
    connections: options.connections,
    keepAliveTimeout: options.keepAliveTimeout,
    headersTimeout: options.headersTimeout,
    bodyTimeout: options.bodyTimeout,
    // the limit of a decoded body is checked per backend, before and while it is read (Dispatch.ts)
    connect: {
      timeout: options.connectTimeout,
      ...(options.tcpKeepAlive === undefined ? {} : { keepAlive: true, keepAliveInitialDelay: options.tcpKeepAlive }),
      ...tls
    } as NonNullable<Agent.Options["connect"]>
  })

/**
 * Builds the dispatcher (with the service `client_tls`, read now); closes it and every
 * per-backend one (dropping their sockets) when the scope is released.
 */
export const make = (options: TransportOptions): Effect.Effect<Transport["Service"], ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const tls = options.clientTls === undefined
      ? undefined
      : yield* ClientTls.connectOptions(options.clientTls, JsonPath.key(JsonPath.root, "client_tls"))
    const own = new Map<string, Agent>()
    const dispatcher = yield* Effect.acquireRelease(
      Effect.sync(() => agent(options, tls)),
      (shared) => Effect.promise(() => Promise.all([shared, ...own.values()].map((a) => a.destroy().catch(() => undefined))))
    )
    const dispatcherFor = (backend: BackendConfig): Effect.Effect<Agent, ConfigError> => {
      const client = backend.extra_config["backend/http/client"]
      if (client?.client_tls === undefined) return Effect.succeed(dispatcher)
      const key = JSON.stringify(client.client_tls)
      const known = own.get(key)
      if (known !== undefined) return Effect.succeed(known)
      return Effect.map(ClientTls.connectOptions(client.client_tls, JsonPath.key(client.path, "client_tls")), (connect) => {
        const made = agent(options, connect)
        own.set(key, made)
        return made
      })
    }
    const scope = yield* Effect.scope
    const subscriptions = new Map<string, () => ReadonlyArray<string>>()
    let dns: DnsSrv.Resolver | undefined
    const hostsFor = (backend: BackendConfig): Effect.Effect<(() => ReadonlyArray<string>) | undefined> => {
      const sd = backend.sd
      if (sd === undefined) return Effect.succeed(undefined)
      const key = `${sd.scheme}://${sd.name}`
      const known = subscriptions.get(key)
      if (known !== undefined) return Effect.succeed(known)
      dns ??= DnsSrv.resolver(options.dnsServers)
      return DnsSrv.subscribe(dns, sd.name, sd.scheme, DnsSrv.ttlOf(options.dnsTtl)).pipe(
        Effect.tap((hosts) => Effect.sync(() => subscriptions.set(key, hosts))),
        Effect.provideService(Scope.Scope, scope)
      )
    }
    return Transport.of({ dispatcher, options, dispatcherFor, hostsFor })
  })

/** The transport as a scoped layer. */
export const layer = (options: TransportOptions): Layer.Layer<Transport, ConfigError> => Layer.effect(Transport, make(options))
