/**
 * API keys (`auth/api-keys`, KrakenD Enterprise, AUTH-TLS.md §5.2): the service level lists the
 * keys and their roles; an endpoint with `auth/api-keys` requires a known key holding one of its
 * `roles` — read from a header (`Authorization` by default, `Bearer ` optional) or a query
 * parameter (`key` by default) — else **401** with an empty body (a known key without the role
 * too, as the Enterprise schema says). `client_max_rate` limits each key (429 with
 * `Retry-After`). `propagate_role` sends the key's first role the endpoint accepts to the
 * backends, whatever `input_headers` says.
 *
 * Keys may be stored hashed (`hash`: `sha256`, `sha1`, `fnv128` — FNV-1a 128 — of `salt` + key,
 * hex or base64). Built once; per request a header or query read, at most one hash, and a map
 * lookup.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { createHash } from "node:crypto"
import type { EndpointConfig, GatewayConfig } from "../config/Model.ts"
import { canonical } from "../proxy/HeaderName.ts"
import * as RateLimit from "../qos/RateLimit.ts"
import type { Grant, Handler } from "../router/Endpoint.ts"

/** Longest key looked up: a longer one is refused at once (before any hash is computed). */
export const KEY_MAX = 512

const unauthorized = Effect.succeed(HttpServerResponse.empty({ status: 401, headers: { "content-length": "0" } }))

const FNV128_OFFSET = 0x6c62272e07bb014262b821756295c58dn
const FNV128_PRIME = 0x0000000001000000000000000000013bn
const MASK128 = (1n << 128n) - 1n

/** FNV-1a 128 of the UTF-8 bytes of `text`, as 16 bytes. */
export const fnv128a = (text: string): Buffer => {
  let hash = FNV128_OFFSET
  for (const byte of Buffer.from(text, "utf8")) hash = ((hash ^ BigInt(byte)) * FNV128_PRIME) & MASK128
  return Buffer.from(hash.toString(16).padStart(32, "0"), "hex")
}

/** The digest of a presented key under `hash` (plain: the key itself). */
const digest = (hash: string, salt: string): ((key: string) => ReadonlyArray<string>) => {
  if (hash === "plain") return (key) => [key]
  const bytes = hash === "fnv128" ? (text: string) => fnv128a(text) : (text: string) => createHash(hash).update(text).digest()
  return (key) => {
    const d = bytes(salt + key)
    return [d.toString("hex"), d.toString("base64"), d.toString("base64url")]
  }
}

/** The stage of an endpoint with `auth/api-keys`, or `undefined`. */
export const make = (config: GatewayConfig, endpoint: EndpointConfig): ((handler: Handler) => Handler) | undefined => {
  const required = endpoint.extra_config["auth/api-keys"]
  const service = config.extra_config["auth/api-keys"]
  if (required === undefined || service === undefined) return undefined
  const strategy = required.strategy ?? service.strategy
  const identifier = required.identifier ?? service.identifier ?? (strategy === "header" ? "Authorization" : "key")
  const keys = new Map<string, ReadonlyArray<string>>()
  for (const k of service.keys) keys.set(service.hash === "plain" ? k.key : k.key.toLowerCase(), k.roles)
  const hashed = service.hash !== "plain"
  const digests = digest(service.hash, service.salt)
  const find = (presented: string): ReadonlyArray<string> | undefined => {
    for (const d of digests(presented)) {
      const roles = keys.get(hashed ? d.toLowerCase() : d) ?? (hashed ? keys.get(d) : undefined)
      if (roles !== undefined) return roles
    }
    return undefined
  }
  const header = identifier.toLowerCase()
  const read = strategy === "header"
    ? (request: Parameters<Handler>[0]): string | undefined => {
      const value = request.headers[header]
      if (value === undefined || value === "") return undefined
      return value.length > 7 && value.slice(0, 7).toLowerCase() === "bearer " ? value.slice(7) : value
    }
    : (_request: Parameters<Handler>[0], rawQuery: string): string | undefined =>
      rawQuery === "" ? undefined : new URLSearchParams(rawQuery).get(identifier) ?? undefined
  const accepted = new Set(required.roles)
  const propagate = service.propagate_role === "" ? undefined : canonical(service.propagate_role)
  const limit = required.client_max_rate === undefined
    ? undefined
    : RateLimit.clientBuckets(RateLimit.rate(required.client_max_rate, 1000, Math.ceil(required.client_max_rate)), 60_000)

  return (handler) => (request, params, path, rawQuery, grant) => {
    const presented = read(request, rawQuery)
    if (presented === undefined || presented.length > KEY_MAX) return unauthorized
    const roles = find(presented)
    const role = roles === undefined ? undefined : accepted.size === 0 ? "ANY" : roles.find((r) => accepted.has(r))
    if (role === undefined) return unauthorized
    if (limit !== undefined) {
      const wait = limit.take(presented, performance.now())
      if (wait > 0) {
        return Effect.succeed(HttpServerResponse.empty({
          status: 429,
          headers: { "retry-after": RateLimit.retryAfter(wait), "content-length": "0" }
        }))
      }
    }
    if (propagate === undefined) return handler(request, params, path, rawQuery, grant)
    const granted: Grant = {
      headers: { ...grant?.headers, [propagate]: [role] },
      params: grant?.params ?? {}
    }
    return handler(request, params, path, rawQuery, granted)
  }
}

/** The header names an endpoint's API keys propagate (always forwarded to its backends). */
export const propagatedHeaders = (config: GatewayConfig, endpoint: EndpointConfig): ReadonlyArray<string> => {
  const role = config.extra_config["auth/api-keys"]?.propagate_role
  return endpoint.extra_config["auth/api-keys"] === undefined || role === undefined || role === "" ? [] : [canonical(role)]
}
