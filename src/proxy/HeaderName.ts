/**
 * Canonical header names, as Go's `textproto.CanonicalMIMEHeaderKey` writes them: the first
 * letter and every letter after a `-` upper-cased, the rest lower-cased (`x-foo-bar` →
 * `X-Foo-Bar`). KrakenD canonicalises `input_headers` and the header map this way.
 *
 * @since 0.1.0
 */

const cache = new Map<string, string>()
const CACHE_LIMIT = 4096

const isTokenChar = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d

const compute = (name: string): string => {
  for (let i = 0; i < name.length; i++) {
    // Go leaves names with characters outside [A-Za-z0-9-] untouched.
    if (!isTokenChar(name.charCodeAt(i))) return name
  }
  let out = ""
  let upper = true
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!
    out += upper ? ch.toUpperCase() : ch.toLowerCase()
    upper = ch === "-"
  }
  return out
}

/** Canonical form of a header name (`content-type` → `Content-Type`). */
export const canonical = (name: string): string => {
  const hit = cache.get(name)
  if (hit !== undefined) return hit
  const out = compute(name)
  if (cache.size < CACHE_LIMIT) cache.set(name, out)
  return out
}

/**
 * A header name as backends may compare it: case-insensitive, and `_` read as `-` (CGI, WSGI
 * and PHP servers turn both into the same variable). Used where a gateway-set header must never
 * sit beside a client-sent one of the same meaning.
 */
export const sameHeader = (name: string): string => name.toLowerCase().replaceAll("_", "-")
