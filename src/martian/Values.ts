/**
 * Checked values of martian settings, for `Settings.ts`: header names and values, URL parts,
 * ports, RE2 patterns, text an encoder can take. Each check reports its problem at the field's
 * JSON path (through `Read.Fields`) and returns `undefined`.
 *
 * @since 0.2.0
 */
import { canonical } from "../proxy/HeaderName.ts"
import * as BotDetector from "../security/BotDetector.ts"
import type * as Read from "./Read.ts"
import * as Url from "./Url.ts"

/** An RFC 9110 token: a header name. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Whether `s` holds a control character (a tab allowed when `tab`). */
export const hasControl = (s: string, tab: boolean): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if ((c < 0x20 && !(tab && c === 0x09)) || c === 0x7f) return true
  }
  return false
}

/** An unpaired UTF-16 surrogate (no URL or cookie encoding can hold it). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** A string quoted for a message. */
export const quote = (s: string): string => JSON.stringify(s)

/** A header name (a token), canonical. */
export const headerName = (f: Read.Fields, key: string, required = true): string | undefined => {
  const name = f.string(key, required)
  if (name === undefined) return undefined
  return TOKEN.test(name) ? canonical(name) : f.fail(key, `${quote(name)} is not a valid header name`)
}

/** A header value: no control characters; `Host` and `Content-Length` checked as martian reads them. */
export const headerValue = (f: Read.Fields, key: string, name: string | undefined, required = true): string | undefined => {
  const value = f.string(key, required)
  if (value === undefined) return undefined
  if (hasControl(value, true)) return f.fail(key, "a header value cannot hold control characters (CR, LF, NUL, …)")
  if (name === "Host" && (value === "" || !Url.validHost(value))) return f.fail(key, `${quote(value)} is not a valid Host`)
  if (name === "Content-Length" && !/^[+-]?\d+$/.test(value)) return f.fail(key, `Content-Length must be an integer, got ${quote(value)}`)
  return value
}

/** A string a query or cookie can be encoded from (no lone surrogate). */
export const text = (f: Read.Fields, key: string, required: boolean): string | undefined => {
  const value = f.string(key, required)
  if (value === undefined) return undefined
  return LONE_SURROGATE.test(value) ? f.fail(key, "the text holds an unpaired surrogate") : value
}

/** An RE2 pattern, compiled on the linear-time engine (`BotDetector.compile`). */
export const regex = (f: Read.Fields, key: string): string | undefined => {
  const source = f.string(key, true)
  if (source === undefined) return undefined
  const problem = BotDetector.patternProblem(source)
  return problem === undefined ? source : f.fail(key, problem)
}

/** A TCP port, 1 to 65535. */
export const port = (f: Read.Fields, key: string, required: boolean): number | undefined => {
  const n = f.integer(key, required)
  return n === undefined || (n >= 1 && n <= 65535) ? n : f.fail(key, `a port is 1 to 65535, got ${n}`)
}

/** The URL parts of `url.Modifier` and `url.Filter`. */
export const urlParts = (f: Read.Fields) => {
  const scheme = f.string("scheme", false) ?? ""
  if (scheme !== "" && scheme !== "http" && scheme !== "https") f.fail("scheme", `the scheme is "http" or "https", got ${quote(scheme)}`)
  const host = f.string("host", false) ?? ""
  if (!/^[A-Za-z0-9\-._~%!$&'()*+,;=:[\]]*$/.test(host)) f.fail("host", `${quote(host)} is not a host[:port]`)
  const path = text(f, "path", false) ?? ""
  const query = f.string("query", false) ?? ""
  if (/[\s#]/.test(query) || hasControl(query, false)) f.fail("query", "a raw query cannot hold spaces, control characters or #")
  return { scheme, host, path, query }
}

/** Go's standard, padded base64 (what `[]byte` JSON fields hold). */
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** An RFC 3339 time, as Go's `time.Time` JSON reads it; group 1 is the year. */
export const RFC3339 = /^(\d{4})-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/
