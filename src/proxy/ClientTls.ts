/**
 * `client_tls` (TLS to backends, AUTH-TLS.md §4) as the `connect` options of an undici agent,
 * read once at start: CAs added to the system roots (or alone with `disable_system_ca_pool`),
 * the client certificate for mTLS (Node sends the first pair), KrakenD's versions (TLS 1.3 only
 * as soon as the block exists), suites and curves, and `allow_insecure_connections`. A bad file,
 * key or name is a start error naming its JSON path.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import type { ConnectionOptions } from "node:tls"
import * as NodeTls from "node:tls"
import { ConfigError, type ConfigIssue } from "../config/ConfigError.ts"
import * as JsonPath from "../config/JsonPath.ts"
import type { ClientTlsOptions } from "../config/Model.ts"
import * as Tls from "../server/Tls.ts"

/** The TLS `connect` options of a `client_tls` block at `path`. */
export const connectOptions = (tls: ClientTlsOptions, path: string): Effect.Effect<ConnectionOptions, ConfigError> =>
  Effect.suspend(() => {
    const issues: Array<ConfigIssue> = []
    const common = Tls.settings(tls, path, issues)
    const cas: Array<string> = []
    tls.ca_certs.forEach((file, i) => {
      const pem = Tls.readCa(file, JsonPath.index(JsonPath.key(path, "ca_certs"), i), issues)
      if (pem !== undefined) cas.push(pem)
    })
    let client: { readonly cert: string; readonly key: string } | undefined
    tls.client_certs.forEach((pair, i) => {
      const at = JsonPath.index(JsonPath.key(path, "client_certs"), i)
      const read = Tls.readPair(pair.certificate, pair.private_key, JsonPath.key(at, "certificate"), JsonPath.key(at, "private_key"), issues)
      if (client === undefined && read !== undefined) client = { cert: read.cert, key: read.key }
    })
    if (issues.length > 0) return Effect.fail(new ConfigError({ issues }))
    const ca = cas.length === 0 && !tls.disable_system_ca_pool
      ? undefined // Node's default roots
      : [...(tls.disable_system_ca_pool ? [] : NodeTls.getCACertificates("default")), ...cas]
    return Effect.succeed({
      ...common,
      ...(ca === undefined ? {} : { ca }),
      ...(client === undefined ? {} : client),
      rejectUnauthorized: !tls.allow_insecure_connections
    })
  })
