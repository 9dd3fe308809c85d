/**
 * Cookies as Go's `net/http` writes and reads them, for `cookie.Modifier` and `cookie.Filter`:
 * the `name=value` pair `Request.AddCookie` appends, the `Set-Cookie` line `Cookie.String`
 * writes, and the name/value pairs `Request.Cookies` and `Response.Cookies` read.
 *
 * @since 0.2.0
 */

/** RFC 7230 `tchar`: a cookie name is one or more of these. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Whether `name` is a valid cookie name (Go's `isCookieNameValid`). */
export const validName = (name: string): boolean => TOKEN.test(name)

/** Go's `validCookieValueByte`, for every character: printable ASCII but `"`, `;` and `\`. */
const VALUE = /^[\x20\x21\x23-\x3a\x3c-\x5b\x5d-\x7e]*$/

/** Whether every character of `value` may be in a cookie value. */
export const validValue = (value: string): boolean => VALUE.test(value)

/** Go's `validCookiePathByte`: printable ASCII but `;`. */
export const validPath = (path: string): boolean => /^[\x20-\x3a\x3c-\x7e]*$/.test(path)

/** Go's `isCookieDomainName` (a leading `.` allowed), or an IPv4 address. */
export const validDomain = (domain: string): boolean => {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(domain)) return domain.split(".").every((n) => Number(n) <= 255)
  let s = domain
  if (s.length === 0 || s.length > 255) return false
  if (s[0] === ".") s = s.slice(1)
  let last = "."
  let letter = false
  let part = 0
  for (const c of s) {
    if (/[A-Za-z]/.test(c)) {
      letter = true
      part++
    } else if (/[0-9]/.test(c)) part++
    else if (c === "-") {
      if (last === ".") return false
      part++
    } else if (c === ".") {
      if (last === "." || last === "-" || part > 63 || part === 0) return false
      part = 0
    } else return false
    last = c
  }
  return last !== "-" && part <= 63 && letter
}

/** Go's `sanitizeCookieValue` of a valid value: quoted when it holds a space or a comma. */
const quoted = (value: string): string => (value !== "" && /[ ,]/.test(value) ? `"${value}"` : value)

/** The pair `Request.AddCookie` writes. */
export const pair = (name: string, value: string): string => `${name}=${quoted(value)}`

/** A cookie to set on a response. */
export interface SetCookie {
  readonly name: string
  readonly value: string
  readonly path: string
  readonly domain: string
  /** Epoch ms, or `undefined` when unset (or before 1601, which Go omits). */
  readonly expires: number | undefined
  readonly secure: boolean
  readonly httpOnly: boolean
  readonly maxAge: number
}

/** The `Set-Cookie` value `Cookie.String` writes. */
export const setCookie = (c: SetCookie): string => {
  let out = pair(c.name, c.value)
  if (c.path !== "") out += `; Path=${c.path}`
  if (c.domain !== "") out += `; Domain=${c.domain.startsWith(".") ? c.domain.slice(1) : c.domain}`
  if (c.expires !== undefined) out += `; Expires=${new Date(c.expires).toUTCString()}`
  if (c.maxAge > 0) out += `; Max-Age=${c.maxAge}`
  else if (c.maxAge < 0) out += "; Max-Age=0"
  if (c.httpOnly) out += "; HttpOnly"
  if (c.secure) out += "; Secure"
  return out
}

/** Go's `parseCookieValue` with double quotes allowed: the value, or `undefined` when invalid. */
const cookieValue = (raw: string): string | undefined => {
  const v = raw.length > 1 && raw.startsWith("\"") && raw.endsWith("\"") ? raw.slice(1, -1) : raw
  return VALUE.test(v) ? v : undefined
}

const split = (part: string): readonly [string, string] | undefined => {
  const eq = part.indexOf("=")
  const name = (eq === -1 ? part : part.slice(0, eq)).trim()
  const value = cookieValue(eq === -1 ? "" : part.slice(eq + 1))
  return validName(name) && value !== undefined ? [name, value] : undefined
}

/** The name/value pairs of `Cookie` header lines (Go's `readCookies`). */
export const requestCookies = (lines: ReadonlyArray<string> | undefined): Array<readonly [string, string]> => {
  const out: Array<readonly [string, string]> = []
  for (const line of lines ?? []) {
    for (const part of line.trim().split(";")) {
      const p = part.trim()
      if (p === "") continue
      const c = split(p)
      if (c !== undefined) out.push(c)
    }
  }
  return out
}

/** The name/value pairs of `Set-Cookie` lines (Go's `readSetCookies`; attributes skipped). */
export const responseCookies = (lines: ReadonlyArray<string> | undefined): Array<readonly [string, string]> => {
  const out: Array<readonly [string, string]> = []
  for (const line of lines ?? []) {
    const first = line.trim().split(";")[0]!.trim()
    if (first === "") continue
    const c = split(first)
    if (c !== undefined) out.push(c)
  }
  return out
}
