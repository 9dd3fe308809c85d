/**
 * Path helpers of the router, with Go's (`net/url`, gin's `path.go`) semantics: percent
 * decoding of the request path, cleaning (`//`, `.`, `..`) for the fixed-path redirect, and
 * re-escaping of a path for a `Location` header.
 *
 * @since 0.1.0
 */

const invalidEscape = /%(?![0-9a-fA-F]{2})/
const escapes = /(?:%[0-9a-fA-F]{2})+/g

const decodeRun = (run: string): string => Buffer.from(run.replaceAll("%", ""), "hex").toString("utf8")

/**
 * The percent-decoded path, or `undefined` when an escape is invalid (`%zz`, a trailing `%`).
 * Invalid UTF-8 decodes to U+FFFD, like Go keeps the bytes rather than failing.
 */
export const decode = (raw: string): string | undefined => {
  if (!raw.includes("%")) return raw
  if (invalidEscape.test(raw)) return undefined
  return raw.replace(escapes, decodeRun)
}

/** Collapses runs of `/` (`router.remove_extra_slash`). */
export const collapseSlashes = (path: string): string => (path.includes("//") ? path.replace(/\/{2,}/g, "/") : path)

/**
 * gin's `cleanPath`: a leading `/`, no `//`, `.` and `..` resolved (never above the root), a
 * trailing slash kept when the input had one.
 */
export const clean = (path: string): string => {
  if (path === "") return "/"
  const trailing = path.length > 1 && path.endsWith("/")
  const out: Array<string> = []
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue
    if (segment === "..") out.pop()
    else out.push(segment)
  }
  const cleaned = "/" + out.join("/")
  return trailing && cleaned !== "/" ? cleaned + "/" : cleaned
}

const escapeSegment = (segment: string): string =>
  encodeURI(segment).replaceAll("?", "%3F").replaceAll("#", "%23").replaceAll("/", "%2F")

/** Escapes decoded segments back into a path for a `Location` header. */
export const fromSegments = (segments: ReadonlyArray<string>): string => "/" + segments.map(escapeSegment).join("/")
