/**
 * KrakenD's TLS vocabulary mapped to Node's (AUTH-TLS.md §3.4, §3.5): Go cipher-suite ids to
 * OpenSSL names, `TLS12`-style versions, Go curve ids. Shared by the TLS server, `client_tls`
 * and the JWK client.
 *
 * @since 0.2.0
 */
import type * as Tls from "node:tls"

/** IANA cipher-suite id → OpenSSL name (TLS ≤ 1.2). RC4 and 3DES are not in Node's OpenSSL 3. */
export const CIPHERS: Readonly<Record<number, string>> = {
  47: "AES128-SHA",
  53: "AES256-SHA",
  60: "AES128-SHA256",
  156: "AES128-GCM-SHA256",
  157: "AES256-GCM-SHA384",
  49161: "ECDHE-ECDSA-AES128-SHA",
  49162: "ECDHE-ECDSA-AES256-SHA",
  49171: "ECDHE-RSA-AES128-SHA",
  49172: "ECDHE-RSA-AES256-SHA",
  49187: "ECDHE-ECDSA-AES128-SHA256",
  49191: "ECDHE-RSA-AES128-SHA256",
  49195: "ECDHE-ECDSA-AES128-GCM-SHA256",
  49196: "ECDHE-ECDSA-AES256-GCM-SHA384",
  49199: "ECDHE-RSA-AES128-GCM-SHA256",
  49200: "ECDHE-RSA-AES256-GCM-SHA384",
  52392: "ECDHE-RSA-CHACHA20-POLY1305",
  52393: "ECDHE-ECDSA-CHACHA20-POLY1305"
}

/** The TLS 1.3 suites (always on in Go; listed so that OpenSSL keeps them). */
export const TLS13_CIPHERS: Readonly<Record<number, string>> = {
  4865: "TLS_AES_128_GCM_SHA256",
  4866: "TLS_AES_256_GCM_SHA384",
  4867: "TLS_CHACHA20_POLY1305_SHA256"
}

/** RC4 and 3DES ids: valid in Go, unavailable in Node. */
const UNAVAILABLE: ReadonlySet<number> = new Set([5, 10, 49159, 49169, 49170])

/** KrakenD's default TLS ≤ 1.2 suites (Lura `parser.go`). */
export const DEFAULT_CIPHERS: ReadonlyArray<number> = [49199, 49195, 49200, 49196, 52392, 52393]

/**
 * The OpenSSL `ciphers` string of a list of ids, or the problem with one of them (its index).
 * TLS 1.3 ids are accepted (Go ignores them in this list).
 */
export const ciphers = (ids: ReadonlyArray<number>): { readonly ciphers: string } | { readonly index: number; readonly problem: string } => {
  const names: Array<string> = []
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!
    if (TLS13_CIPHERS[id] !== undefined) continue
    const name = CIPHERS[id]
    if (name === undefined) {
      return {
        index: i,
        problem: UNAVAILABLE.has(id)
          ? `cipher suite ${id} (RC4 or 3DES) is not available in Node's OpenSSL`
          : `unknown cipher suite ${id}; known: ${Object.keys(CIPHERS).join(", ")} and the TLS 1.3 suites 4865, 4866, 4867`
      }
    }
    names.push(name)
  }
  return { ciphers: [...names, ...Object.values(TLS13_CIPHERS)].join(":") }
}

/** KrakenD's version names → Node's. */
export const VERSIONS: Readonly<Record<string, Tls.SecureVersion>> = {
  "SSL3.0": "TLSv1",
  TLS10: "TLSv1",
  TLS11: "TLSv1.1",
  TLS12: "TLSv1.2",
  TLS13: "TLSv1.3"
}

/** Go curve ids → OpenSSL group names. */
export const CURVES: Readonly<Record<number, string>> = { 23: "P-256", 24: "P-384", 25: "P-521", 29: "X25519" }

/** KrakenD's default curves (no X25519): P-521, P-384, P-256. */
export const DEFAULT_CURVES: ReadonlyArray<number> = [25, 24, 23]
