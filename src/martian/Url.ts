/**
 * The backend URL as martian sees it (Go's `url.URL`): scheme, userinfo, host (with its port),
 * the path as sent (escaped) and the raw query, split by hand so an untouched URL is sent exactly
 * as the host selection built it (no WHATWG normalisation). Plus the Go helpers martian's
 * modifiers rely on: path escaping (`url.PathEscape`-like `EscapedPath`), `url.Values`
 * parse/encode, `net.SplitHostPort`/`JoinHostPort`, martian's `MatchHost` and
 * `httpguts.ValidHostHeader`.
 *
 * @since 0.2.0
 */
import { queryEscape } from "../proxy/HostSelection.ts"

/** A mutable split URL. */
export interface Url {
  scheme: string
  /** `user:pass@` or empty. */
  userinfo: string
  /** `host[:port]` (Go's `URL.Host`). */
  host: string
  /** The path as sent: escaped, starting with `/` (or empty). */
  path: string
  /** The query without `?` (Go's `RawQuery`). */
  query: string
}

/** Splits an absolute URL (`scheme://[userinfo@]host[/path][?query]`). */
export const parse = (url: string): Url => {
  const sep = url.indexOf("://")
  const scheme = sep === -1 ? "" : url.slice(0, sep)
  const rest = sep === -1 ? url : url.slice(sep + 3)
  let end = rest.length
  for (let i = 0; i < rest.length; i++) {
    const c = rest.charCodeAt(i)
    if (c === 0x2f || c === 0x3f || c === 0x23) {
      end = i
      break
    }
  }
  const authority = rest.slice(0, end)
  const at = authority.lastIndexOf("@")
  const tail = rest.slice(end)
  const q = tail.indexOf("?")
  return {
    scheme,
    userinfo: at === -1 ? "" : authority.slice(0, at + 1),
    host: at === -1 ? authority : authority.slice(at + 1),
    path: q === -1 ? tail : tail.slice(0, q),
    query: q === -1 ? "" : tail.slice(q + 1)
  }
}

/** Go's `URL.String()` of a split URL. */
export const format = (u: Url): string => {
  const path = u.path !== "" && u.path[0] !== "/" ? `/${u.path}` : u.path
  return `${u.scheme}://${u.userinfo}${u.host}${path}${u.query === "" ? "" : `?${u.query}`}`
}

const HEX = "0123456789ABCDEF"
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Whether Go's `shouldEscape(c, encodePath)` leaves this byte as is. */
const pathSafe = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ||
  c === 0x2d || c === 0x5f || c === 0x2e || c === 0x7e || // - _ . ~
  c === 0x24 || c === 0x26 || c === 0x2b || c === 0x2c || c === 0x2f || c === 0x3a || c === 0x3b || c === 0x3d || c === 0x40 // $ & + , / : ; = @

/** A decoded path as Go sends it (`escape(path, encodePath)`): every other byte percent-encoded. */
export const escapePath = (path: string): string => {
  let out = ""
  for (const b of encoder.encode(path)) {
    out += pathSafe(b) ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`
  }
  return out
}

const hexValue = (c: number): number =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1

/** Percent-decodes `s` (`+` as a space when `plus`); `undefined` for a bad escape (Go's error). */
const unescape = (s: string, plus: boolean): string | undefined => {
  if (!s.includes("%") && !(plus && s.includes("+"))) return s
  const bytes: Array<number> = []
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x25) {
      const hi = hexValue(s.charCodeAt(i + 1))
      const lo = hexValue(s.charCodeAt(i + 2))
      if (hi < 0 || lo < 0) return undefined
      bytes.push(hi * 16 + lo)
      i += 2
    } else if (plus && c === 0x2b) bytes.push(0x20)
    else for (const b of encoder.encode(s[i]!)) bytes.push(b)
  }
  return decoder.decode(new Uint8Array(bytes))
}

/** Go's `URL.Path`: the decoded path (the path as sent when it does not decode). */
export const decodedPath = (u: Url): string => unescape(u.path, false) ?? u.path

/** Query values by name, names in first-seen order (Go's `url.Values`). */
export type Values = Map<string, Array<string>>

/** Go's `url.ParseQuery`, errors dropped like `URL.Query()`: pairs with `;` or a bad escape are skipped. */
export const parseQuery = (raw: string): Values => {
  const out: Values = new Map()
  for (const pair of raw.split("&")) {
    if (pair === "" || pair.includes(";")) continue
    const eq = pair.indexOf("=")
    const key = unescape(eq === -1 ? pair : pair.slice(0, eq), true)
    const value = unescape(eq === -1 ? "" : pair.slice(eq + 1), true)
    if (key === undefined || value === undefined) continue
    const list = out.get(key)
    if (list === undefined) out.set(key, [value])
    else list.push(value)
  }
  return out
}

/** Go's `Values.Encode`: sorted by name, each value `QueryEscape`d. */
export const encodeQuery = (values: Values): string => {
  let out = ""
  for (const name of [...values.keys()].sort()) {
    const key = queryEscape(name)
    for (const value of values.get(name)!) out += `${out === "" ? "" : "&"}${key}=${queryEscape(value)}`
  }
  return out
}

/** Go's `net.SplitHostPort`: `[host, port]`, or the error message. */
export const splitHostPort = (hostport: string): readonly [string, string] | string => {
  const missing = `address ${hostport}: missing port in address`
  const colon = hostport.lastIndexOf(":")
  if (colon === -1) return missing
  if (hostport.startsWith("[")) {
    const close = hostport.indexOf("]")
    if (close === -1) return `address ${hostport}: missing ']' in address`
    if (close + 1 === hostport.length) return missing
    if (close + 1 !== colon) return `address ${hostport}: too many colons in address`
    return [hostport.slice(1, close), hostport.slice(colon + 1)]
  }
  const host = hostport.slice(0, colon)
  if (host.includes(":")) return `address ${hostport}: too many colons in address`
  if (host.includes("[") || host.includes("]")) return `address ${hostport}: unexpected '[' or ']' in address`
  return [host, hostport.slice(colon + 1)]
}

/** Go's `net.JoinHostPort`. */
export const joinHostPort = (host: string, port: string): string => (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`)

/** A host as a URL holds it: an IPv6 address in brackets. */
export const bracketed = (host: string): string => (host.includes(":") ? `[${host}]` : host)

/** The port of a URL host, or the scheme's default (80, 443; 0 otherwise); the error message when it does not split. */
export const portOf = (u: Url): number | string => {
  if (!u.host.includes(":")) return u.scheme === "http" ? 80 : u.scheme === "https" ? 443 : 0
  const split = splitHostPort(u.host)
  if (typeof split === "string") return split
  const port = split[1]
  return /^[+-]?\d+$/.test(port) ? Number(port) : `strconv.Atoi: parsing ${JSON.stringify(port)}: invalid syntax`
}

/** martian's `MatchHost`: exact, or `*` standing for one label (`*.example.com`, `api.*.com`). */
export const matchHost = (host: string, match: string): boolean => {
  if (host === "") return false
  if (host === match) return true
  let hi = host.length - 1
  for (let mi = match.length - 1; mi >= 0; mi--) {
    if (match[mi] === "*") {
      while (hi > 0 && host[hi] !== ".") hi--
      if (mi === 0 && hi === 0) return true
      continue
    }
    if (host[hi] !== match[mi]) return false
    if (hi === 0) return mi === 0
    hi--
  }
  return false
}

/** Go's `httpguts.ValidHostHeader`: only the bytes a host (and port, brackets, userinfo) may hold. */
export const validHost = (host: string): boolean => /^[A-Za-z0-9!$%&'()*+,\-.:;=@[\]_~]*$/.test(host)
