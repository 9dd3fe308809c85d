/**
 * Where a JWT comes from and what its protected header says (krakend-jose `FromHeader` /
 * `FromCookie`, go-jose `ParseSigned`): the header first (`Bearer ` prefix optional, any case),
 * the cookie only when the header is absent or empty; the compact serialization only.
 *
 * @since 0.2.0
 */
import type * as HttpServerRequest from "effect/http/HttpServerRequest"

/** Reads the raw token of a request, `undefined` when there is none. */
export type Extractor = (request: HttpServerRequest.HttpServerRequest) => string | undefined

/** The extractor of a validator: `auth_header_name`, then the cookie `cookie_key`. */
export const extractor = (headerName: string, cookieName: string): Extractor => {
  const header = headerName.toLowerCase()
  return (request) => {
    const value = request.headers[header]
    if (value !== undefined && value !== "") {
      return value.length > 7 && value.slice(0, 7).toLowerCase() === "bearer " ? value.slice(7) : value
    }
    if (request.headers["cookie"] === undefined) return undefined
    const cookie = request.cookies[cookieName]
    return cookie === undefined || cookie === "" ? undefined : cookie
  }
}

/** The parts of a compact JWS and its decoded protected header. */
export interface Parsed {
  /** The token without whitespace, as verified. */
  readonly compact: string
  readonly header: Readonly<Record<string, unknown>>
}

const WHITESPACE = /\s/

/** Splits and decodes a compact token; the reason when it is not one. */
export const parse = (token: string): Parsed | string => {
  const compact = WHITESPACE.test(token) ? token.replace(/\s+/g, "") : token
  if (compact.startsWith("{")) return "go-jose/go-jose: JWS JSON serialization is not accepted by Sluice"
  const first = compact.indexOf(".")
  if (first <= 0 || compact.indexOf(".", first + 1) < 0 || compact.split(".").length !== 3) {
    return "go-jose/go-jose: compact JWS format must have three parts"
  }
  let header: unknown
  try {
    header = JSON.parse(Buffer.from(compact.slice(0, first), "base64url").toString("utf8"))
  } catch {
    return "go-jose/go-jose: invalid protected header"
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) return "go-jose/go-jose: invalid protected header"
  return { compact, header: header as Record<string, unknown> }
}

/** How a token names its key (`key_identify_strategy`). */
export type Strategy = "kid" | "x5t" | "x5t#S256" | "kid_x5t"

const field = (header: Readonly<Record<string, unknown>>, name: string): string =>
  typeof header[name] === "string" ? header[name] as string : ""

/** The key id a token header asks for: `x5t` strategies fall back to `kid` when the header lacks them. */
export const keyId = (header: Readonly<Record<string, unknown>>, strategy: Strategy): string => {
  const kid = field(header, "kid")
  switch (strategy) {
    case "x5t":
      return field(header, "x5t") || kid
    case "x5t#S256":
      return field(header, "x5t#S256") || kid
    case "kid_x5t":
      return kid + field(header, "x5t")
    default:
      return kid
  }
}
