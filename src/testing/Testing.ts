/**
 * The test kit (`sluice/testing`): build a gateway from a KrakenD-style config object and plugin
 * values, with fake backends, and send it requests — in memory (`make`, no ports) or over a real
 * loopback server (`serve`). Made for plugin authors: one test file, no processes.
 *
 * Fake backends are keyed by origin (`"http://users"`, matching the config's `host`); each is a
 * fetch-style handler `(request: Request) => Response | Promise<Response>` or an `HttpClient`.
 * They replace the default executor of every backend on that origin (a backend with a
 * `plugin/http-client` still uses its plugin). A backend on an origin without a fake fails with
 * a `Transport` error — the kit never reaches the network unless `network: true`.
 *
 * @example
 * ```ts
 * import * as Testing from "sluice/testing"
 *
 * it.live("adds the tag", () => Effect.gen(function* () {
 *   const gw = yield* Testing.make({
 *     config: { version: 3, endpoints: [{ endpoint: "/u", backend: [{ host: ["http://users"], url_pattern: "/u" }],
 *       extra_config: { "plugin/req-resp-modifier": { name: ["tag"], tag: { value: "x" } } } }] },
 *     plugins: [tag],
 *     backends: { "http://users": () => Response.json({ id: 1 }) }
 *   })
 *   const res = yield* gw.request("/u")
 *   assert.deepStrictEqual(res.json(), { id: 1, tag: "x" })
 * }))
 * ```
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpServer from "effect/http/HttpServer"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { createServer } from "node:http"
import * as Config from "../config/Config.ts"
import type { ConfigError } from "../config/ConfigError.ts"
import type { BackendConfig, GatewayConfig } from "../config/Model.ts"
import * as Gateway from "../Gateway.ts"
import { type Any, fetchClient, type HttpMiddleware } from "../plugin/Plugin.ts"
import * as Transport from "../proxy/Transport.ts"

/** A fake backend: a fetch-style handler, or an `HttpClient`. */
export type FakeBackend = ((request: Request) => Response | Promise<Response>) | HttpClient.HttpClient

/** What a test gateway is built from. */
export interface Options {
  /** A KrakenD v3 config as a JSON value (decoded like a file), or an already decoded model. */
  readonly config: unknown
  /** Plugin values the config may name (first-party plugins are always there). */
  readonly plugins?: ReadonlyArray<Any> | undefined
  /** Middlewares around the whole app, `middleware[0]` outermost. */
  readonly middleware?: ReadonlyArray<HttpMiddleware> | undefined
  /** Fake backends by origin (`http://users`). */
  readonly backends?: Readonly<Record<string, FakeBackend>> | undefined
  /** Let backends on origins without a fake use the real network (default `false`). */
  readonly network?: boolean | undefined
  /** `-d`: `/__debug/` and the access log. */
  readonly debug?: boolean | undefined
}

/** A request sent to the test gateway. */
export interface RequestInit {
  readonly method?: string | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly body?: string | Uint8Array | undefined
  /** The client's address (the socket peer), default `127.0.0.1`. */
  readonly remoteAddress?: string | undefined
}

/** A received answer. */
export interface TestResponse {
  readonly status: number
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** `JSON.parse(body)`. */
  readonly json: () => unknown
}

/** A gateway under test. */
export interface TestGateway {
  readonly config: GatewayConfig
  /** Sends one request (path with query) and reads the whole answer. */
  readonly request: (path: string, init?: RequestInit) => Effect.Effect<TestResponse>
}

/** A gateway under test on a real loopback server. */
export interface ServedGateway extends TestGateway {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
}

const isModel = (u: unknown): u is GatewayConfig =>
  typeof u === "object" && u !== null && "endpoints" in u && "extra_config" in u && "listen_ip" in u

/** Decodes the config (a JSON value or a model). */
export const decode = (config: unknown): Effect.Effect<GatewayConfig, ConfigError> =>
  isModel(config) ? Effect.succeed(config) : Effect.map(Config.decode(config), (d) => d.config)

const unreachable: HttpClient.HttpClient = HttpClient.make((request) =>
  Effect.fail(
    new HttpClientError.HttpClientError({
      reason: new HttpClientError.TransportError({ request, description: "no fake backend for this origin (Testing.make backends)" })
    })
  ))

const backendClient = (options: Options) => {
  const clients = new Map<string, HttpClient.HttpClient>()
  for (const [origin, fake] of Object.entries(options.backends ?? {})) {
    clients.set(new URL(origin).origin, HttpClient.isHttpClient(fake) ? fake : fetchClient(fake))
  }
  return (backend: BackendConfig): HttpClient.HttpClient | undefined => {
    const origin = backend.host[0] === undefined ? undefined : URL.canParse(backend.host[0]) ? new URL(backend.host[0]).origin : undefined
    const found = origin === undefined ? undefined : clients.get(origin)
    return found ?? (options.network === true ? undefined : unreachable)
  }
}

const gatewayOptions = (options: Options): Gateway.Options => ({
  debug: options.debug,
  plugins: options.plugins,
  middleware: options.middleware,
  backendClient: backendClient(options)
})

const read = (response: Response): Promise<TestResponse> =>
  response.text().then((body) => {
    const headers: Record<string, string> = {}
    response.headers.forEach((value, name) => (headers[name] = value))
    return { status: response.status, headers, body, json: () => JSON.parse(body) as unknown }
  })

/**
 * A gateway answering in memory: no port, no socket. The app runs with the request built from
 * `path` and `init`, exactly as the Node server would run it.
 */
export const make = (options: Options): Effect.Effect<TestGateway, ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const config = yield* decode(options.config)
    const transport = yield* Transport.make(Transport.optionsFromConfig(config))
    const app = yield* Gateway.makeApp(config, gatewayOptions(options)).pipe(Effect.provideService(Transport.Transport, transport))
    const served = Gateway.serveable(app)
    const request = (path: string, init: RequestInit = {}): Effect.Effect<TestResponse> => {
      const body = typeof init.body === "string" ? new TextEncoder().encode(init.body) : init.body
      const headers: Record<string, string> = { ...init.headers }
      if (body !== undefined) headers["content-length"] = String(body.byteLength)
      const web = new Request(`http://gateway.test${path}`, {
        method: init.method ?? "GET",
        headers,
        ...(body === undefined ? {} : { body })
      })
      const incoming = HttpServerRequest.fromWeb(web).modify({ remoteAddress: Option.some(init.remoteAddress ?? "127.0.0.1") })
      return served.pipe(
        Effect.provideService(HttpServerRequest.HttpServerRequest, incoming),
        Effect.scoped,
        Effect.flatMap((res) => Effect.promise(() => read(HttpServerResponse.toWeb(res))))
      )
    }
    return { config, request }
  })

/**
 * The same gateway on a real server on 127.0.0.1, port 0 (for tests that need sockets:
 * streaming, client disconnects, a real HTTP client).
 */
export const serve = (options: Options): Effect.Effect<ServedGateway, ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const config = yield* decode(options.config)
    const server = NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" })
    const context = yield* Layer.build(Gateway.layer(config, gatewayOptions(options)).pipe(Layer.provideMerge(server))).pipe(
      Effect.catchTag("ServeError", (e) => Effect.die(e))
    )
    const address = Context.get(context, HttpServer.HttpServer).address
    const url = `http://127.0.0.1:${address._tag === "UnixPathAddress" ? 0 : address.port}`
    const request = (path: string, init: RequestInit = {}): Effect.Effect<TestResponse> =>
      Effect.promise(() =>
        fetch(`${url}${path}`, {
          method: init.method ?? "GET",
          headers: init.headers ?? {},
          ...(init.body === undefined ? {} : { body: init.body })
        }).then(read)
      )
    return { config, url, request }
  })
