/**
 * Downloads a JWK set like krakend-jose's JWK client, bounded: one undici agent per key source
 * (TLS from `disable_jwk_security`, `jwk_local_ca`, `cipher_suites`, pinning from
 * `jwk_fingerprints`), a whole-download timeout (KrakenD has none: a silent server hangs its
 * requests), a size limit, KrakenD's `Content-Type` rule and `User-Agent`. The HTTP status is
 * not checked, as in KrakenD.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { createHash, X509Certificate } from "node:crypto"
import type { TLSSocket } from "node:tls"
import * as Tls from "node:tls"
import { Agent, buildConnector, request } from "undici"
import * as Version from "../Version.ts"

/** A JSON Web Key as found in a set. */
export type Jwk = Readonly<Record<string, unknown>>

/** Downloads the set: its keys, or a rejection whose message says why. */
export type Fetch = () => Promise<ReadonlyArray<Jwk>>

/** How to reach the JWK server. */
export interface Options {
  readonly url: string
  /** `disable_jwk_security`: no certificate check. */
  readonly insecure: boolean
  /** Extra CA certificates (PEM), added to Node's default roots. */
  readonly ca: string | undefined
  /** SHA-256 SPKI pins, base64url with padding; any certificate of the chain may match. */
  readonly fingerprints: ReadonlyArray<string>
  /** OpenSSL cipher list, when `cipher_suites` is set. */
  readonly ciphers: string | undefined
  /** Bound of one whole download. */
  readonly timeoutMs: number
}

/** Largest JWK set accepted. */
export const MAX_BYTES = 1024 * 1024

/** The SHA-256 of a certificate's SubjectPublicKeyInfo, base64url with padding (KrakenD's pin format). */
export const spkiPin = (der: Buffer): string => {
  const spki = new X509Certificate(der).publicKey.export({ type: "spki", format: "der" })
  const pin = createHash("sha256").update(spki).digest("base64url")
  return pin + "=".repeat((4 - (pin.length % 4)) % 4)
}

/** The DER of every certificate the peer sent, leaf first. */
const chain = (socket: TLSSocket): ReadonlyArray<Buffer> => {
  const out: Array<Buffer> = []
  let cert = socket.getPeerCertificate(true)
  while (cert !== undefined && cert.raw !== undefined && !out.some((b) => b.equals(cert.raw))) {
    out.push(cert.raw)
    cert = cert.issuerCertificate
  }
  return out
}

const connector = (options: Options): buildConnector.connector => {
  const base = buildConnector({
    timeout: options.timeoutMs,
    minVersion: "TLSv1.2",
    rejectUnauthorized: !options.insecure,
    ...(options.ca === undefined ? {} : { ca: [...Tls.getCACertificates("default"), options.ca] }),
    ...(options.ciphers === undefined ? {} : { ciphers: options.ciphers })
  })
  if (options.fingerprints.length === 0) return base
  const pins = new Set(options.fingerprints)
  return (connectOptions, callback) =>
    base(connectOptions, (error, socket) => {
      if (error !== null) return callback(error, null)
      if (!("getPeerCertificate" in socket)) return callback(null, socket) // plain http: nothing to pin
      if (chain(socket as TLSSocket).some((der) => pins.has(spkiPin(der)))) return callback(null, socket)
      socket.destroy()
      callback(new Error("JWK client did not find a pinned key"), null)
    })
}

const JSON_TYPES = ["application/json", "application/jwk-set+json"]

/** Builds the fetcher; its agent is closed with the scope. */
export const make = (options: Options): Effect.Effect<Fetch, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => new Agent({ connect: connector(options), connections: 2, maxResponseSize: MAX_BYTES })),
      (agent) => Effect.promise(() => agent.destroy().catch(() => undefined))
    ),
    (agent): Fetch => async () => {
      const signal = AbortSignal.timeout(options.timeoutMs)
      try {
        const response = await request(options.url, {
          dispatcher: agent,
          signal,
          headers: { "user-agent": `KrakenD Version ${Version.version}`, accept: "application/json" }
        })
        const type = String(response.headers["content-type"] ?? "")
        if (!JSON_TYPES.some((t) => type.startsWith(t))) {
          await response.body.dump()
          throw new Error("should have a JSON content type for JWKS endpoint")
        }
        const set = await response.body.json() as { readonly keys?: unknown }
        if (typeof set !== "object" || set === null || !Array.isArray(set.keys) || set.keys.length === 0) {
          throw new Error("no Keys has been found")
        }
        return set.keys.filter((k): k is Jwk => typeof k === "object" && k !== null && !Array.isArray(k))
      } catch (e) {
        if (signal.aborted) throw new Error(`JWK server did not answer within ${options.timeoutMs} ms`)
        throw e
      }
    }
  )
