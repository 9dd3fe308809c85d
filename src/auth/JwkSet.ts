/**
 * Where a validator's or signer's JWK set comes from, checked when the gateway starts: a local
 * file (relative to the working directory; the error names the path tried) or the client
 * settings of a `jwk_url` (CA file, pins, cipher suites), each bad value naming its JSON path.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import { readFile } from "node:fs/promises"
import { resolve } from "node:path"
import { ConfigError } from "../config/ConfigError.ts"
import * as JsonPath from "../config/JsonPath.ts"
import * as TlsSuites from "../server/TlsSuites.ts"
import type * as JwksFetch from "./JwksFetch.ts"

/** Bound of one JWKS download (KrakenD has none). */
export const FETCH_TIMEOUT_MS = 5000

const fail = (path: string, message: string) => new ConfigError({ issues: [{ path, message }] })

/** Reads a JWK set file; `path` is the JSON path of its `jwk_local_path`. */
export const readLocal = (file: string, path: string): Effect.Effect<ReadonlyArray<JwksFetch.Jwk>, ConfigError> => {
  const tried = resolve(file)
  return Effect.tryPromise({
    try: async () => {
      const set = JSON.parse(await readFile(tried, "utf8")) as { readonly keys?: unknown }
      if (typeof set !== "object" || set === null || !Array.isArray(set.keys)) throw new Error("not a JWK set ({\"keys\": [...]})")
      return set.keys.filter((k): k is JwksFetch.Jwk => typeof k === "object" && k !== null && !Array.isArray(k))
    },
    catch: (e) => {
      const code = typeof e === "object" && e !== null && "code" in e ? String(e.code) : ""
      const reason = code === "ENOENT" ? "no such file" : e instanceof Error ? e.message : String(e)
      return fail(path, `cannot read the JWK set ${tried}: ${reason}`)
    }
  })
}

/** The JWK client settings of a namespace (validator or signer). */
export interface ClientSettings {
  readonly disable_jwk_security: boolean
  readonly jwk_local_ca?: string | undefined
  readonly jwk_fingerprints: ReadonlyArray<string>
  readonly cipher_suites?: ReadonlyArray<number> | undefined
}

/** The fetch options of `url`; `path` is the JSON path of the namespace. */
export const clientOptions = (url: string, settings: ClientSettings, path: string): Effect.Effect<JwksFetch.Options, ConfigError> =>
  Effect.gen(function*() {
    let ciphers: string | undefined
    if (settings.cipher_suites !== undefined) {
      const parsed = TlsSuites.ciphers(settings.cipher_suites)
      if ("index" in parsed) return yield* Effect.fail(fail(JsonPath.index(JsonPath.key(path, "cipher_suites"), parsed.index), parsed.problem))
      ciphers = parsed.ciphers
    }
    let ca: string | undefined
    if (settings.jwk_local_ca !== undefined) {
      const file = resolve(settings.jwk_local_ca)
      ca = yield* Effect.tryPromise({
        try: () => readFile(file, "utf8"),
        catch: () => fail(JsonPath.key(path, "jwk_local_ca"), `failed to append "${file}" to RootCAs: cannot read the file`)
      })
    }
    for (const [i, pin] of settings.jwk_fingerprints.entries()) {
      if (!/^[A-Za-z0-9_-]{43}=$/.test(pin)) {
        return yield* Effect.fail(fail(
          JsonPath.index(JsonPath.key(path, "jwk_fingerprints"), i),
          `decoding fingerprint #${i}: expected the base64url (with padding) SHA-256 of a certificate's public key`
        ))
      }
    }
    return { url, insecure: settings.disable_jwk_security, ca, fingerprints: settings.jwk_fingerprints, ciphers, timeoutMs: FETCH_TIMEOUT_MS }
  })
