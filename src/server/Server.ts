/**
 * The Node HTTP server that serves a gateway: explicit limits (header size, header, request and
 * keep-alive timeouts) and a graceful drain on shutdown (stop accepting, let in-flight requests
 * finish up to a deadline, close idle keep-alive sockets as they free up, then interrupt what is
 * left — which aborts its backend calls).
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpServer from "effect/http/HttpServer"
import * as FastPath from "./FastPath.ts"
import { createServer, Server } from "node:http"
import {
  createSecureServer,
  createServer as createH2cServer,
  type Http2SecureServer,
  type SecureServerOptions,
  type ServerHttp2Session
} from "node:http2"
import type { Socket } from "node:net"
import type { ConfigError } from "../config/ConfigError.ts"
import type { GatewayConfig } from "../config/Model.ts"
import * as Readiness from "./Readiness.ts"
import * as Tls from "./Tls.ts"

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
  /** HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with these options; plain HTTP when absent. */
  readonly tls?: SecureServerOptions | undefined
  /** Plain HTTP also accepts cleartext HTTP/2 with prior knowledge (`use_h2c`). */
  readonly h2c?: boolean | undefined
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
    shutdownTimeout: ms(config.max_shutdown_wait_time, 10_000),
    h2c: config.use_h2c === true || config.extra_config.router.use_h2c === true
  }
}

/** The HTTP/1.1 limits of a TLS server (HTTP/1.1 connections use Node's http parser and read them from it). */
const secureServer = (options: ListenOptions, tls: SecureServerOptions): Http2SecureServer => {
  const server = createSecureServer({ ...tls, maxSessionMemory: 10 })
  Object.assign(server, {
    maxHeaderSize: options.maxHeaderSize,
    headersTimeout: options.headersTimeout,
    requestTimeout: options.requestTimeout,
    keepAliveTimeout: options.keepAliveTimeout,
    connectionsCheckingInterval: Math.min(1_000, options.headersTimeout),
    requireHostHeader: true,
    maxHeadersCount: 200
  })
  return server
}

const PRI = Buffer.from("PRI ")

/**
 * Cleartext HTTP/2 with prior knowledge next to HTTP/1.1 on one port (`use_h2c`): the first bytes
 * of a connection decide — the HTTP/2 preface (`PRI * HTTP/2.0`) goes to an HTTP/2 server whose
 * requests are handed to `server`'s handler, anything else to `server`'s own HTTP/1.1 parser.
 * An `Upgrade: h2c` request is served as HTTP/1.1 (the upgrade is not taken, which RFC 9110
 * allows). A connection that sends nothing is closed after `headersTimeout`. Returns the closer
 * of the HTTP/2 sessions (they end gracefully: open streams finish).
 */
const acceptH2c = (server: Server, options: ListenOptions): () => void => {
  const h2 = createH2cServer({ maxSessionMemory: 10 })
  h2.on("request", (req, res) => server.emit("request", req, res))
  const sessions = new Set<ServerHttp2Session>()
  h2.on("session", (session) => {
    sessions.add(session)
    session.once("close", () => sessions.delete(session))
  })
  const http1 = server.listeners("connection") as Array<(socket: Socket) => void>
  server.removeAllListeners("connection")
  server.on("connection", (socket: Socket) => {
    socket.setTimeout(options.headersTimeout, () => socket.destroy())
    let head: Buffer = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk])
      if (head.length < PRI.length && PRI.subarray(0, head.length).equals(head)) return
      socket.removeListener("data", onData)
      socket.setTimeout(0)
      socket.pause()
      socket.unshift(head)
      if (head.subarray(0, PRI.length).equals(PRI)) h2.emit("connection", socket)
      else for (const listener of http1) listener.call(server, socket)
      process.nextTick(() => socket.resume())
    }
    socket.on("data", onData)
  })
  return () => {
    for (const session of sessions) session.close()
  }
}

/** Closes idle HTTP/1.1 keep-alive connections (an HTTP/2 TLS server tracks them like `node:http`'s). */
const closeIdle = (server: Server | Http2SecureServer): void => Server.prototype.closeIdleConnections.call(server as Server)

/**
 * A `node:http` server with the limits set, or with `tls` an HTTP/2 + HTTP/1.1 TLS server with
 * the same limits. `server.close()` also closes keep-alive sockets as soon as they go idle, so a
 * drain ends when the last in-flight response is written.
 */
export const makeNodeServer = (
  options: ListenOptions,
  readiness: Readiness.Readiness
): Server | Http2SecureServer => {
  const server = options.tls !== undefined ? secureServer(options, options.tls) : createServer({
    maxHeaderSize: options.maxHeaderSize,
    headersTimeout: options.headersTimeout,
    requestTimeout: options.requestTimeout,
    keepAliveTimeout: options.keepAliveTimeout,
    connectionsCheckingInterval: Math.min(1_000, options.headersTimeout),
    requireHostHeader: true
  })
  if (server instanceof Server) server.maxHeadersCount = 200
  const closeH2c = server instanceof Server && options.h2c === true ? acceptH2c(server, options) : undefined
  const close = server.close.bind(server)
  server.close = ((callback?: (err?: Error) => void) => {
    closeH2c?.()
    closeIdle(server)
    const sweep = setInterval(() => closeIdle(server), 25)
    sweep.unref()
    return close((err?: Error) => {
      clearInterval(sweep)
      callback?.(err)
    })
  }) as typeof server.close
  // While draining, answers close their connection so clients do not reuse it. Before the app is
  // served (the listener opens first, then the pipes are built: a cluster worker starting), a
  // request would find no handler and never be answered: it gets 503 and Retry-After instead.
  server.on("request", (_req: unknown, res: { shouldKeepAlive?: boolean; headersSent?: boolean; writeHead?: (s: number, h: Record<string, string>) => void; end?: () => void }) => {
    if (readiness.draining() && "shouldKeepAlive" in res) res.shouldKeepAlive = false
    if (server.listenerCount("request") === own && res.headersSent === false) {
      res.writeHead?.(503, { "retry-after": "1", "content-length": "0", connection: "close" })
      res.end?.()
    }
  })
  const own = server.listenerCount("request")
  return server
}

/**
 * The Node HTTP server as a Layer (`HttpServer`, the Node platform services and its `Readiness`:
 * draining once the listener closed).
 */
export const layer = (options: ListenOptions) => {
  let server: Server | Http2SecureServer | undefined
  const readiness = Readiness.make(() => server === undefined || server.listening)
  return Layer.merge(
    Layer.merge(
      Layer.effect(HttpServer.HttpServer)(FastPath.make(() => (server = makeNodeServer(options, readiness)), {
        port: options.port,
        host: options.host,
        gracefulShutdownTimeout: Duration.millis(options.shutdownTimeout)
      })),
      NodeHttpServer.layerHttpServices
    ),
    Layer.succeed(Readiness.Readiness, readiness)
  )
}

/**
 * The server of a config: its limits, and its root `tls` read at start (a bad file is a
 * `ConfigError` naming its path).
 */
export const layerFromConfig = (
  config: GatewayConfig,
  overrides: { readonly port?: number | undefined; readonly host?: string | undefined } = {}
) =>
  Layer.unwrap(
    Effect.map(
      config.tls === undefined ? Effect.succeed(undefined) : Tls.serverOptions(config.tls),
      (tls) => layer({ ...optionsFromConfig(config, overrides), tls })
    ) as Effect.Effect<ReturnType<typeof layer>, ConfigError>
  )
