/**
 * The keys of a validator, by the id its `key_identify_strategy` reads: a local JWK set read
 * once at start, or a remote one (krakend-jose `jwk_url`) downloaded on demand and shared by
 * every endpoint that names the same URL and TLS settings.
 *
 * Remote keys are imported once per download and kept with their download time; a key older
 * than the endpoint's `cache_duration` (1 s without `cache`) is looked up again. Downloads are
 * single-flight, at most one a second per source (a lookup waits for the next one rather than
 * refuse a key published a moment ago), and a key id that a download did not find is refused
 * without a download for `failed_jwk_key_cooldown` (at least 1 s): one bad token cannot make
 * the gateway hammer the identity provider. A failed download keeps nothing stale (KrakenD:
 * 401). The keys of a set that no longer lists them are dropped at once.
 *
 * Each source also remembers tokens whose signature it verified (up to `VERIFIED_MAX`), with
 * the key that verified them: a token seen again with the same, still fresh key skips the
 * signature check; its claims are still checked on every request.
 *
 * @since 0.2.0
 */
import { createHash } from "node:crypto"
import type { CryptoKey } from "jose"
import * as OptionalLibrary from "../OptionalLibrary.ts"
import type { Claims } from "./Claims.ts"
import type { Jwk, Fetch } from "./JwksFetch.ts"
import type { Strategy } from "./Token.ts"

/** An imported verification key. */
export type Key = CryptoKey | Uint8Array

/** The least time between two downloads of one source, and the least cooldown of a missed id. */
export const FLOOR_MS = 1000

/** Verified tokens remembered per source. */
export const VERIFIED_MAX = 10_000

/** Longest token remembered (longer ones are verified every time). */
export const REMEMBERED_TOKEN_MAX = 4096

/** Longest key id looked up: a longer one is refused at once (ids come from clients). */
export const KEY_ID_MAX = 256

/** A token whose signature was verified, the key that did it and the id it was found by. */
export interface Verified {
  readonly key: Key
  readonly id: string
  readonly claims: Claims
}

/** Keys by id. */
export interface KeySource {
  /** A key younger than `maxAgeMs`, synchronously; `undefined` when a lookup is needed. */
  readonly get: (id: string, maxAgeMs: number) => Key | undefined
  /** Looks a key up, downloading when needed; rejects with the reason it cannot be had. */
  readonly load: (id: string, maxAgeMs: number) => Promise<Key>
  /** Starts a download in the background (a remote source's first use). */
  readonly prefetch: () => void
  /** A token verified before with a key, or `undefined`. */
  readonly verified: (token: string) => Verified | undefined
  readonly remember: (token: string, verified: Verified) => void
}

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth"]

const b64url = (bytes: Buffer): string => bytes.toString("base64url")

/** The thumbprint of a JWK's first certificate, when it has no `x5t`/`x5t#S256` of its own. */
const thumbprint = (jwk: Jwk, name: "x5t" | "x5t#S256"): string => {
  const own = jwk[name]
  if (typeof own === "string" && own !== "") return own.replace(/=+$/, "")
  const chain = jwk["x5c"]
  if (!Array.isArray(chain) || typeof chain[0] !== "string") return ""
  return b64url(createHash(name === "x5t" ? "sha1" : "sha256").update(Buffer.from(chain[0], "base64")).digest())
}

/** The id a JWK is found by under a strategy (a missing thumbprint falls back to `kid`, like the token side). */
export const jwkId = (jwk: Jwk, strategy: Strategy): string => {
  const kid = typeof jwk["kid"] === "string" ? jwk["kid"] : ""
  switch (strategy) {
    case "x5t":
      return thumbprint(jwk, "x5t") || kid
    case "x5t#S256":
      return thumbprint(jwk, "x5t#S256") || kid
    case "kid_x5t":
      return kid + thumbprint(jwk, "x5t")
    default:
      return kid
  }
}

/** A JWK made fit for verification: asymmetric private members dropped (a set may hold private keys). */
const publicPart = (jwk: Jwk): Record<string, unknown> =>
  jwk["kty"] === "oct" ? { ...jwk } : Object.fromEntries(Object.entries(jwk).filter(([k]) => !PRIVATE_MEMBERS.includes(k)))

/** Imports the keys of a set for `alg`: those that do not fit it are skipped (with their reason). */
export const importSet = async (
  jwks: ReadonlyArray<Jwk>,
  alg: string,
  strategy: Strategy,
  previous: ReadonlyMap<string, { readonly json: string; readonly key: Key }> = new Map()
): Promise<{ readonly keys: Map<string, { readonly json: string; readonly key: Key }>; readonly skipped: ReadonlyArray<string> }> => {
  const keys = new Map<string, { readonly json: string; readonly key: Key }>()
  const skipped: Array<string> = []
  for (const jwk of jwks) {
    const id = jwkId(jwk, strategy)
    const json = JSON.stringify(jwk)
    const known = previous.get(id)
    if (known !== undefined && known.json === json) {
      keys.set(id, known) // same key: same object, so tokens verified with it stay remembered
      continue
    }
    try {
      const key = await OptionalLibrary.jose().importJWK({ ...publicPart(jwk), ext: true }, alg) as Key
      if (!keys.has(id)) keys.set(id, { json, key })
    } catch (e) {
      skipped.push(`key '${id}': ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  return { keys, skipped }
}

const memory = (): Pick<KeySource, "verified" | "remember"> => {
  const tokens = new Map<string, Verified>()
  return {
    verified: (token) => tokens.get(token),
    remember: (token, verified) => {
      if (token.length > REMEMBERED_TOKEN_MAX) return
      if (tokens.size >= VERIFIED_MAX) tokens.delete(tokens.keys().next().value!)
      tokens.set(token, verified)
    }
  }
}

/** A local set: every key imported at start, never refreshed. */
export const local = (keys: ReadonlyMap<string, { readonly key: Key }>): KeySource => ({
  get: (id) => keys.get(id)?.key,
  load: (id) => {
    const key = keys.get(id)?.key
    return key === undefined ? Promise.reject(new Error(`key '${id}' not found in the key set`)) : Promise.resolve(key)
  },
  prefetch: () => undefined,
  ...memory()
})

/** A remote set behind `fetch`. */
export const remote = (
  fetch: Fetch,
  alg: string,
  strategy: Strategy,
  cooldownMs: number
): KeySource => {
  let keys = new Map<string, { readonly json: string; readonly key: Key; readonly at: number }>()
  let inflight: Promise<void> | undefined
  let lastAttempt = -Infinity
  let lastError: string | undefined
  /** The last download could not be had (not: it had no such key). */
  let lastFailed = false
  const misses = new Map<string, number>()

  const download = (): Promise<void> => {
    if (inflight !== undefined) return inflight
    lastAttempt = performance.now()
    inflight = fetch()
      .then((jwks) => importSet(jwks, alg, strategy, keys))
      .then(({ keys: imported, skipped }) => {
        const at = Date.now()
        keys = new Map([...imported].map(([id, k]) => [id, { ...k, at }]))
        lastError = imported.size === 0
          ? `no Keys have been found${skipped.length > 0 ? ` usable with ${alg}: ${skipped.join("; ")}` : ""}`
          : undefined
        lastFailed = false
      }, (e: unknown) => {
        lastError = e instanceof Error ? e.message : String(e)
        lastFailed = true
      })
      .finally(() => {
        inflight = undefined
      })
    return inflight
  }

  const get = (id: string, maxAgeMs: number): Key | undefined => {
    const entry = keys.get(id)
    return entry !== undefined && Date.now() - entry.at < maxAgeMs ? entry.key : undefined
  }

  const load = async (id: string, maxAgeMs: number): Promise<Key> => {
    if (id.length > KEY_ID_MAX) throw new Error(`key id longer than ${KEY_ID_MAX} characters`)
    const until = misses.get(id)
    if (until !== undefined && until > Date.now()) {
      throw new Error(`key '${id}' was not found a moment ago; no new download before the cooldown ends`)
    }
    const asked = performance.now()
    const running = inflight
    if (running !== undefined) await running
    let key = get(id, maxAgeMs)
    if (key !== undefined) return key
    // Only a download that started after this lookup can tell that the key does not exist (a
    // key published during an earlier download must not be refused for the whole cooldown):
    // wait out the floor (at most a second), then download once, shared with other lookups. A
    // download that failed says nothing more by being repeated at once.
    if (lastAttempt < asked && !(running !== undefined && lastFailed)) {
      const wait = lastAttempt + FLOOR_MS - performance.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      // a download started since this lookup asked (by another lookup) is joined, else one starts
      await (lastAttempt < asked ? download() : inflight ?? Promise.resolve())
      key = get(id, maxAgeMs)
      if (key !== undefined) return key
    }
    if (misses.size >= VERIFIED_MAX) misses.delete(misses.keys().next().value!)
    misses.set(id, Date.now() + cooldownMs)
    throw new Error(lastError ?? (keys.has(id) ? "the cached key expired" : "no Keys have been found"))
  }

  return { get, load, prefetch: () => void download(), ...memory() }
}
