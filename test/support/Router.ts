/**
 * Test helpers for the router pipe: a `GatewayConfig` fixture builder with the model's defaults
 * (the config decoder is tested on its own), fake proxies, a real server on 127.0.0.1 port 0
 * serving a router app, and a raw `node:http` client that sends paths exactly as written.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpServer from "effect/http/HttpServer"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Scope from "effect/Scope"
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http"
import type { BackendConfig, EndpointConfig, GatewayConfig, RouterOptions } from "../../src/config/Model.ts"
import * as Proxy from "../../src/proxy/Proxy.ts"
import * as Router from "../../src/router/Router.ts"

type Mutable<T> = { -readonly [K in keyof T]?: T[K] }

/** The router defaults of the model. */
export const routerDefaults: RouterOptions = {
  return_error_msg: false,
  disable_redirect_trailing_slash: false,
  disable_redirect_fixed_path: false,
  disable_handle_method_not_allowed: false,
  remove_extra_slash: false,
  disable_path_decoding: false,
  auto_options: false,
  disable_health: false,
  health_path: "/__health",
  hide_version_header: false,
  disable_access_log: false,
  logger_skip_paths: [],
  forwarded_by_client_ip: false,
  remote_ip_headers: ["X-Forwarded-For", "X-Real-Ip"],
  trusted_proxies: [],
  error_body: {}
}

/** A backend with defaults. */
export const backend = (overrides: Mutable<BackendConfig> = {}): BackendConfig => ({
  host: ["http://127.0.0.1:1"],
  url_pattern: "/",
  method: "GET",
  encoding: "json",
  allow: [],
  deny: [],
  mapping: {},
  group: undefined,
  target: undefined,
  is_collection: false,
  input_headers: undefined,
  input_query_strings: undefined,
  disable_host_sanitize: false,
  timeout: Duration.seconds(2),
  concurrent_calls: 1,
  extra_config: { "backend/http": undefined },
  ...overrides
})

/** An endpoint with defaults (GET, json, 2 s, no headers or query forwarded). */
export const endpoint = (path: string, overrides: Mutable<EndpointConfig> = {}): EndpointConfig => ({
  endpoint: path,
  method: "GET",
  backend: [backend()],
  timeout: Duration.seconds(2),
  cache_ttl: Duration.zero,
  concurrent_calls: 1,
  input_headers: [],
  input_query_strings: [],
  output_encoding: "json",
  extra_config: { proxy: undefined },
  ...overrides
})

/** A gateway config with defaults. */
export const gateway = (
  endpoints: ReadonlyArray<EndpointConfig>,
  overrides: Mutable<GatewayConfig> = {},
  router: Partial<RouterOptions> = {}
): GatewayConfig => ({
  version: 3,
  name: "test",
  port: 0,
  listen_ip: "127.0.0.1",
  host: [],
  timeout: Duration.seconds(2),
  cache_ttl: Duration.zero,
  output_encoding: "json",
  plugin: undefined,
  debug_endpoint: false,
  echo_endpoint: false,
  read_timeout: undefined,
  read_header_timeout: undefined,
  write_timeout: undefined,
  idle_timeout: undefined,
  max_header_bytes: undefined,
  max_shutdown_wait_time: undefined,
  dialer_timeout: undefined,
  response_header_timeout: undefined,
  idle_connection_timeout: undefined,
  max_idle_connections_per_host: 250,
  disable_keep_alives: false,
  disable_compression: false,
  endpoints,
  extra_config: { router: { ...routerDefaults, ...router }, "telemetry/logging": undefined },
  ...overrides
})

/** A proxy that answers the `ProxyRequest` it received as data (body as text). */
export const mirror: Proxy.Proxy = (req) =>
  Effect.succeed(
    Proxy.response({
      method: req.method,
      path: req.path,
      url: req.url ?? null,
      params: { ...req.params },
      headers: { ...req.headers },
      query: req.query.map(([k, v]) => [k, v]),
      body: req.body === undefined ? null : new TextDecoder().decode(req.body),
      deadlineIn: req.deadline - Date.now(),
      clientIp: req.clientIp
    })
  )

/** A proxy that answers fixed data. */
export const fixedData = (data: Record<string, unknown>, isComplete = true): Proxy.Proxy => () =>
  Effect.succeed(Proxy.response(data, isComplete))

/** A running router app. */
export interface Running {
  readonly url: string
  readonly port: number
  readonly close: () => Promise<void>
}

/** Serves `Router.make(options)` on 127.0.0.1, port 0. Logs are silenced unless `logs` is given. */
export const start = async (options: Router.Options, logs?: Array<string>): Promise<Running> => {
  const scope = await Effect.runPromise(Scope.make())
  const logger = logs === undefined
    ? Logger.layer([])
    : Logger.layer([Logger.make((o) => { logs.push(String(o.message)) })])
  const server = NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" })
  const layer = HttpServer.serve(Router.make(options)).pipe(Layer.provideMerge(server), Layer.provide(logger))
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const address = Context.get(context, HttpServer.HttpServer).address
  const port = address._tag === "UnixPathAddress" ? 0 : address.port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/** Starts, runs `f`, closes. */
export const withRouter = async <A>(options: Router.Options, f: (r: Running) => Promise<A>, logs?: Array<string>): Promise<A> => {
  const running = await start(options, logs)
  try {
    return await f(running)
  } finally {
    await running.close()
  }
}

/** A raw answer. */
export interface Answer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
  /** `JSON.parse(body)`. */
  readonly json: () => any
}

/** Sends one request with the path exactly as written (no normalisation). */
export const send = (
  running: Running,
  path: string,
  options: {
    readonly method?: string
    readonly headers?: Readonly<Record<string, string | ReadonlyArray<string>>>
    readonly body?: string | undefined
  } = {}
): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port: running.port,
        method: options.method ?? "GET",
        path,
        headers: options.headers as Record<string, string | Array<string>> | undefined,
        agent: false
      },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("error", reject)
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8")
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) })
        })
      }
    )
    req.on("error", reject)
    req.end(options.body)
  })
