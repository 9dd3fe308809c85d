/**
 * The router pipe: one `HttpApp` built from the endpoints and their proxies. Matching is our
 * own segment trie over the decoded path (gin semantics: static beats param, 405 with `Allow`,
 * trailing-slash and fixed-path redirects, the URL-param checker), because `HttpRouter` cannot
 * express them. Everything is built once in `make`; a request costs a split, a trie walk and the
 * endpoint handler.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Scope from "effect/Scope"
import type { GatewayConfig } from "../config/Model.ts"
import * as Render from "../encoding/Render.ts"
import type { Proxy } from "../proxy/Proxy.ts"
import * as BotDetector from "../security/BotDetector.ts"
import * as Settings from "../telemetry/Settings.ts"
import * as Tracing from "../telemetry/Tracing.ts"
import * as Version from "../Version.ts"
import * as ClientIp from "./ClientIp.ts"
import * as Endpoint from "./Endpoint.ts"
import * as EndpointStack from "./EndpointStack.ts"
import * as ErrorResponse from "./ErrorResponse.ts"
import type * as Incoming from "./Incoming.ts"
import * as RequestPath from "./RequestPath.ts"
import * as Reserved from "./Reserved.ts"
import * as RouteTable from "./RouteTable.ts"

/** An HTTP application served with `HttpServer.serve`. */
export type HttpApp = Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  never,
  HttpServerRequest.HttpServerRequest | Scope.Scope
>

/** What the router is built from. */
export interface Options {
  readonly config: GatewayConfig
  /** `proxies[i]` serves `config.endpoints[i]`. */
  readonly proxies: ReadonlyArray<Proxy>
  /** `-d`: enables `/__debug/*`. */
  readonly debug: boolean
  /** Error → HTTP mapping; KrakenD's (`ErrorResponse.krakend`) by default. */
  readonly errorPolicy?: ErrorResponse.Policy | undefined
  /** `stages[i]`: the effectful endpoint stages of `config.endpoints[i]` (`EndpointStack.build`). */
  readonly stages?: ReadonlyArray<EndpointStack.Built> | undefined
  /** The server is draining: `/__health` answers 503 `draining` (`Readiness`). */
  readonly draining?: (() => boolean) | undefined
  /** Telemetry is on: a matched endpoint writes its pattern into the request's telemetry state. */
  readonly telemetry?: boolean | undefined
}

interface Route {
  readonly handler: Endpoint.Handler
  readonly hasParams: boolean
}

const hasControl = (value: string): boolean => {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return true
  }
  return false
}

/** lura's param checker (encoded sequences, `?`, `#`) on the raw segment, Sluice's on the value. */
const badParam = (value: string, raw: string | undefined, checkEncoding: boolean): boolean =>
  value === "." ||
  value === ".." ||
  hasControl(value) ||
  (checkEncoding && (raw === undefined || raw.includes("%") || value.includes("?") || value.includes("#")))

const htmlRedirect = (location: string, status: number): string =>
  `<a href="${location.replaceAll("&", "&amp;").replaceAll("\"", "&quot;").replaceAll("<", "&lt;")}">${
    status === 301 ? "Moved Permanently" : "Temporary Redirect"
  }</a>.\n\n`

/** A handler that first names the request's route for telemetry (`http.route`: `/users/:id`). */
const withRoute = (pattern: string, handler: Endpoint.Handler): Endpoint.Handler => {
  const route = Settings.endpointName(pattern)
  return (request, params, path, rawQuery, grant) =>
    Effect.withFiber((fiber) => {
      const state = Context.getOrUndefined(fiber.context, Tracing.RequestTelemetry)
      if (state !== undefined) state.route = route
      return handler(request, params, path, rawQuery, grant)
    })
}

/** Builds the application: tables, filters, renderers and handlers, once. */
export const make = (options: Options): HttpApp => {
  const { config } = options
  const router = config.extra_config.router
  const versionHeader = router.hide_version_header ? "Version undefined" : `Version ${Version.version}`
  const errors = ErrorResponse.make({ returnErrorMsg: router.return_error_msg, policy: options.errorPolicy ?? ErrorResponse.fromConfig(config) })
  const clientIp = ClientIp.make(router)
  const failHeaders = { "x-krakend": versionHeader, "x-krakend-completed": "false" }

  const table = RouteTable.make<Route>(
    config.endpoints.flatMap((endpoint, i) => {
      const proxy = options.proxies[i]
      const handler: Endpoint.Handler = proxy === undefined
        ? () => Effect.succeed(errors.defect({ "x-krakend": versionHeader, "x-krakend-completed": "false" }))
        : Endpoint.make({ endpoint, proxy, clientIp, errors, versionHeader })
      const chained = EndpointStack.make({ endpoint, built: options.stages?.[i], clientIp, failHeaders }, handler)
      return [{
        method: endpoint.method,
        path: endpoint.endpoint,
        value: { handler: options.telemetry === true ? withRoute(endpoint.endpoint, chained) : chained, hasParams: endpoint.endpoint.includes("{") }
      }]
    })
  )

  const fixed = (status: number, body: unknown, text: string, allow?: string) => {
    const headers = allow === undefined ? failHeaders : { ...failHeaders, allow }
    // gin writes its 404 and 405 bodies as `text/plain`, without a charset
    return body === undefined
      ? HttpServerResponse.text(text, { status, headers, contentType: "text/plain" })
      : HttpServerResponse.text(JSON.stringify(body), { status, headers, contentType: Render.jsonContentType })
  }
  const notFound = fixed(404, router.error_body["404"], "404 page not found")
  const notAllowed = (allow: string) => fixed(405, router.error_body["405"], "405 method not allowed", allow)
  const badRequest = (message: string) =>
    HttpServerResponse.text(message, { status: 400, headers: failHeaders, contentType: Render.textContentType })
  const invalidPath = badRequest("400 bad request: invalid URL escape")
  const encodedParam = badRequest("error: encoded url params")
  const invalidParam = badRequest("error: invalid url param")

  const redirect = (method: string, location: string) => {
    const status = method === "GET" ? 301 : 307
    return method === "GET" || method === "HEAD"
      ? HttpServerResponse.text(htmlRedirect(location, status), {
        status,
        headers: { location },
        contentType: "text/html; charset=utf-8"
      })
      : HttpServerResponse.empty({ status, headers: { location, "content-length": "0" } })
  }

  const healthPath = router.disable_health ? undefined : router.health_path
  const draining = options.draining ?? (() => false)
  const debugOn = options.debug || config.debug_endpoint
  const echoOn = config.echo_endpoint
  const checkEncoding = !router.disable_path_decoding
  const isBot = BotDetector.fromConfig(config.extra_config["security/bot-detector"])
  const orBodyError = (
    effect: Effect.Effect<HttpServerResponse.HttpServerResponse, Incoming.BodyError>
  ): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
    Effect.catch(effect, (error) => Effect.succeed(errors.bodyError(error, failHeaders)))

  const reserved = (
    request: HttpServerRequest.HttpServerRequest,
    path: string,
    rawQuery: string
  ): Effect.Effect<HttpServerResponse.HttpServerResponse> | undefined => {
    if (path === healthPath) {
      return Effect.sync(() => request.method === "GET" ? Reserved.health(draining()) : notAllowed("GET"))
    }
    if (debugOn && (path === "/__debug" || path.startsWith("/__debug/"))) {
      return orBodyError(Reserved.debug(request, path, rawQuery))
    }
    if (echoOn && (path === "/__echo" || path.startsWith("/__echo/"))) {
      return orBodyError(Reserved.echo(request, path, rawQuery))
    }
    return undefined
  }

  const dispatch = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
    const url = request.url
    const q = url.indexOf("?")
    let rawPath = q === -1 ? url : url.slice(0, q)
    const rawQuery = q === -1 ? "" : url.slice(q + 1)
    if (rawPath.charCodeAt(0) !== 0x2f) return Effect.succeed(notFound)
    const decoded = RequestPath.decode(rawPath)
    if (decoded === undefined) return Effect.succeed(invalidPath)
    let path = decoded
    if (router.remove_extra_slash) {
      path = RequestPath.collapseSlashes(path)
      rawPath = RequestPath.collapseSlashes(rawPath)
    }
    if (path === healthPath || path.charCodeAt(1) === 0x5f) {
      const answer = reserved(request, path, rawQuery)
      if (answer !== undefined) return answer
    }
    if (isBot !== undefined && isBot(request.headers["user-agent"])) return Effect.succeed(EndpointStack.forbidden)
    const method = request.method
    const segments = RouteTable.segments(path)
    const entry = RouteTable.lookup(table, method, segments)
    if (entry !== undefined) {
      const params: Array<string> = []
      if (entry.value.hasParams) {
        const rawSegments = decoded === rawPath ? segments : RouteTable.segments(rawPath)
        const aligned = rawSegments.length === segments.length
        for (const i of entry.paramIndex) {
          const value = segments[i]!
          if (badParam(value, aligned ? rawSegments[i] : undefined, checkEncoding)) {
            return Effect.succeed(checkEncoding && (!aligned || rawSegments[i]!.includes("%")) ? encodedParam : invalidParam)
          }
          params.push(value)
        }
      }
      return entry.value.handler(request, params, decoded, rawQuery)
    }
    return Effect.sync(() => fallback(method, path, segments, rawPath, rawQuery))
  }

  const fallback = (
    method: string,
    path: string,
    segments: ReadonlyArray<string>,
    rawPath: string,
    rawQuery: string
  ): HttpServerResponse.HttpServerResponse => {
    const query = rawQuery === "" ? "" : `?${rawQuery}`
    if (method === "OPTIONS" && router.auto_options) {
      const allow = RouteTable.allowed(table, segments, method)
      if (allow.length > 0) {
        return HttpServerResponse.empty({ status: 200, headers: { allow: allow.join(", "), "x-krakend": versionHeader, "content-length": "0" } })
      }
    }
    if (method !== "CONNECT" && path !== "/") {
      if (!router.disable_redirect_trailing_slash) {
        const toggled = path.endsWith("/") ? segments.slice(0, -1) : [...segments, ""]
        if (RouteTable.lookup(table, method, toggled) !== undefined) {
          const location = rawPath.endsWith("/") ? rawPath.slice(0, -1) : `${rawPath}/`
          return redirect(method, location + query)
        }
      }
      if (!router.disable_redirect_fixed_path) {
        const cleaned = RouteTable.segments(RequestPath.clean(path))
        let fixedSegments = RouteTable.lookupFold(table, method, cleaned)
        if (fixedSegments === undefined && !router.disable_redirect_trailing_slash && cleaned.length > 0) {
          const last = cleaned[cleaned.length - 1]
          const toggled = last === "" ? cleaned.slice(0, -1) : [...cleaned, ""]
          if (toggled.length > 0) fixedSegments = RouteTable.lookupFold(table, method, toggled)
        }
        if (fixedSegments !== undefined) return redirect(method, RequestPath.fromSegments(fixedSegments) + query)
      }
    }
    if (!router.disable_handle_method_not_allowed) {
      const allow = RouteTable.allowed(table, segments, method)
      if (allow.length > 0) return notAllowed(allow.join(", "))
    }
    return notFound
  }

  return Effect.flatMap(Effect.service(HttpServerRequest.HttpServerRequest), dispatch)
}
