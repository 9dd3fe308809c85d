/**
 * Schemas of the `auth/*` namespaces (krakend-jose), listed in `Namespaces.ts`: the endpoint
 * `auth/validator` (every key of AUTH-TLS.md §1.1) and its service-level form, which only holds
 * `shared_cache_duration`.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import * as Fields from "./Fields.ts"
import * as GoDuration from "./GoDuration.ts"

/** The JWS algorithms krakend-jose accepts (`jose.go` `supportedAlgorithms`). */
export const ALGORITHMS = [
  "EdDSA",
  "HS256",
  "HS384",
  "HS512",
  "RS256",
  "RS384",
  "RS512",
  "ES256",
  "ES384",
  "ES512",
  "PS256",
  "PS384",
  "PS512"
] as const

/** A JWS algorithm. */
export const Algorithm = Schema.Literals(ALGORITHMS).annotate({ description: `Signing algorithm: ${ALGORITHMS.join(", ")}` })

const PropagatedClaim = Schema.Tuple([Schema.String, Schema.String]).annotate({
  description: "[claim, header]: the claim (nested with dots, unless it starts with http) sent to the backends in the header"
})

/** Where a validator's or a signer's keys come from: exactly one source, https unless allowed, not encrypted. */
const keySourceIssue = (
  v: {
    readonly jwk_url?: string | undefined
    readonly jwk_local_path?: string | undefined
    readonly disable_jwk_security: boolean
    readonly secret_url?: string | undefined
    readonly cypher_key?: string | undefined
  },
  missing: string
) => {
  if (v.jwk_url === undefined && v.jwk_local_path === undefined) return { path: ["alg"], issue: `${missing}: set jwk_url or jwk_local_path` }
  if (v.jwk_url !== undefined && v.jwk_local_path !== undefined) return { path: ["jwk_local_path"], issue: "set jwk_url or jwk_local_path, not both" }
  if (v.jwk_url !== undefined && !v.disable_jwk_security && !v.jwk_url.startsWith("https://")) {
    return {
      path: ["jwk_url"],
      issue: "JWK client is using an insecure connection to the JWK service: use https, or set disable_jwk_security (KrakenD would answer 401 to every request)"
    }
  }
  if (v.secret_url !== undefined || v.cypher_key !== undefined) {
    return {
      path: [v.secret_url !== undefined ? "secret_url" : "cypher_key"],
      issue: "encrypted JWK files (secret_url, cypher_key) are not implemented by Sluice yet: decrypt the file and point jwk_local_path at it"
    }
  }
  return undefined
}

/** Endpoint `auth/validator`: JWT validation (krakend-jose). */
export const Validator = Schema.Struct({
  alg: Algorithm,
  jwk_url: Fields.optional(Schema.String, "URL of the JWK set (https, unless disable_jwk_security)"),
  jwk_local_path: Fields.optional(Schema.String, "JWK set file, read once at start (relative to the working directory)"),
  cache: Fields.flag("Keep downloaded keys for cache_duration (without it Sluice still keeps them 1 s)"),
  cache_duration: Fields.withDefault(Fields.Count, 0, "Seconds a downloaded key is kept (0: 900)"),
  disable_jwk_security: Fields.flag("Allow a plain-http jwk_url and skip the JWK server's certificate check"),
  jwk_local_ca: Fields.optional(Schema.String, "PEM file of CAs added to the system roots for the JWK server"),
  jwk_fingerprints: Fields.withDefault(
    Fields.Strings,
    [],
    "Pinned SHA-256 SPKI fingerprints (base64url with padding) of the JWK server's certificate chain"
  ),
  key_identify_strategy: Fields.withDefault(
    Schema.Literals(["kid", "x5t", "x5t#S256", "kid_x5t"]),
    "kid",
    "How a token names its key"
  ),
  audience: Fields.withDefault(Fields.Strings, [], "Every one of these must be in the token's aud"),
  issuer: Fields.optional(Schema.String, "The token's iss must equal this"),
  roles_key: Fields.withDefault(Schema.String, "roles", "Claim holding the roles"),
  roles_key_is_nested: Fields.flag("roles_key is a dot path into nested claims (unless it starts with http)"),
  roles: Fields.withDefault(Fields.Strings, [], "At least one of these roles is required (403 otherwise)"),
  scopes_key: Fields.optional(Schema.String, "Claim holding the scopes (a dot path into nested claims)"),
  scopes_matcher: Fields.withDefault(Schema.Literals(["any", "all"]), "any", "all: every scope required; any: one of them"),
  scopes: Fields.withDefault(Fields.Strings, [], "Required scopes (checked only with scopes_key; 403 otherwise)"),
  cookie_key: Fields.withDefault(Schema.String, "access_token", "Cookie read when the header holds no token"),
  auth_header_name: Fields.withDefault(Schema.String, "Authorization", "Header holding the token (Bearer prefix optional)"),
  propagate_claims: Fields.withDefault(
    Schema.Array(PropagatedClaim),
    [],
    "Claims sent to the backends as headers; a missing claim sends an empty value, a client-sent header of that name never passes"
  ),
  propagate_claims_preserve_array: Fields.flag("An array claim becomes one header value per element"),
  operation_debug: Fields.flag("Log the reason of every refused token"),
  leeway: Fields.withDefault(GoDuration.GoDuration, "1s", "Clock skew allowed for exp, nbf and iat (at least 1s)"),
  failed_jwk_key_cooldown: Fields.optional(
    GoDuration.GoDuration,
    "After a failed lookup of a key id, refuse it without a download for this long (Sluice: at least 1s always)"
  ),
  cipher_suites: Fields.optional(Schema.Array(Schema.Int), "TLS 1.2 cipher suites (IANA ids) of the JWK client"),
  secret_url: Fields.optional(Schema.String, "Encrypted jwk_local_path: not implemented (start error)"),
  cypher_key: Fields.optional(Schema.String, "Encrypted jwk_local_path: not implemented (start error)")
}).check(Schema.makeFilter((v) => {
  const keys = keySourceIssue(v, "a validator needs its keys")
  if (keys !== undefined) return keys
  if (v.jwk_local_path !== undefined && v.cache) {
    return { path: ["cache"], issue: "cache could not be used with jwk_local_path (the file is read once at start)" }
  }
  if (v.scopes.length > 0 && (v.scopes_key === undefined || v.scopes_key === "")) {
    return {
      path: ["scopes"],
      issue: "scopes are checked only with scopes_key (KrakenD silently skips them): set scopes_key to the claim holding the scopes, e.g. \"scope\""
    }
  }
  return undefined
})).annotate({
  identifier: "Validator",
  description: "JWT validator (extra_config[\"auth/validator\"]): 401 without a valid token, 403 without the roles or scopes"
})

/** Endpoint `auth/signer`: response keys replaced by tokens signed with one JWK (krakend-jose). */
export const Signer = Schema.Struct({
  alg: Algorithm,
  kid: Schema.String.annotate({ description: "Key id of the signing key in the JWK set" }),
  keys_to_sign: Fields.Strings.annotate({ description: "Top-level response keys whose object values are replaced by signed tokens" }),
  full: Fields.flag("JSON serialization (a string holding {payload, protected, signature}) instead of compact"),
  jwk_url: Fields.optional(Schema.String, "URL of the JWK set holding the private key (https, unless disable_jwk_security); read once at start"),
  jwk_local_path: Fields.optional(Schema.String, "JWK set file holding the private key (relative to the working directory)"),
  disable_jwk_security: Fields.flag("Allow a plain-http jwk_url and skip the JWK server's certificate check"),
  jwk_local_ca: Fields.optional(Schema.String, "PEM file of CAs added to the system roots for the JWK server"),
  jwk_fingerprints: Fields.withDefault(Fields.Strings, [], "Pinned SHA-256 SPKI fingerprints of the JWK server's certificate chain"),
  cipher_suites: Fields.optional(Schema.Array(Schema.Int), "TLS 1.2 cipher suites (IANA ids) of the JWK client"),
  typ: Fields.withDefault(Schema.String, "JWT", "The typ header of the tokens"),
  secret_url: Fields.optional(Schema.String, "Encrypted jwk_local_path: not implemented (start error)"),
  cypher_key: Fields.optional(Schema.String, "Encrypted jwk_local_path: not implemented (start error)")
}).check(Schema.makeFilter((v) => keySourceIssue(v, "a signer needs its key"))).annotate({
  identifier: "Signer",
  description: "JWT signer (extra_config[\"auth/signer\"]): the keys_to_sign objects of the answer become signed tokens"
})

/** Signer keys KrakenD's schema lists but its code never reads: accepted with a warning. */
export const signerIgnored: ReadonlyArray<string> = ["leeway"]

const positiveInt = Schema.Int.check(Schema.isGreaterThan(0))
const probability = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true }))

/**
 * Service `auth/revoker` (krakend bloomfilter): revoked token claims in a sliding bloom filter.
 * Go reads its keys case-insensitively; `N`/`n`, `P`/`p`, `TTL`/`ttl` are both accepted.
 */
export const Revoker = Schema.Struct({
  N: Fields.optional(positiveInt, "Expected number of revoked entries per filter"),
  n: Fields.optional(positiveInt, "Same as N"),
  P: Fields.optional(probability, "Target false-positive rate, e.g. 0.0000001"),
  p: Fields.optional(probability, "Same as P"),
  TTL: Fields.optional(positiveInt, "Seconds of each filter generation: a revocation lasts between TTL and 2 TTL (at least the token lifetime)"),
  ttl: Fields.optional(positiveInt, "Same as TTL"),
  hash_name: Fields.withDefault(Schema.Literals(["optimal", "default"]), "optimal", "Hash family (Sluice uses its own bit layout for both)"),
  port: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 })).annotate({
    description: "Port of the revocation listener (Sluice: HTTP on 127.0.0.1, POST /add and /check)"
  }),
  token_keys: Fields.Strings.annotate({ description: "Claims checked (e.g. jti, sub): a token whose claim value was added is refused (401)" })
}).check(Schema.makeFilter((v) => {
  for (const [upper, lower] of [["N", "n"], ["P", "p"], ["TTL", "ttl"]] as const) {
    if (v[upper] === undefined && v[lower] === undefined) return { path: [upper], issue: `${upper} is required` }
    if (v[upper] !== undefined && v[lower] !== undefined) return { path: [lower], issue: `set ${upper} or ${lower}, not both` }
  }
  return undefined
})).annotate({
  identifier: "Revoker",
  description: "Token revocation (extra_config[\"auth/revoker\"]): validators refuse revoked tokens with 401"
})

/**
 * Enterprise Revoke Server keys: revocations would come from a server Sluice does not speak to,
 * so revoked tokens would keep working — refused (fail closed).
 */
export const revokerHints: Readonly<Record<string, string>> = Object.fromEntries([
  "revoke_server_ping_url",
  "revoke_server_api_key",
  "revoke_server_ping_interval",
  "revoke_server_max_retries",
  "revoke_server_max_workers"
].map((key) => [
  key,
  `${key} configures KrakenD Enterprise's Revoke Server, which Sluice does not implement: its revocations would never arrive and revoked tokens would keep working; post revocations to the revoker's port instead (docs/config.md "Token revocation")`
]))

/** One API key of `auth/api-keys` (`@`-prefixed keys are notes). */
export const ApiKey = Schema.Struct({
  key: Schema.String.annotate({ description: "The key, or its hash (hex) with hash" }),
  roles: Fields.withDefault(Fields.Strings, [], "Roles of the key")
}).annotate({ identifier: "ApiKey", description: "An API key and its roles" })

const strategy = Schema.Literals(["header", "query_string"])

/** Service `auth/api-keys` (KrakenD Enterprise): the known keys. */
export const ApiKeys = Schema.Struct({
  keys: Schema.Array(ApiKey).annotate({ description: "The known keys and their roles" }),
  strategy: Fields.withDefault(strategy, "header", "Where keys are read: a header or a query parameter"),
  identifier: Fields.optional(Schema.String, "Header or query parameter name (default Authorization for header, key for query_string)"),
  hash: Fields.withDefault(Schema.Literals(["plain", "fnv128", "sha256", "sha1"]), "plain", "How keys are stored: plain, or the hex hash of salt + key"),
  salt: Fields.withDefault(Schema.String, "", "Prepended to a key before hashing"),
  propagate_role: Fields.withDefault(Schema.String, "", "Header sent to the backends with the key's first role the endpoint accepts")
}).annotate({ identifier: "ApiKeys", description: "API keys (extra_config[\"auth/api-keys\"], KrakenD Enterprise)" })

/** Endpoint `auth/api-keys`: the roles a key needs here. */
export const EndpointApiKeys = Schema.Struct({
  roles: Fields.Strings.annotate({ description: "A key needs one of these roles (401 otherwise)" }),
  strategy: Fields.optional(strategy, "Overrides the service strategy"),
  identifier: Fields.optional(Schema.String, "Overrides the service identifier"),
  client_max_rate: Fields.optional(Schema.Finite.check(Schema.isGreaterThan(0)), "Requests per second per key; beyond it 429")
}).annotate({ identifier: "EndpointApiKeys", description: "API keys required by this endpoint (extra_config[\"auth/api-keys\"])" })

/** Service `auth/validator`: only the shared key cache (krakend-jose `auth/jose.json`). */
export const ServiceValidator = Schema.Struct({
  shared_cache_duration: Fields.withDefault(Fields.Count, 900, "Accepted; Sluice always shares downloaded keys per JWK URL")
}).annotate({
  identifier: "ServiceValidator",
  description: "Service-level JWT options (extra_config[\"auth/validator\"]); validators are written on each endpoint"
})

/** Keys of an endpoint validator written at service level: a specific message. */
export const serviceHints: Readonly<Record<string, string>> = Object.fromEntries(
  Object.keys(Validator.fields).map((key) => [
    key,
    `${key} belongs to an endpoint's auth/validator: at service level auth/validator only holds shared_cache_duration and protects no endpoint`
  ])
)
