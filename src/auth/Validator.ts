/**
 * The JWT validator of an endpoint (`auth/validator`, krakend-jose): an endpoint stage that
 * answers 401 without a valid token and 403 without the roles or scopes, both with an empty body
 * and no `Content-Type`, `Cache-Control` or `X-Krakend-Completed` (KrakenD's fixtures). A valid
 * token's claims become the propagated headers and `{JWT.x}` params of the request.
 *
 * Built once per endpoint: the extractor, the key source (shared per JWK URL), the claim rules,
 * the matchers, the propagation plan. Per request: a header read, one base64 + JSON decode of
 * the protected header, a synchronous key lookup, and — unless this exact token was verified
 * before with the same key — one `jose` signature check.
 *
 * @since 0.2.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Scope from "effect/Scope"
import { resolve } from "node:path"
import { ConfigError } from "../config/ConfigError.ts"
import * as JsonPath from "../config/JsonPath.ts"
import type { EndpointConfig, ValidatorOptions } from "../config/Model.ts"
import { canonical } from "../proxy/HeaderName.ts"
import type { Headers } from "../proxy/Proxy.ts"
import type { Grant, Handler } from "../router/Endpoint.ts"
import * as OptionalLibrary from "../OptionalLibrary.ts"
import * as Claims from "./Claims.ts"
import * as JwkSet from "./JwkSet.ts"
import * as JwksFetch from "./JwksFetch.ts"
import * as KeySource from "./KeySource.ts"
import type * as Revoker from "./Revoker.ts"
import * as Cel from "../scripting/Cel.ts"
import * as Token from "./Token.ts"
import * as NullRecord from "../NullRecord.ts"

/** Bound of one JWKS download (KrakenD has none). */
export const FETCH_TIMEOUT_MS = JwkSet.FETCH_TIMEOUT_MS

/** `cache_duration: 0` means this (krakend-jose). */
const DEFAULT_CACHE_SECONDS = 900

const refusal = (status: 401 | 403) => HttpServerResponse.empty({ status, headers: { "content-length": "0" } })
const unauthorized = Effect.succeed(refusal(401))
const forbidden = Effect.succeed(refusal(403))

/** Where key sources are shared: one per JWK URL, TLS settings, algorithm and strategy. */
export type Sources = Map<string, KeySource.KeySource>

/** A fresh, empty set of shared key sources (one per gateway build). */
export const sources = (): Sources => new Map()

const at = (options: ValidatorOptions, key: string) => JsonPath.key(options.path, key)

/** Reads and imports a local JWK set, once; a missing or empty file fails the start naming the path tried. */
const localSource = (options: ValidatorOptions, file: string): Effect.Effect<KeySource.KeySource, ConfigError> => {
  const path = at(options, "jwk_local_path")
  return Effect.flatMap(JwkSet.readLocal(file, path), (jwks) =>
    Effect.flatMap(
      Effect.promise(() => KeySource.importSet(jwks, options.alg, options.key_identify_strategy)),
      ({ keys, skipped }) =>
        keys.size === 0
          ? Effect.fail(new ConfigError({
            issues: [{ path, message: `no key usable with ${options.alg} in ${resolve(file)}${skipped.length > 0 ? `: ${skipped.join("; ")}` : ""}` }]
          }))
          : Effect.succeed(KeySource.local(keys))
    ))
}

/** The remote source of a validator, shared with the endpoints that name the same URL and settings. */
const remoteSource = (
  options: ValidatorOptions,
  url: string,
  shared: Sources
): Effect.Effect<KeySource.KeySource, ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const client = yield* JwkSet.clientOptions(url, options, options.path)
    const cooldownMs = Math.max(KeySource.FLOOR_MS, options.failed_jwk_key_cooldown === undefined ? 0 : Duration.toMillis(options.failed_jwk_key_cooldown))
    const id = JSON.stringify([url, options.alg, options.key_identify_strategy, client.insecure, client.ca, client.ciphers, client.fingerprints, cooldownMs])
    const known = shared.get(id)
    if (known !== undefined) return known
    const source = KeySource.remote(yield* JwksFetch.make(client), options.alg, options.key_identify_strategy, cooldownMs)
    shared.set(id, source)
    source.prefetch() // never blocks the start; a failure only means the first request downloads
    return source
  })

/** The `{JWT.x}` claim names a backend `url_pattern` of the endpoint reads. */
export const jwtParams = (endpoint: EndpointConfig): ReadonlyArray<string> => [
  ...new Set(endpoint.backend.flatMap((b) => [...b.url_pattern.matchAll(/\{JWT\.([^{}]+)\}/g)].map((m) => m[1]!)))
]

/** The header names an endpoint's validator propagates (canonical), always forwarded to its backends. */
export const propagatedHeaders = (endpoint: EndpointConfig): ReadonlyArray<string> =>
  (endpoint.extra_config["auth/validator"]?.propagate_claims ?? []).map(([, header]) => canonical(header))

/** A `{JWT.x}` value: the flat claim, else a nested walk of a dotted name (not for URL-named claims). */
const paramClaim = (claims: Claims.Claims, name: string): unknown =>
  Object.hasOwn(claims, name) ? claims[name] : Claims.isNestedName(name) ? Claims.lookup(claims, name, true) : undefined

const decoder = new TextDecoder()

/**
 * Builds the validator stage of an endpoint, or `undefined` when it has no `auth/validator`:
 * a wrapper of the endpoint handler that calls it with the `Grant` of a valid token.
 */
export const make = (
  endpoint: EndpointConfig,
  shared: Sources,
  revoker?: Revoker.Revoker | undefined
): Effect.Effect<((handler: Handler) => Handler) | undefined, ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const options = endpoint.extra_config["auth/validator"]
    if (options === undefined) return undefined
    const source = options.jwk_local_path !== undefined
      ? yield* localSource(options, options.jwk_local_path)
      : yield* remoteSource(options, options.jwk_url!, shared)
    const maxAgeMs = options.jwk_local_path !== undefined
      ? Infinity
      : options.cache
      ? (options.cache_duration === 0 ? DEFAULT_CACHE_SECONDS : options.cache_duration) * 1000
      : KeySource.FLOOR_MS
    const alg = options.alg
    const strategy = options.key_identify_strategy
    const extract = Token.extractor(options.auth_header_name, options.cookie_key)
    const rules: Claims.Rules = {
      issuer: options.issuer,
      audience: options.audience,
      leewayMs: Math.max(1000, Duration.toMillis(options.leeway))
    }
    const roles = Claims.rolesMatcher(options.roles_key, options.roles_key_is_nested, options.roles)
    const scopes = Claims.scopesMatcher(options.scopes_key, options.scopes_matcher, options.scopes)
    const propagate = options.propagate_claims.map(([claim, header]) => ({
      claim,
      nested: Claims.isNestedName(claim),
      header: canonical(header)
    }))
    const preserve = options.propagate_claims_preserve_array
    const params = jwtParams(endpoint)
    // `validation/cel` expressions on `JWT` (krakend-cel's rejecter, next to the revoker's)
    const celJwt = Cel.jwtCheck(endpoint.extra_config["validation/cel"])
    const tag = `[ENDPOINT: ${endpoint.endpoint}][JWTValidator]`
    const refuse = options.operation_debug
      ? (status: 401 | 403, reason: string) => Effect.as(Effect.logError(tag, reason), refusal(status))
      : (status: 401 | 403) => status === 401 ? unauthorized : forbidden

    const grant = (claims: Claims.Claims): Grant => {
      const headers: Record<string, ReadonlyArray<string>> = NullRecord.make()
      for (const p of propagate) {
        const claim = Claims.lookup(claims, p.claim, p.nested)
        headers[p.header] = preserve ? Claims.texts(claim) : [Claims.text(claim)]
      }
      const values: Record<string, string> = NullRecord.make()
      for (const name of params) {
        const claim = paramClaim(claims, name)
        if (claim !== undefined) values[`JWT.${name}`] = Claims.text(claim)
      }
      return { headers: headers as Headers, params: values }
    }

    return (handler: Handler): Handler => {
      const after = (
        claims: Claims.Claims,
        request: Parameters<Handler>[0],
        values: ReadonlyArray<string>,
        path: string,
        rawQuery: string
      ) => {
        const invalid = Claims.check(claims, rules, Date.now())
        if (invalid !== undefined) return refuse(401, `Unable to validate the token: ${invalid}`)
        if (revoker !== undefined && revoker.rejects(claims)) return refuse(401, "Token sent by client rejected")
        if (celJwt !== undefined && !celJwt(claims)) return refuse(401, "Token sent by client rejected")
        if (roles !== undefined && !roles(claims)) return refuse(403, "Token sent by client does not have sufficient roles")
        if (scopes !== undefined && !scopes(claims)) return refuse(403, "Token sent by client does not have the required scopes")
        return handler(request, values, path, rawQuery, grant(claims))
      }

      const { compactVerify } = OptionalLibrary.jose()
      const verify = (compact: string, id: string, known: KeySource.Key | undefined) =>
        Effect.tryPromise({
          try: async () => {
            const key = known ?? await source.load(id, maxAgeMs)
            const { payload } = await compactVerify(compact, key, { algorithms: [alg] })
            const claims: unknown = JSON.parse(decoder.decode(payload))
            if (typeof claims !== "object" || claims === null || Array.isArray(claims)) throw new Error("Token sent by client is invalid: the payload is not a JSON object")
            source.remember(compact, { key, id, claims: claims as Claims.Claims })
            return claims as Claims.Claims
          },
          catch: (e) => e instanceof Error ? e.message : String(e)
        })

      return (request, values, path, rawQuery) => {
        const token = extract(request)
        if (token === undefined) return refuse(401, "Unable to validate the token: Token not found")
        // This exact token was verified before (remembered in its compact form, without
        // whitespace), with the key its header names, still current.
        const seen = source.verified(token)
        if (seen !== undefined && source.get(seen.id, maxAgeMs) === seen.key) return after(seen.claims, request, values, path, rawQuery)
        const parsed = Token.parse(token)
        if (typeof parsed === "string") return refuse(401, `Unable to validate the token: ${parsed}`)
        if (parsed.header["alg"] !== alg) return refuse(401, "Unable to validate the token: algorithm is invalid")
        const id = Token.keyId(parsed.header, strategy)
        return Effect.matchEffect(verify(parsed.compact, id, source.get(id, maxAgeMs)), {
          onFailure: (reason) => refuse(401, `Unable to validate the token: ${reason}`),
          onSuccess: (claims) => after(claims, request, values, path, rawQuery)
        })
      }
    }
  })
