/**
 * JWT test support: keys made at test time with `jose` (HS256, RS256, ES256, EdDSA), tokens,
 * a loopback JWKS server that counts its downloads and can be slowed, broken or stopped, and an
 * echo backend that records what reached it.
 */
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from "jose"
import { randomBytes } from "node:crypto"
import { mkdtempSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** A signing key and its public JWK. */
export interface TestKey {
  readonly alg: string
  readonly kid: string
  readonly sign: CryptoKey | Uint8Array
  /** The JWK a validator verifies with (the secret itself for HS*). */
  readonly jwk: JWK
}

/** Makes a key for `alg` named `kid`. */
export const key = async (alg: string, kid: string): Promise<TestKey> => {
  if (alg.startsWith("HS")) {
    const secret = new Uint8Array(randomBytes(32))
    return { alg, kid, sign: secret, jwk: { kty: "oct", kid, alg, k: Buffer.from(secret).toString("base64url") } }
  }
  const pair = await generateKeyPair(alg, { extractable: true, ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}) })
  const jwk = await exportJWK(pair.publicKey)
  return { alg, kid, sign: pair.privateKey, jwk: { ...jwk, kid, alg } }
}

const now = () => Math.floor(Date.now() / 1000)

/** A signed token; `exp` one hour ahead unless the claims set it (`exp: undefined` drops it). */
export const token = (k: TestKey, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> => {
  const payload: Record<string, unknown> = { sub: "user-1", exp: now() + 3600, ...claims }
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name]
  return new SignJWT(payload).setProtectedHeader({ alg: k.alg, kid: k.kid, ...header }).sign(k.sign)
}

/** An unsigned (`alg: none`) token. */
export const unsigned = (claims: Record<string, unknown> = {}): string =>
  new UnsecuredJWT({ sub: "user-1", exp: now() + 3600, ...claims }).encode()

/** Seconds since the epoch, shifted. */
export const at = (offsetSeconds: number): number => now() + offsetSeconds

/** Writes a JWK set file and returns its path. */
export const jwksFile = (keys: ReadonlyArray<JWK>): string => {
  const file = join(mkdtempSync(join(tmpdir(), "sluice-jwk-")), "jwks.json")
  writeFileSync(file, JSON.stringify({ keys }))
  return file
}

/** A JWKS server on loopback. */
export interface JwksServer {
  readonly url: string
  /** Downloads served (or attempted, while hanging). */
  readonly hits: () => number
  /** The set served from now on. */
  readonly serve: (keys: ReadonlyArray<JWK>) => void
  /** `json` (default), `text` (wrong content type), `hang` (accepts, never answers), `error` (500 with a JSON body). */
  readonly mode: (m: "json" | "text" | "hang" | "error") => void
  readonly close: () => Promise<void>
}

/** Starts a JWKS server. */
export const jwksServer = (keys: ReadonlyArray<JWK>): Promise<JwksServer> =>
  new Promise((resolve) => {
    let set = keys
    let hits = 0
    let mode: "json" | "text" | "hang" | "error" = "json"
    const server: Server = createServer((_req, res) => {
      hits++
      if (mode === "hang") return
      if (mode === "error") {
        res.writeHead(500, { "content-type": "application/json" })
        return res.end("{}")
      }
      res.writeHead(200, { "content-type": mode === "json" ? "application/json" : "text/plain" })
      res.end(JSON.stringify({ keys: set }))
    })
    server.listen(0, "127.0.0.1", () => {
      const a = server.address()
      resolve({
        url: `http://127.0.0.1:${typeof a === "object" && a !== null ? a.port : 0}/jwks.json`,
        hits: () => hits,
        serve: (k) => (set = k),
        mode: (m) => (mode = m),
        close: () =>
          new Promise((r) => {
            server.closeAllConnections()
            server.close(() => r())
          })
      })
    })
  })
