/**
 * The Node HTTP server that serves a gateway: explicit limits (header size, header, request and
 * keep-alive timeouts) and a graceful drain on shutdown (stop accepting, let in-flight requests
 * finish up to a deadline, close idle keep-alive sockets as they free up, then interrupt what is
 * left — which aborts its backend calls).
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { createServer, type Server } from "node:http"
import type { GatewayConfig } from "../config/Model.ts"

/** Where and how the server listens. */
export interface ListenOptions {
  readonly port: number
  readonly host: string
  /** Max header bytes (431 beyond). */
  readonly maxHeaderSize: number
  /** Time to receive the request headers (slowloris bound). */
  readonly headersTimeout: number
  /** Time to receive the whole request. */
  readonly requestTimeout: number
  /** Idle keep-alive socket timeout. */
  readonly keepAliveTimeout: number
  /** How long a drain waits for in-flight requests before interrupting them. */
  readonly shutdownTimeout: number
}

const ms = (d: Duration.Duration | undefined, fallback: number): number =>
  d === undefined ? fallback : Math.max(1, Math.round(Duration.toMillis(d)))

/** Server limits from the config's HTTP server settings, with Sluice's safe defaults. */
export const optionsFromConfig = (
  config: GatewayConfig,
  overrides: { readonly port?: number | undefined; readonly host?: string | undefined } = {}
): ListenOptions => {
  const requestTimeout = ms(config.read_timeout, 60_000)
  return {
    port: overrides.port ?? config.port,
    host: overrides.host ?? (config.listen_ip === "" ? "0.0.0.0" : config.listen_ip),
    maxHeaderSize: config.max_header_bytes ?? 16_384,
    headersTimeout: Math.min(ms(config.read_header_timeout, 10_000), requestTimeout),
    requestTimeout,
    keepAliveTimeout: ms(config.idle_timeout, 65_000),
    shutdownTimeout: ms(config.max_shutdown_wait_time, 10_000)
  }
}

/**
 * A `node:http` server with the limits set. `server.close()` also closes keep-alive sockets as
 * soon as they go idle, so a drain ends when the last in-flight response is written.
 */
export const makeNodeServer = (options: ListenOptions): Server => {
  const server = createServer({
    maxHeaderSize: options.maxHeaderSize,
    headersTimeout: options.headersTimeout,
    requestTimeout: options.requestTimeout,
    keepAliveTimeout: options.keepAliveTimeout,
    connectionsCheckingInterval: Math.min(1_000, options.headersTimeout),
    requireHostHeader: true
  })
  server.maxHeadersCount = 200
  const close = server.close.bind(server)
  server.close = ((callback?: (err?: Error) => void) => {
    server.closeIdleConnections()
    const sweep = setInterval(() => server.closeIdleConnections(), 25)
    sweep.unref()
    return close((err?: Error) => {
      clearInterval(sweep)
      callback?.(err)
    })
  }) as typeof server.close
  // While draining, answers close their connection so clients do not reuse it.
  server.on("request", (_req, res) => {
    if (!server.listening) res.shouldKeepAlive = false
  })
  return server
}

/** The Node HTTP server as a Layer (`HttpServer` and the Node platform services). */
export const layer = (options: ListenOptions) =>
  NodeHttpServer.layer(() => makeNodeServer(options), {
    port: options.port,
    host: options.host,
    gracefulShutdownTimeout: Duration.millis(options.shutdownTimeout)
  })
