/**
 * The public plugin contract: the three plugin kinds as Effect values. A plugin module is an ES
 * module whose default export is one plugin value or an array of them; programmatic users pass
 * the same values to `Gateway.layer(config, { plugins })`. It stays one file (the single import
 * of a plugin author, `sluice/plugin`); its length is the JSDoc and example on every export.
 *
 * | kind | made with | config namespace | where it runs |
 * |---|---|---|---|
 * | HTTP server (handler) | `Plugin.handler` | service `plugin/http-server` | around the whole HTTP app, before routing |
 * | request/response modifier | `Plugin.modifier` | endpoint / backend `plugin/req-resp-modifier` | around the merge / around one backend call |
 * | HTTP client | `Plugin.client` | backend `plugin/http-client` | the executor of one backend |
 *
 * Each plugin declares a `name` and a config `Schema`. The settings under its name in the
 * namespace (`{ "name": ["x"], "x": { ... } }`, `{}` when absent) are decoded by that Schema when
 * the gateway starts: a bad setting or an unknown plugin name fails the start with a
 * `ConfigError` whose path names the namespace and the field
 * (`$.endpoints[0].extra_config["plugin/req-resp-modifier"].x.field`). There is no fallback.
 *
 * Every plugin call runs under a time budget (the namespace's `budget`, default the endpoint
 * timeout) and every failure cause is caught: a plugin that throws, dies or never returns fails
 * only its own request with a logged, typed error.
 *
 * Everything a plugin file needs is exported from here (also `Effect`, `Schema`, `Layer`), so a
 * file in a plugin folder outside any Node project needs this one import.
 *
 * @example
 * ```ts
 * import { Plugin, Effect, Schema } from "sluice/plugin"
 *
 * export default Plugin.modifier({
 *   name: "tag",
 *   config: Schema.Struct({ value: Schema.String }),
 *   response: (res, _req, config) => Effect.succeed({ ...res, data: { ...res.data, tag: config.value } })
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { GatewayConfig } from "../config/Model.ts"
import * as Proxy from "../proxy/Proxy.ts"
import { type ErrorAnswerFields, ModifierError } from "../proxy/ProxyError.ts"

/** This module as a namespace: `import { Plugin } from "sluice"` or from this file. */
export * as Plugin from "./Plugin.ts"

/**
 * `effect/Effect`, re-exported for plugin files outside a Node project.
 *
 * @example
 * ```ts
 * import { Effect } from "sluice/plugin"
 * const request = (req: Plugin.ProxyRequest) => Effect.succeed({ ...req, path: req.path.toLowerCase() })
 * ```
 */
export * as Effect from "effect/Effect"
/**
 * `effect/Schema`, re-exported for plugin files outside a Node project.
 *
 * @example
 * ```ts
 * import { Schema } from "sluice/plugin"
 * const config = Schema.Struct({ header: Schema.String, value: Schema.optional(Schema.String) })
 * ```
 */
export * as Schema from "effect/Schema"
/**
 * `effect/Layer`, re-exported for plugin files outside a Node project.
 *
 * @example
 * ```ts
 * import { Layer, HttpClient } from "sluice/plugin"
 * const make = () => Layer.succeed(HttpClient.HttpClient, Plugin.fetchClient(() => new Response("hi")))
 * ```
 */
export * as Layer from "effect/Layer"
/**
 * `effect/http/HttpClient`, re-exported for plugin files outside a Node project.
 *
 * @example
 * ```ts
 * import { HttpClient } from "sluice/plugin"
 * const make = () => Effect.map(Effect.service(HttpClient.HttpClient), (client) => HttpClient.filterStatusOk(client))
 * ```
 */
export * as HttpClient from "effect/http/HttpClient"
/**
 * `effect/http/HttpClientResponse`, re-exported for plugin files outside a Node project.
 *
 * @example
 * ```ts
 * import { HttpClient, HttpClientResponse } from "sluice/plugin"
 * const teapot = HttpClient.make((request) => Effect.succeed(HttpClientResponse.fromWeb(request, new Response("", { status: 418 }))))
 * ```
 */
export * as HttpClientResponse from "effect/http/HttpClientResponse"
/**
 * `effect/http/HttpServerRequest`, re-exported for plugin files outside a Node project.
 *
 * @example
 * ```ts
 * import { HttpServerRequest, HttpServerResponse } from "sluice/plugin"
 * const ping: Plugin.HttpMiddleware = (app) => Effect.gen(function* () {
 *   const request = yield* HttpServerRequest.HttpServerRequest
 *   return request.url === "/ping" ? HttpServerResponse.text("pong") : yield* app
 * })
 * ```
 */
export * as HttpServerRequest from "effect/http/HttpServerRequest"
/**
 * `effect/http/HttpServerResponse`, re-exported for plugin files outside a Node project.
 *
 * @example
 * ```ts
 * import { HttpServerResponse } from "sluice/plugin"
 * const served: Plugin.HttpMiddleware = (app) => Effect.map(app, (res) => HttpServerResponse.setHeader(res, "X-Served-By", "sluice"))
 * ```
 */
export * as HttpServerResponse from "effect/http/HttpServerResponse"
/**
 * `effect/http/Headers` (HTTP header maps of server requests), re-exported as `HttpHeaders`.
 *
 * @example
 * ```ts
 * import { HttpHeaders } from "sluice/plugin"
 * const tenant = HttpHeaders.get(request.headers, "x-tenant") // Option<string>
 * ```
 */
export * as HttpHeaders from "effect/http/Headers"

/**
 * A typed failure of a modifier: its `status` (default 500), `contentType` and `headers` reach
 * the client when the error ends the request (a single backend, or the endpoint level); the
 * `message` is the body only with `router.return_error_msg: true` (KrakenD's rule), otherwise
 * the body is empty. Inside a multi-backend merge a backend-level error is one failed part
 * (a partial 200, or 500 when every part failed).
 *
 * @example
 * ```ts
 * Effect.fail(new ModifierError({ message: "no tenant", status: 400, contentType: "text/plain", headers: { "x-why": "tenant" } }))
 * ```
 */
export { ModifierError }

/**
 * The proxy pipe's request and response, as modifiers see them.
 *
 * @example
 * ```ts
 * const tag = (res: Plugin.ProxyResponse, req: Plugin.ProxyRequest) => ({ ...res, data: { ...res.data, path: req.path } })
 * ```
 */
export type { Headers, ProxyRequest, ProxyResponse, Query, ResponseMetadata } from "../proxy/Proxy.ts"

/**
 * The HTTP app a handler plugin wraps: the router with every other handler plugin inside it.
 *
 * @example
 * ```ts
 * const passThrough = (app: Plugin.HttpApp): Plugin.HttpApp => app
 * ```
 */
export type HttpApp = Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  unknown,
  HttpServerRequest.HttpServerRequest | Scope.Scope
>

/**
 * What a handler plugin builds: a function from the inner app to the wrapping app. Change the
 * request by providing a modified `HttpServerRequest` to `app`, answer by yourself by not
 * calling `app`, change the response by mapping the result.
 *
 * @example
 * ```ts
 * const stamp: Plugin.HttpMiddleware = (app) => Effect.map(app, (res) => HttpServerResponse.setHeader(res, "x-stamp", "1"))
 * ```
 */
export type HttpMiddleware = (app: HttpApp) => HttpApp

/**
 * Why a plugin failed.
 *
 * @example
 * ```ts
 * const reason: Plugin.PluginErrorReason = "Build"
 * const refuse = Effect.fail(new Plugin.PluginError({ reason, plugin: "geo", message: "database file missing" }))
 * ```
 */
export type PluginErrorReason =
  /** The plugin's settings did not decode (reported as a `ConfigError` at start). */
  | "Config"
  /** `make` failed while the gateway was starting. */
  | "Build"
  /** The plugin failed a request (a typed failure that is not a `ModifierError`). */
  | "Failed"
  /** The plugin did not finish within its time budget. */
  | "Timeout"
  /** The plugin threw or died. */
  | "Defect"

/**
 * A plugin failure. `make` may fail with it to refuse to start; at request time the gateway
 * turns thrown errors, defects and time-outs into one (logged with the plugin name). A handler
 * plugin's error answers `status` (default 500) with `headers`; the message is the body only
 * with `router.return_error_msg`.
 *
 * @example
 * ```ts
 * Effect.fail(new PluginError({ reason: "Build", plugin: "geo", message: "database file missing" }))
 * ```
 */
export class PluginError extends Data.TaggedError("PluginError")<
  ErrorAnswerFields & {
    readonly reason: PluginErrorReason
    /** The plugin's name. */
    readonly plugin: string
  }
> {}

/**
 * What the gateway gives a handler or client plugin's `make`: its name, the JSON path of its
 * settings, the gateway config, and the gateway's client-IP resolution (`router.trusted_proxies`,
 * `forwarded_by_client_ip`, `remote_ip_headers`) with the CIDR matcher it uses.
 *
 * @example
 * ```ts
 * const make = () => Effect.map(Effect.service(PluginContext), (ctx) => (app: Plugin.HttpApp) => app)
 * ```
 */
export class PluginContext extends Context.Service<PluginContext, {
  readonly plugin: string
  /** JSON path of the plugin's settings, e.g. `$.extra_config["plugin/http-server"].x`. */
  readonly path: string
  readonly gateway: GatewayConfig
  /** The client IP of a request, resolved like the router does. */
  readonly clientIp: (request: HttpServerRequest.HttpServerRequest) => string
  /** A matcher for IPs and CIDRs (IPv4 and IPv6); invalid entries are skipped. */
  readonly ipMatcher: (entries: ReadonlyArray<string>) => (ip: string) => boolean
}>()("sluice/plugin/PluginContext") {}

/**
 * The Schema of a plugin's settings: decodes the JSON value under the plugin's name.
 *
 * @example
 * ```ts
 * const config: Plugin.ConfigSchema<{ readonly header: string }> = Schema.Struct({ header: Schema.String })
 * ```
 */
export type ConfigSchema<C> = Schema.Decoder<C>

/**
 * An HTTP server (handler) plugin: `make(config)` runs once at start (it may acquire resources
 * in the `Scope`) and returns the middleware over the whole app. It sees every request,
 * including 404s and `/__health`.
 *
 * Order: the config list `plugin/http-server.name: ["a", "b"]` follows KrakenD: each name wraps
 * what is before it, so the LAST name is outermost — `b` sees the request first and the
 * response last. (Plain middlewares passed in code with `Gateway.layer(config, { middleware })`
 * use Effect's order instead: `middleware[0]` is outermost; they wrap the config's plugins.)
 *
 * @example
 * ```ts
 * Plugin.handler({ name: "x", config: Schema.Struct({}), make: () => Effect.succeed((app) => app) })
 * ```
 */
export interface Handler<C = unknown> {
  readonly kind: "handler"
  readonly name: string
  readonly config: ConfigSchema<C>
  make(config: C): Effect.Effect<HttpMiddleware, PluginError, Scope.Scope | PluginContext>
}

/**
 * A short-circuit: a request modifier returns it to answer without calling what is inside it.
 * At endpoint level the response is rendered like any endpoint answer (with the endpoint's
 * `output_encoding`; `metadata.status` and `io` are used by `no-op` endpoints, `metadata.headers`
 * are sent); at backend level it is that backend's answer and goes into the merge. Response
 * modifiers of the same namespace do not run on it.
 *
 * @example
 * ```ts
 * Plugin.respond({ cached: true })
 * ```
 */
export interface Respond {
  readonly _tag: "Respond"
  readonly response: Proxy.ProxyResponse
}

/**
 * A request/response modifier. `request` gets the `ProxyRequest` (endpoint level: the client
 * path, no URL yet; backend level: the backend path and the final URL) and returns the next
 * request or a `Respond`; `response` gets the response (`isComplete: false` for a partial
 * merge — unlike KrakenD, endpoint response modifiers also run on partial responses) and the
 * request. Several modifiers run in declared order, each getting the previous one's output.
 * Both may fail with a `ModifierError`.
 *
 * @example
 * ```ts
 * Plugin.modifier({ name: "m", config: Schema.Struct({}), request: (req) => Effect.succeed(req) })
 * ```
 */
export interface Modifier<C = unknown> {
  readonly kind: "modifier"
  readonly name: string
  readonly config: ConfigSchema<C>
  request?(req: Proxy.ProxyRequest, config: C): Effect.Effect<Proxy.ProxyRequest | Respond, ModifierError>
  response?(res: Proxy.ProxyResponse, req: Proxy.ProxyRequest, config: C): Effect.Effect<Proxy.ProxyResponse, ModifierError>
}

/**
 * An HTTP client plugin: `make(config)` returns a `Layer` (or a scoped Effect) providing the
 * `HttpClient` of the one backend that names it. It is built once, in the gateway's scope, and
 * is that backend's executor: it gets the final request (absolute URL, filtered headers, body)
 * and its response then goes through the usual status handling, decoding and formatting. Its
 * failures become `BackendError`s (`Transport`, or `Timeout` past the budget or deadline) and
 * flow into the merge like any backend failure. Trace propagation is off for it.
 *
 * @example
 * ```ts
 * Plugin.client({ name: "c", config: Schema.Struct({}), make: () => Layer.succeed(HttpClient.HttpClient, myClient) })
 * ```
 */
export interface Client<C = unknown> {
  readonly kind: "client"
  readonly name: string
  readonly config: ConfigSchema<C>
  make(
    config: C
  ):
    | Layer.Layer<HttpClient.HttpClient, PluginError, PluginContext>
    | Effect.Effect<HttpClient.HttpClient, PluginError, Scope.Scope | PluginContext>
}

/**
 * Any plugin value.
 *
 * @example
 * ```ts
 * const all: ReadonlyArray<Plugin.Any> = [requestId, rewrite]
 * ```
 */
export type Any = Handler | Modifier | Client

/**
 * The kinds, as written in `sluice plugins` output.
 *
 * @example
 * ```ts
 * const kinds: ReadonlyArray<Plugin.Kind> = ["handler", "modifier", "client"]
 * const kindOf = (plugin: Plugin.Any): Plugin.Kind => plugin.kind
 * ```
 */
export type Kind = Any["kind"]

/**
 * Makes a handler plugin.
 *
 * @example
 * ```ts
 * export default Plugin.handler({
 *   name: "via",
 *   config: Schema.Struct({ value: Schema.String }),
 *   make: (config) => Effect.succeed((app) => Effect.map(app, (res) => HttpServerResponse.setHeader(res, "via", config.value)))
 * })
 * ```
 */
export const handler = <C>(options: {
  readonly name: string
  readonly config: ConfigSchema<C>
  readonly make: (config: C) => Effect.Effect<HttpMiddleware, PluginError, Scope.Scope | PluginContext>
}): Handler<C> => ({ kind: "handler", name: options.name, config: options.config, make: options.make })

/**
 * Makes a modifier plugin.
 *
 * @example
 * ```ts
 * export default Plugin.modifier({
 *   name: "require-tenant",
 *   config: Schema.Struct({}),
 *   request: (req) => req.headers["X-Tenant"] === undefined
 *     ? Effect.fail(new ModifierError({ message: "no tenant", status: 400 }))
 *     : Effect.succeed(req)
 * })
 * ```
 */
export const modifier = <C>(options: {
  readonly name: string
  readonly config: ConfigSchema<C>
  readonly request?: (req: Proxy.ProxyRequest, config: C) => Effect.Effect<Proxy.ProxyRequest | Respond, ModifierError>
  readonly response?: (
    res: Proxy.ProxyResponse,
    req: Proxy.ProxyRequest,
    config: C
  ) => Effect.Effect<Proxy.ProxyResponse, ModifierError>
}): Modifier<C> => {
  const out: { -readonly [K in keyof Modifier<C>]: Modifier<C>[K] } = { kind: "modifier", name: options.name, config: options.config }
  if (options.request !== undefined) out.request = options.request
  if (options.response !== undefined) out.response = options.response
  return out
}

/**
 * Makes a client plugin.
 *
 * @example
 * ```ts
 * export default Plugin.client({
 *   name: "teapot",
 *   config: Schema.Struct({}),
 *   make: () => Effect.succeed(HttpClient.make((req) => Effect.succeed(HttpClientResponse.fromWeb(req, new Response("", { status: 418 })))))
 * })
 * ```
 */
export const client = <C>(options: {
  readonly name: string
  readonly config: ConfigSchema<C>
  readonly make: Client<C>["make"]
}): Client<C> => ({ kind: "client", name: options.name, config: options.config, make: options.make })

/**
 * A short-circuit answer with `data` (see `Respond`); `status`, `headers` go in its metadata.
 *
 * @example
 * ```ts
 * request: (req) => Effect.succeed(req.headers["X-Mock"] ? Plugin.respond({ mocked: true }) : req)
 * ```
 */
export const respond = (
  data: Readonly<Record<string, unknown>>,
  options: { readonly status?: number; readonly headers?: Proxy.Headers; readonly complete?: boolean } = {}
): Respond => ({
  _tag: "Respond",
  response: {
    ...Proxy.response(data, options.complete ?? true, {
      status: options.status ?? 200,
      headers: options.headers ?? Proxy.emptyHeaders
    }),
    status: options.status
  }
})

/**
 * `true` for a `Respond` (what a request modifier returned).
 *
 * @example
 * ```ts
 * if (Plugin.isRespond(out)) return out.response
 * ```
 */
export const isRespond = (u: Proxy.ProxyRequest | Respond): u is Respond => "_tag" in u && u._tag === "Respond"

/**
 * `true` for a plugin value (used by the loader on a module's default export).
 *
 * @example
 * ```ts
 * Plugin.isPlugin(module.default)
 * ```
 */
export const isPlugin = (u: unknown): u is Any =>
  typeof u === "object" && u !== null &&
  "kind" in u && (u.kind === "handler" || u.kind === "modifier" || u.kind === "client") &&
  "name" in u && typeof u.name === "string" && u.name !== "" &&
  "config" in u && (typeof u.config === "object" || typeof u.config === "function") && u.config !== null

/**
 * An `HttpClient` answering with a fetch-style function (`Request` in, `Response` out): the
 * simplest way to write a client plugin that synthesizes answers, or to fake a backend. A
 * throw or rejection is a transport error.
 *
 * @example
 * ```ts
 * Plugin.client({ name: "hello", config: Schema.Struct({}), make: () => Effect.succeed(Plugin.fetchClient(() => Response.json({ hello: 1 }))) })
 * ```
 */
export const fetchClient = (handler: (request: Request) => Response | Promise<Response>): HttpClient.HttpClient =>
  HttpClient.make((request, url, signal) =>
    Effect.tryPromise({
      try: async () => {
        const body = request.body._tag === "Uint8Array" ? request.body.body : undefined
        const init: RequestInit = { method: request.method, headers: request.headers, signal }
        if (body !== undefined && request.method !== "GET" && request.method !== "HEAD") init.body = body
        return await handler(new Request(url, init))
      },
      catch: (cause) => new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause }) })
    }).pipe(Effect.map((response) => HttpClientResponse.fromWeb(request, response))))
