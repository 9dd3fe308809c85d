/**
 * JWT claims as krakend-jose reads them: the registered-claim checks of go-jose
 * (`ValidateWithLeeway`), the roles and scopes matchers, nested lookups and the text a claim
 * becomes in a header or a `{JWT.x}` param (`Claims.Get`). Plain functions, built once per
 * validator; nothing here allocates an Effect.
 *
 * @since 0.2.0
 */

/** A decoded JWT payload. */
export type Claims = Readonly<Record<string, unknown>>

/** The registered-claim rules of a validator. */
export interface Rules {
  readonly issuer: string | undefined
  readonly audience: ReadonlyArray<string>
  /** Clock skew in milliseconds (KrakenD: at least 1 s). */
  readonly leewayMs: number
}

const isNumber = (u: unknown): u is number => typeof u === "number" && Number.isFinite(u)

/**
 * The go-jose checks, in its order: the reason a token fails them, or `undefined`. A wrong type
 * of a registered claim fails like go-jose's decoding; a token without `exp` is accepted.
 */
export const check = (claims: Claims, rules: Rules, nowMs: number): string | undefined => {
  const { exp, iat, iss, nbf } = claims
  const aud = claims["aud"]
  if ((exp !== undefined && !isNumber(exp)) || (nbf !== undefined && !isNumber(nbf)) || (iat !== undefined && !isNumber(iat))) {
    return "json: cannot unmarshal a registered time claim (exp, nbf, iat) that is not a number"
  }
  if (iss !== undefined && typeof iss !== "string") return "json: cannot unmarshal iss: not a string"
  const audiences = aud === undefined ? [] : typeof aud === "string" ? [aud] : aud
  if (!Array.isArray(audiences) || !audiences.every((a) => typeof a === "string")) {
    return "go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience"
  }
  if (rules.issuer !== undefined && iss !== rules.issuer) return "go-jose/go-jose/jwt: validation failed, invalid issuer claim (iss)"
  for (const wanted of rules.audience) {
    if (!audiences.includes(wanted)) return "go-jose/go-jose/jwt: validation failed, invalid audience claim (aud)"
  }
  // Go's NumericDate keeps whole seconds.
  if (nbf !== undefined && nowMs + rules.leewayMs < Math.trunc(nbf) * 1000) {
    return "go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)"
  }
  if (exp !== undefined && nowMs - rules.leewayMs > Math.trunc(exp) * 1000) {
    return "go-jose/go-jose/jwt: validation failed, token is expired (exp)"
  }
  if (iat !== undefined && nowMs + rules.leewayMs < Math.trunc(iat) * 1000) {
    return "go-jose/go-jose/jwt: validation field, token issued in the future (iat)"
  }
  return undefined
}

/** Reads a claim: a dot path walked through nested objects when `nested`, else the flat key. */
export const lookup = (claims: Claims, name: string, nested: boolean): unknown => {
  if (!nested) return Object.hasOwn(claims, name) ? claims[name] : undefined
  let current: unknown = claims
  for (const part of name.split(".")) {
    if (typeof current !== "object" || current === null || Array.isArray(current) || !Object.hasOwn(current, part)) {
      return undefined
    }
    current = (current as Record<string, unknown>)[part]
  }
  return current
}

/** KrakenD walks a dotted claim name, unless it starts with `http` (URL-named claims stay flat). */
export const isNestedName = (name: string): boolean => name.includes(".") && !name.startsWith("http")

/** The values of a roles or scopes claim: an array of strings, or a space-separated string. */
const values = (claim: unknown): ReadonlyArray<string> | undefined => {
  if (typeof claim === "string") return claim === "" ? [] : claim.split(" ")
  if (Array.isArray(claim)) return claim.every((v) => typeof v === "string") ? claim as ReadonlyArray<string> : undefined
  return undefined
}

/** A matcher of required values against a claim. */
export type Matcher = (claims: Claims) => boolean

/**
 * Roles (krakend-jose `CanAccess`): at least one required role held. `undefined` when no role
 * is required. A non-string element makes the claim match nothing (KrakenD panics: 500).
 */
export const rolesMatcher = (key: string, nestedFlag: boolean, required: ReadonlyArray<string>): Matcher | undefined => {
  if (required.length === 0) return undefined
  const nested = nestedFlag && isNestedName(key)
  return (claims) => {
    const held = values(lookup(claims, key, nested))
    return held !== undefined && required.some((role) => held.includes(role))
  }
}

/**
 * Scopes (`ScopesAnyMatcher` / `ScopesAllMatcher`): checked only with a `scopes_key` and
 * required scopes; a dotted key is always a nested path. `all` needs every scope, anything else one.
 */
export const scopesMatcher = (
  key: string | undefined,
  matcher: string,
  required: ReadonlyArray<string>
): Matcher | undefined => {
  if (key === undefined || key === "" || required.length === 0) return undefined
  const nested = key.includes(".")
  const all = matcher === "all"
  return (claims) => {
    const held = values(lookup(claims, key, nested))
    if (held === undefined || held.length === 0) return false
    return all ? required.every((s) => held.includes(s)) : required.some((s) => held.includes(s))
  }
}

/** Go's `%v` of a float64: the shortest digits, in `%e` form when the exponent is < -4 or >= 6. */
export const goFloat = (n: number): string => {
  if (Number.isNaN(n)) return "NaN"
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : "-Inf"
  if (n === 0) return Object.is(n, -0) ? "-0" : "0"
  const [mantissa, exponent] = n.toExponential().split("e") as [string, string]
  const exp = Number(exponent)
  if (exp >= -4 && exp < 6) return String(n)
  return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`
}

/** Go's `%v` of a decoded JSON value (inside an array claim). */
const goValue = (v: unknown): string => {
  if (v === null || v === undefined) return "<nil>"
  if (typeof v === "string") return v
  if (typeof v === "number") return goFloat(v)
  if (typeof v === "boolean") return String(v)
  if (Array.isArray(v)) return `[${v.map(goValue).join(" ")}]`
  const o = v as Record<string, unknown>
  return `map[${Object.keys(o).sort().map((k) => `${k}:${goValue(o[k])}`).join(" ")}]`
}

/**
 * The text of a claim (krakend-jose `Claims.Get`): a string as is, a whole number as an integer,
 * another number with six decimals, an array's elements joined with `,`, anything else compact
 * JSON. A missing claim is the empty string.
 */
export const text = (claim: unknown): string => {
  if (claim === undefined) return ""
  if (typeof claim === "string") return claim
  if (typeof claim === "number") {
    const rounded = Math.round(claim)
    return Math.abs(claim - rounded) < 1e-6 ? rounded.toFixed(0) : claim.toFixed(6)
  }
  if (Array.isArray(claim)) return claim.map(goValue).join(",")
  return JSON.stringify(claim)
}

/** The header values of a claim in `propagate_claims_preserve_array` mode: one per array element. */
export const texts = (claim: unknown): ReadonlyArray<string> =>
  Array.isArray(claim) ? claim.map((v) => typeof v === "string" ? v : goValue(v)) : [text(claim)]
