/**
 * The listener's TLS (root `tls`, AUTH-TLS.md §3) as Node secure-context options, read once at
 * start: the certificate pairs (`keys[]`, then the legacy `public_key`/`private_key`), each key
 * checked against its certificate; Go's certificate choice by SNI (the first pair whose DNS names
 * match, else the first); KrakenD's defaults (TLS 1.3 only, its six ECDHE suites, curves P-521,
 * P-384, P-256); mTLS with the client-CA pool Go builds (system roots unless
 * `disable_system_ca_pool`, `ca_certs`, every `keys[]` certificate). Every bad file, key or name
 * is a start error naming its JSON path.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import { createPrivateKey, X509Certificate } from "node:crypto"
import { readFileSync } from "node:fs"
import type { SecureServerOptions } from "node:http2"
import { resolve } from "node:path"
import * as NodeTls from "node:tls"
import { ConfigError, type ConfigIssue } from "../config/ConfigError.ts"
import * as JsonPath from "../config/JsonPath.ts"
import type { TlsOptions } from "../config/Model.ts"
import * as TlsSuites from "./TlsSuites.ts"

/** Reads a PEM file relative to the working directory; an issue naming `path` and the file tried. */
export const readPem = (file: string, path: string, issues: Array<ConfigIssue>): string | undefined => {
  const tried = resolve(file)
  try {
    return readFileSync(tried, "utf8")
  } catch (e) {
    const code = typeof e === "object" && e !== null && "code" in e ? String(e.code) : ""
    issues.push({ path, message: `cannot read ${tried}: ${code === "ENOENT" ? "no such file" : e instanceof Error ? e.message : String(e)}` })
    return undefined
  }
}

/** Versions, suites and curves of a `tls` or `client_tls` block, as Node options. */
export interface Settings {
  readonly minVersion: NodeTls.SecureVersion
  readonly maxVersion: NodeTls.SecureVersion
  readonly ciphers: string
  readonly ecdhCurve: string
}

/** The Node settings of KrakenD's version, suite and curve keys (defaults: KrakenD's). */
export const settings = (
  block: {
    readonly min_version: string
    readonly max_version: string
    readonly cipher_suites?: ReadonlyArray<number> | undefined
    readonly curve_preferences?: ReadonlyArray<number> | undefined
  },
  path: string,
  issues: Array<ConfigIssue>
): Settings => {
  const suites = TlsSuites.ciphers(block.cipher_suites ?? TlsSuites.DEFAULT_CIPHERS)
  if ("index" in suites) issues.push({ path: JsonPath.index(JsonPath.key(path, "cipher_suites"), suites.index), message: suites.problem })
  const curves: Array<string> = []
  ;(block.curve_preferences ?? TlsSuites.DEFAULT_CURVES).forEach((id, i) => {
    const name = TlsSuites.CURVES[id]
    if (name === undefined) {
      issues.push({
        path: JsonPath.index(JsonPath.key(path, "curve_preferences"), i),
        message: `unknown curve ${id}; known: 23 (P-256), 24 (P-384), 25 (P-521), 29 (X25519)`
      })
    } else curves.push(name)
  })
  // OpenSSL 3's default security level stays: it refuses TLS 1.0/1.1 handshakes, and lowering
  // it would also accept SHA-1 signatures and short keys (the config decoder warns).
  return {
    minVersion: TlsSuites.VERSIONS[block.min_version] ?? "TLSv1.3",
    maxVersion: TlsSuites.VERSIONS[block.max_version] ?? "TLSv1.3",
    ciphers: "ciphers" in suites ? suites.ciphers : "",
    ecdhCurve: curves.join(":")
  }
}

/** A certificate and key read from files, checked to belong together. */
export interface Pair {
  readonly cert: string
  readonly key: string
  /** DNS names of the leaf certificate (SNI matching). */
  readonly names: ReadonlyArray<string>
}

/** Reads a PEM file of CA certificates; an issue when it holds none. */
export const readCa = (file: string, path: string, issues: Array<ConfigIssue>): string | undefined => {
  const pem = readPem(file, path, issues)
  if (pem === undefined) return undefined
  try {
    new X509Certificate(pem)
    return pem
  } catch {
    issues.push({ path, message: `${resolve(file)} holds no PEM certificate` })
    return undefined
  }
}

/** Reads a certificate and its key, checked to belong together. */
export const readPair = (certFile: string, keyFile: string, certPath: string, keyPath: string, issues: Array<ConfigIssue>): Pair | undefined => {
  const cert = readPem(certFile, certPath, issues)
  const key = readPem(keyFile, keyPath, issues)
  if (cert === undefined || key === undefined) return undefined
  let leaf: X509Certificate
  try {
    leaf = new X509Certificate(cert)
  } catch (e) {
    issues.push({ path: certPath, message: `${resolve(certFile)} is not a PEM certificate: ${e instanceof Error ? e.message : String(e)}` })
    return undefined
  }
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(key))) {
      issues.push({ path: keyPath, message: `${resolve(keyFile)} does not match the certificate ${resolve(certFile)}` })
      return undefined
    }
  } catch (e) {
    issues.push({ path: keyPath, message: `${resolve(keyFile)} is not a PEM private key: ${e instanceof Error ? e.message : String(e)}` })
    return undefined
  }
  const names = (leaf.subjectAltName ?? "").split(", ").filter((n) => n.startsWith("DNS:")).map((n) => n.slice(4).toLowerCase())
  return { cert, key, names }
}

/** Go's `VerifyHostname` for DNS names: exact, or a `*.` wildcard covering one label. */
export const nameMatches = (pattern: string, host: string): boolean => {
  if (pattern === host) return true
  if (!pattern.startsWith("*.")) return false
  const dot = host.indexOf(".")
  return dot > 0 && host.slice(dot + 1) === pattern.slice(2)
}

/** Node secure-server options of a `tls` block (HTTP/2 and HTTP/1.1 by ALPN). */
export const serverOptions = (tls: TlsOptions): Effect.Effect<SecureServerOptions, ConfigError> =>
  Effect.suspend(() => {
    const path = JsonPath.key(JsonPath.root, "tls")
    const issues: Array<ConfigIssue> = []
    const common = settings(tls, path, issues)
    const pairs: Array<Pair> = []
    tls.keys.forEach((k, i) => {
      const at = JsonPath.index(JsonPath.key(path, "keys"), i)
      const pair = readPair(k.public_key, k.private_key, JsonPath.key(at, "public_key"), JsonPath.key(at, "private_key"), issues)
      if (pair !== undefined) pairs.push(pair)
    })
    const legacyCert = tls.public_key ?? ""
    const legacyKey = tls.private_key ?? ""
    if (legacyCert !== "" || legacyKey !== "") {
      if (legacyCert === "") issues.push({ path: JsonPath.key(path, "public_key"), message: "public key not defined" })
      else if (legacyKey === "") issues.push({ path: JsonPath.key(path, "private_key"), message: "private key not defined" })
      else {
        const pair = readPair(legacyCert, legacyKey, JsonPath.key(path, "public_key"), JsonPath.key(path, "private_key"), issues)
        if (pair !== undefined) pairs.push(pair)
      }
    } else if (tls.keys.length === 0) {
      issues.push({ path, message: "public key not defined: set keys[] (or public_key and private_key), or \"disabled\": true" })
    }
    const clientCas: Array<string> = []
    if (tls.enable_mtls) {
      if (!tls.disable_system_ca_pool) clientCas.push(...NodeTls.getCACertificates("system"))
      tls.ca_certs.forEach((file, i) => {
        const pem = readCa(file, JsonPath.index(JsonPath.key(path, "ca_certs"), i), issues)
        if (pem !== undefined) clientCas.push(pem)
      })
      // Go trusts the keys[] certificates as client CAs too (not the legacy pair).
      for (const pair of pairs.slice(0, tls.keys.length)) clientCas.push(pair.cert)
    }
    if (issues.length > 0) return Effect.fail(new ConfigError({ issues }))
    const first = pairs[0]!
    // every certificate's context verifies client certificates against the same pool
    const mtls = tls.enable_mtls ? { ca: clientCas } : {}
    const contexts = pairs.map((pair) => ({
      names: pair.names,
      context: NodeTls.createSecureContext({ ...common, ...mtls, cert: pair.cert, key: pair.key })
    }))
    const byName = (servername: string) => {
      const host = servername.toLowerCase()
      return (contexts.find((c) => c.names.some((n) => nameMatches(n, host))) ?? contexts[0]!).context
    }
    return Effect.succeed({
      ...common,
      cert: first.cert,
      key: first.key,
      allowHTTP1: true,
      ...(contexts.length > 1 ? { SNICallback: (servername: string, cb: (err: Error | null, ctx?: NodeTls.SecureContext) => void) => cb(null, byName(servername)) } : {}),
      ...(tls.enable_mtls ? { requestCert: true, rejectUnauthorized: true, ca: clientCas } : {})
    })
  })
