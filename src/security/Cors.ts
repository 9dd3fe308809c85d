/**
 * KrakenD's CORS (`security/cors`, krakend-cors on rs/cors): a wrapper around the whole server,
 * outside the handler plugins (KRAKEND-SEMANTICS.md §0). A preflight (`OPTIONS` with `Origin` and
 * `Access-Control-Request-Method`) is answered here (204 by default) and never routed; the allow
 * headers are sent only when the origin, the method and every requested header are allowed, and
 * requested headers are echoed only when configured (RELIABILITY.md C12). Any other request with
 * an allowed origin gets `Access-Control-Allow-Origin` added to whatever the gateway answers,
 * errors and 404s included. `Vary: Origin` is always sent. The config is compiled once in `make`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { CorsOptions, GatewayConfig } from "../config/Model.ts"
import type { HttpApp } from "../router/Router.ts"

/** Request headers a preflight may ask for when `allow_headers` is empty: rs/cors's default (KrakenD's CORS). */
export const safelistedHeaders: ReadonlyArray<string> = ["origin", "accept", "content-type", "x-requested-with"]

const PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"

/** An origin test compiled from `allow_origins`. */
const originTest = (origins: ReadonlyArray<string>): (origin: string) => boolean => {
  const exact = new Set<string>()
  const wildcards: Array<readonly [string, string]> = []
  for (const raw of origins) {
    const origin = raw.toLowerCase()
    const star = origin.indexOf("*")
    if (star === -1) exact.add(origin)
    else wildcards.push([origin.slice(0, star), origin.slice(star + 1)])
  }
  return (origin) => {
    const lower = origin.toLowerCase()
    if (exact.has(lower)) return true
    for (const [prefix, suffix] of wildcards) {
      if (lower.length >= prefix.length + suffix.length && lower.startsWith(prefix) && lower.endsWith(suffix)) return true
    }
    return false
  }
}

/** The comma-separated names of `Access-Control-Request-Headers`, lower-cased. */
const requestedHeaders = (value: string): ReadonlyArray<string> =>
  value.split(",").map((name) => name.trim().toLowerCase()).filter((name) => name !== "")

const withVary = (response: HttpServerResponse.HttpServerResponse, vary: string): HttpServerResponse.HttpServerResponse => {
  const existing = response.headers["vary"]
  return HttpServerResponse.setHeader(response, "vary", existing === undefined || existing === "" ? vary : `${existing}, ${vary}`)
}

/** Compiles the options into a wrapper of the app. */
export const make = (options: CorsOptions) => (app: HttpApp): HttpApp => {
  const anyOrigin = options.allow_origins.length === 0 || options.allow_origins.includes("*") // rs/cors: empty = any
  const originAllowed = anyOrigin ? () => true : originTest(options.allow_origins)
  const methods = new Set(options.allow_methods.map((m) => m.toUpperCase()))
  const methodAllowed = (method: string): boolean => method === "OPTIONS" || methods.has(method)
  const anyHeader = options.allow_headers.includes("*")
  const headers = new Set(options.allow_headers.length === 0 ? safelistedHeaders : [...options.allow_headers.map((h) => h.toLowerCase()), "origin"])
  const credentials = options.allow_credentials
  const maxAge = options.max_age === undefined ? 0 : Math.floor(Duration.toSeconds(options.max_age))
  const expose = options.expose_headers.join(", ")
  const status = options.options_success_status

  const preflightHeaders = (request: HttpServerRequest.HttpServerRequest, origin: string | undefined): Record<string, string> => {
    const out: Record<string, string> = {}
    if (origin === undefined || !originAllowed(origin)) return out
    const method = (request.headers["access-control-request-method"] ?? "").toUpperCase()
    if (!methodAllowed(method)) return out
    const asked = request.headers["access-control-request-headers"] ?? ""
    const names = requestedHeaders(asked)
    if (!anyHeader && !names.every((name) => headers.has(name))) return out
    out["access-control-allow-origin"] = anyOrigin ? "*" : origin
    out["access-control-allow-methods"] = method
    if (names.length > 0) out["access-control-allow-headers"] = names.join(",") // rs/cors: no space
    if (credentials) out["access-control-allow-credentials"] = "true"
    if (options.allow_private_network && request.headers["access-control-request-private-network"] === "true") {
      out["access-control-allow-private-network"] = "true"
    }
    if (maxAge > 0) out["access-control-max-age"] = String(maxAge)
    return out
  }

  const preflight = (request: HttpServerRequest.HttpServerRequest, origin: string | undefined): HttpApp => {
    const allow = preflightHeaders(request, origin)
    const vary = options.allow_private_network ? `${PREFLIGHT_VARY}, Access-Control-Request-Private-Network` : PREFLIGHT_VARY
    if (options.options_passthrough) {
      return Effect.map(app, (response) => withVary(HttpServerResponse.setHeaders(response, allow), vary))
    }
    return Effect.succeed(HttpServerResponse.empty({ status, headers: { ...allow, vary } }))
  }

  const actualHeaders = (request: HttpServerRequest.HttpServerRequest, origin: string | undefined): Record<string, string> | undefined => {
    if (origin === undefined || !originAllowed(origin) || !methodAllowed(request.method)) return undefined
    const out: Record<string, string> = { "access-control-allow-origin": anyOrigin ? "*" : origin }
    if (credentials) out["access-control-allow-credentials"] = "true"
    if (expose !== "") out["access-control-expose-headers"] = expose
    return out
  }

  return Effect.withFiber((fiber) => {
    const request = Context.getUnsafe(fiber.context, HttpServerRequest.HttpServerRequest)
    const origin = request.headers["origin"]
    if (request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined) {
      return preflight(request, origin)
    }
    const allow = actualHeaders(request, origin)
    return Effect.map(app, (response) =>
      withVary(allow === undefined ? response : HttpServerResponse.setHeaders(response, allow), "Origin"))
  })
}

/** The CORS wrapper of a config: the identity when `security/cors` is not configured. */
export const fromConfig = (config: GatewayConfig): (app: HttpApp) => HttpApp => {
  const options = config.extra_config["security/cors"]
  return options === undefined ? (app) => app : make(options)
}
