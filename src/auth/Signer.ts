/**
 * The JWT signer of an endpoint (`auth/signer`, krakend-jose, AUTH-TLS.md §2): each
 * `keys_to_sign` value of the answer that is an object becomes a token signed with the JWK
 * `kid` — compact, or with `full` the JSON serialization as a string. The payload is the object
 * as Go's `json.Marshal` writes it (keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped), the
 * protected header `{"alg","kid","typ"}`, so an HS256 token equals KrakenD's byte for byte.
 *
 * The key is read once at start (a local file, or one bounded download) and imported once; a
 * missing key is a start error (KrakenD answers 401 forever). The stage is the outermost endpoint
 * stage of the proxy pipe (`Factory.ts`); the answer is rendered by `Endpoint.ts` as KrakenD's
 * signer does (always JSON, the backend's status, no completeness header, 400 on a failure).
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { ConfigError } from "../config/ConfigError.ts"
import * as JsonPath from "../config/JsonPath.ts"
import type { EndpointConfig, SignerOptions } from "../config/Model.ts"
import * as Json from "../encoding/Json.ts"
import type { Middleware } from "../proxy/Proxy.ts"
import * as OptionalLibrary from "../OptionalLibrary.ts"
import * as Proxy from "../proxy/Proxy.ts"
import { ModifierError } from "../proxy/ProxyError.ts"
import * as JwkSet from "./JwkSet.ts"
import * as JwksFetch from "./JwksFetch.ts"
import type * as KeySource from "./KeySource.ts"

const escapeGo = (json: string): string =>
  json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

/** Go's `json.Marshal` of a decoded value: object keys sorted at every level, HTML characters escaped. */
export const goJson = (value: unknown): string => {
  if (value === null || value === undefined) return "null"
  if (Json.isRaw(value)) {
    const n = Number(value.rawJSON)
    return Number.isFinite(n) ? JSON.stringify(n) : value.rawJSON
  }
  if (typeof value === "string") return escapeGo(JSON.stringify(value))
  if (typeof value !== "object") return JSON.stringify(value) ?? "null"
  if (Array.isArray(value)) return `[${value.map(goJson).join(",")}]`
  const o = value as Record<string, unknown>
  return `{${Object.keys(o).sort().map((k) => `${escapeGo(JSON.stringify(k))}:${goJson(o[k])}`).join(",")}}`
}

const encoder = new TextEncoder()

/** Reads the signing key: the JWK named `kid`, private members kept. */
const signingKey = (options: SignerOptions): Effect.Effect<{ readonly key: KeySource.Key; readonly kid: string }, ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const path = options.path
    const jwks = options.jwk_local_path !== undefined
      ? yield* JwkSet.readLocal(options.jwk_local_path, JsonPath.key(path, "jwk_local_path"))
      : yield* Effect.flatMap(
        Effect.flatMap(JwkSet.clientOptions(options.jwk_url!, options, path), JwksFetch.make),
        (fetch) =>
          Effect.tryPromise({
            try: fetch,
            catch: (e) =>
              new ConfigError({
                issues: [{ path: JsonPath.key(path, "jwk_url"), message: `cannot download the signing key: ${e instanceof Error ? e.message : String(e)}` }]
              })
          })
      )
    const jwk = jwks.find((k) => k["kid"] === options.kid)
    if (jwk === undefined) {
      return yield* Effect.fail(new ConfigError({ issues: [{ path: JsonPath.key(path, "kid"), message: `no key '${options.kid}' in the JWK set` }] }))
    }
    const key = yield* Effect.tryPromise({
      try: () => OptionalLibrary.jose().importJWK({ ...jwk, ext: true }, options.alg) as Promise<KeySource.Key>,
      catch: (e) =>
        new ConfigError({
          issues: [{ path: JsonPath.key(path, "alg"), message: `key '${options.kid}' cannot sign ${options.alg}: ${e instanceof Error ? e.message : String(e)}` }]
        })
    })
    if (!(key instanceof Uint8Array) && key.type !== "private") {
      return yield* Effect.fail(new ConfigError({ issues: [{ path: JsonPath.key(path, "kid"), message: `key '${options.kid}' is a public key: a signer needs the private key` }] }))
    }
    return { key, kid: options.kid }
  })

/** The signer stage of an endpoint, or `undefined` when it has no `auth/signer`. */
export const make = (endpoint: EndpointConfig): Effect.Effect<Middleware | undefined, ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const options = endpoint.extra_config["auth/signer"]
    if (options === undefined) return undefined
    const { key, kid } = yield* signingKey(options)
    const header = { alg: options.alg, kid, typ: options.typ }
    const { CompactSign, FlattenedSign } = OptionalLibrary.jose()
    const sign = options.full
      ? async (payload: Uint8Array) => {
        const jws = await new FlattenedSign(payload).setProtectedHeader(header).sign(key)
        return JSON.stringify({ payload: jws.payload, protected: jws.protected, signature: jws.signature })
      }
      : (payload: Uint8Array) => new CompactSign(payload).setProtectedHeader(header).sign(key)
    const names = options.keys_to_sign
    const signAll = async (data: Readonly<Record<string, unknown>>) => {
      const out: Record<string, unknown> = { ...data }
      for (const name of names) {
        const value = data[name]
        if (Json.isObject(value)) out[name] = await sign(encoder.encode(goJson(value)))
      }
      return out
    }
    return (next) => (req) =>
      Effect.flatMap(next(req), (res) =>
        names.some((name) => Json.isObject(res.data[name]))
          ? Effect.tryPromise({
            try: () => signAll(res.data),
            catch: (e) => new ModifierError({ status: 400, message: `Signing fields: unable to sign payload: ${e instanceof Error ? e.message : String(e)}` })
          }).pipe(Effect.map((data): Proxy.ProxyResponse => ({ ...res, data })))
          : Effect.succeed(res))
  })
