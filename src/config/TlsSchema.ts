/**
 * Schemas of KrakenD's TLS settings (AUTH-TLS.md §3, §4): the root `tls` (the listener) and
 * `client_tls` (backends: at the root, and per backend under `backend/http/client`, as KrakenD
 * Enterprise). Files are read when the gateway starts (`src/server/Tls.ts`,
 * `src/proxy/ClientTls.ts`).
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import * as Fields from "./Fields.ts"

/** KrakenD's TLS version names. */
export const Version = Schema.Literals(["SSL3.0", "TLS10", "TLS11", "TLS12", "TLS13"]).annotate({
  description: "TLS10, TLS11, TLS12 or TLS13 (SSL3.0 is read as TLS10: Node has no SSL 3)"
})

const versionOrder = ["SSL3.0", "TLS10", "TLS11", "TLS12", "TLS13"]

const checkVersions = (v: { readonly min_version: string; readonly max_version: string }) =>
  versionOrder.indexOf(v.min_version) > versionOrder.indexOf(v.max_version)
    ? { path: ["min_version"], issue: `min_version ${v.min_version} is above max_version ${v.max_version}` }
    : undefined

/** One certificate and its key (PEM files). */
export const KeyPair = Schema.Struct({
  public_key: Schema.String.annotate({ description: "PEM certificate chain file (relative to the working directory)" }),
  private_key: Schema.String.annotate({ description: "PEM private key file (relative to the working directory)" })
}).annotate({ identifier: "TlsKeyPair", description: "A certificate and its key" })

/** Root `tls`: the listener. */
export const Tls = Schema.Struct({
  disabled: Fields.flag("Serve plain HTTP"),
  keys: Fields.withDefault(Schema.Array(KeyPair), [], "Certificates; the first whose names match the SNI is used, else the first"),
  public_key: Fields.optional(Schema.String, "Legacy single certificate file (used after keys[])"),
  private_key: Fields.optional(Schema.String, "Legacy single key file (used after keys[])"),
  min_version: Fields.withDefault(Version, "TLS13", "Lowest TLS version accepted"),
  max_version: Fields.withDefault(Version, "TLS13", "Highest TLS version accepted"),
  cipher_suites: Fields.optional(Schema.Array(Schema.Int), "TLS 1.2 cipher suites (IANA ids); default KrakenD's six ECDHE AEAD suites"),
  curve_preferences: Fields.optional(Schema.Array(Schema.Int), "Curves (Go ids: 23 P-256, 24 P-384, 25 P-521, 29 X25519); default 25, 24, 23"),
  enable_mtls: Fields.flag("Require a client certificate signed by ca_certs (or the system roots, or a keys[] certificate)"),
  ca_certs: Fields.withDefault(Fields.Strings, [], "PEM files of the CAs client certificates are checked against"),
  disable_system_ca_pool: Fields.flag("Do not trust the system roots for client certificates"),
  prefer_server_cipher_suites: Fields.flag("Accepted; ignored (KrakenD ignores it too)")
}).check(Schema.makeFilter(checkVersions)).annotate({ identifier: "Tls", description: "TLS of the listener (HTTPS and HTTP/2)" })

/** A client certificate for mTLS to backends. */
export const ClientCert = Schema.Struct({
  certificate: Schema.String.annotate({ description: "PEM certificate file" }),
  private_key: Schema.String.annotate({ description: "PEM private key file" })
}).annotate({ identifier: "ClientCert", description: "A client certificate and its key" })

/** `client_tls`: TLS to backends. */
export const ClientTls = Schema.Struct({
  allow_insecure_connections: Fields.flag("Do not verify backend certificates (logged loudly at start)"),
  ca_certs: Fields.withDefault(Fields.Strings, [], "PEM files of CAs trusted for backends, added to the system roots"),
  disable_system_ca_pool: Fields.flag("Trust only ca_certs"),
  client_certs: Fields.withDefault(Schema.Array(ClientCert), [], "Client certificates (mTLS to backends; Node sends the first)"),
  min_version: Fields.withDefault(Version, "TLS13", "Lowest TLS version (KrakenD: TLS13 as soon as client_tls exists)"),
  max_version: Fields.withDefault(Version, "TLS13", "Highest TLS version"),
  cipher_suites: Fields.optional(Schema.Array(Schema.Int), "TLS 1.2 cipher suites (IANA ids)"),
  curve_preferences: Fields.optional(Schema.Array(Schema.Int), "Curves (Go ids)")
}).check(Schema.makeFilter(checkVersions)).annotate({ identifier: "ClientTls", description: "TLS to the backends" })

/** Backend `backend/http/client` (Enterprise's per-backend client settings). */
export const BackendHttpClient = Schema.Struct({
  client_tls: Fields.optional(ClientTls, "TLS to this backend (replaces the service client_tls)")
}).annotate({ identifier: "BackendHttpClient", description: "Per-backend HTTP client (extra_config[\"backend/http/client\"])" })
