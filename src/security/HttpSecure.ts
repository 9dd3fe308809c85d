/**
 * KrakenD's `security/http` (krakend-httpsecure on unrolled/secure, AUTH-TLS.md §6): around the
 * router, inside the handler plugins, so its headers are on every routed answer — errors, 401s
 * and 404s included — but not on CORS preflights nor on what a handler plugin answers itself.
 * In unrolled/secure's order: the host (`Host`, or the first non-empty `host_proxy_headers`)
 * must be allowed (else 500 `Bad Host`), a plain-HTTP request is redirected to https (301) with
 * `ssl_redirect`, then the headers are set. A header the answer already carries (a `no-op`
 * backend's) wins, as a later handler's does in Go. Compiled once; per request a header read, a
 * set lookup and a few header writes.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { randomBytes } from "node:crypto"
import * as SecurityNamespaces from "../config/SecurityNamespaces.ts"
import type { GatewayConfig, HttpSecureOptions } from "../config/Model.ts"
import type { HttpApp } from "../router/Router.ts"
import * as BotDetector from "./BotDetector.ts"

const badHost = HttpServerResponse.text("Bad Host\n", {
  status: 500,
  contentType: "text/plain; charset=utf-8",
  headers: { "x-content-type-options": "nosniff" }
})

const escapeHtml = (s: string): string =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll("\"", "&#34;").replaceAll("'", "&#39;")

/** Go's `http.Redirect` with 301: a small HTML body for GET and HEAD only. */
const redirect = (method: string, location: string) =>
  method === "GET" || method === "HEAD"
    ? HttpServerResponse.text(`<a href="${escapeHtml(location)}">Moved Permanently</a>.\n\n`, {
      status: 301,
      contentType: "text/html; charset=utf-8",
      headers: { location }
    })
    : HttpServerResponse.empty({ status: 301, headers: { location, "content-length": "0" } })

interface NodeSource {
  readonly socket?: { readonly encrypted?: boolean }
  readonly stream?: unknown
}

/** Whether the request came over TLS (an HTTP/2 request always does here: no h2c). */
const overTls = (request: HttpServerRequest.HttpServerRequest): boolean => {
  const source = request.source as NodeSource
  return source.stream !== undefined || source.socket?.encrypted === true
}

/** The host allowlist: exact, case-insensitive (port included), or anchored regular expressions. */
const hostTest = (options: HttpSecureOptions): ((host: string) => boolean) | undefined => {
  if (options.allowed_hosts.length === 0 || options.is_development) return undefined
  if (!options.allowed_hosts_are_regex) {
    const allowed = new Set(options.allowed_hosts.map((h) => h.toLowerCase()))
    return (host) => allowed.has(host.toLowerCase())
  }
  const patterns = options.allowed_hosts.flatMap((p) => {
    const compiled = BotDetector.compile(SecurityNamespaces.hostPattern(p))
    return typeof compiled === "string" ? [] : [compiled]
  })
  return (host) => patterns.some((p) => p.regexp.test(p.lower ? host.toLowerCase() : host))
}

/** Compiles the options into a wrapper of the router. */
export const make = (options: HttpSecureOptions) => (app: HttpApp): HttpApp => {
  const allowed = hostTest(options)
  const proxyHeaders = options.host_proxy_headers.map((h) => h.toLowerCase())
  const sslProxy = Object.entries(options.ssl_proxy_headers).map(([name, value]) => [name.toLowerCase(), value] as const)
  const redirectOn = options.ssl_redirect && !options.is_development
  const sts = options.sts_seconds > 0 && !options.is_development
    ? `max-age=${options.sts_seconds}${options.sts_include_subdomains ? "; includeSubDomains" : ""}`
    : undefined
  const fixed: Array<readonly [string, string]> = []
  const frame = options.custom_frame_options_value !== "" ? options.custom_frame_options_value : options.frame_deny ? "DENY" : ""
  if (frame !== "") fixed.push(["x-frame-options", frame])
  if (options.content_type_nosniff) fixed.push(["x-content-type-options", "nosniff"])
  if (options.browser_xss_filter) fixed.push(["x-xss-protection", "1; mode=block"])
  const csp = options.content_security_policy
  const nonced = csp.includes("$NONCE")
  if (csp !== "" && !nonced) fixed.push(["content-security-policy", csp])
  if (options.referrer_policy !== "") fixed.push(["referrer-policy", options.referrer_policy])

  const isHttps = (request: HttpServerRequest.HttpServerRequest): boolean =>
    overTls(request) || sslProxy.some(([name, value]) => request.headers[name] === value)

  const decorate = (response: HttpServerResponse.HttpServerResponse, https: boolean): HttpServerResponse.HttpServerResponse => {
    const add: Record<string, string> = {}
    const has = response.headers
    if (sts !== undefined && (https || options.force_sts_header) && has["strict-transport-security"] === undefined) {
      add["strict-transport-security"] = sts
    }
    for (const [name, value] of fixed) if (has[name] === undefined) add[name] = value
    if (nonced && has["content-security-policy"] === undefined) {
      add["content-security-policy"] = csp.replaceAll("$NONCE", `'nonce-${randomBytes(16).toString("base64")}'`)
    }
    return HttpServerResponse.setHeaders(response, add)
  }

  return Effect.withFiber((fiber) => {
    const request = Context.getUnsafe(fiber.context, HttpServerRequest.HttpServerRequest)
    let host = request.headers["host"] ?? ""
    for (const name of proxyHeaders) {
      const value = request.headers[name]
      if (value !== undefined && value !== "") {
        host = value
        break
      }
    }
    if (allowed !== undefined && !allowed(host)) return Effect.succeed(badHost)
    const https = isHttps(request)
    if (redirectOn && !https) {
      return Effect.succeed(redirect(request.method, `https://${options.ssl_host !== "" ? options.ssl_host : host}${request.url}`))
    }
    return Effect.map(app, (response) => decorate(response, https))
  })
}

/** The `security/http` wrapper of a config: the identity when it is not configured. */
export const fromConfig = (config: GatewayConfig): (app: HttpApp) => HttpApp => {
  const options = config.extra_config["security/http"]
  return options === undefined ? (app) => app : make(options)
}
