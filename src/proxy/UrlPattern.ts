/**
 * A compiled `url_pattern`: literal parts and `{placeholder}` slots, parsed once when the pipe is
 * built. Every value is percent-encoded with `encodeURIComponent`, so it fills exactly one path
 * segment (a `/` stays `%2F`) and can never add a segment, a query or change the origin. A
 * missing param leaves the placeholder literally in place, like KrakenD.
 *
 * @since 0.1.0
 */

/** One piece of a template: a literal or the name of the param that fills it. */
type Part = { readonly literal: string } | { readonly param: string; readonly raw: string }

/** A compiled template (a path, or one query name or value). */
export interface Template {
  readonly parts: ReadonlyArray<Part>
  /** `true` when the template has no placeholder (its text is `constant`). */
  readonly isConstant: boolean
  readonly constant: string
}

/** A compiled `url_pattern`. */
export interface UrlPattern {
  readonly path: Template
  /** Query pairs written in the pattern (`/foo?channel={channel}`), in order. */
  readonly query: ReadonlyArray<readonly [Template, Template]>
  /** Number of `.`/`..` segments the pattern itself writes. */
  readonly dotSegments: number
}

/** The param key of a placeholder: the first letter upper-cased (`id` → `Id`, `resp0_x` → `Resp0_x`). */
export const paramKey = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1)

const PLACEHOLDER = /\{([^{}]+)\}/g

/** Compiles a template; `decodeLiterals` decodes the literal text (query parts written in the pattern). */
export const template = (text: string, decodeLiterals = false): Template => {
  const parts: Array<Part> = []
  let last = 0
  const literal = (s: string) => {
    if (s.length > 0) parts.push({ literal: decodeLiterals ? decodeQueryText(s) : s })
  }
  for (const m of text.matchAll(PLACEHOLDER)) {
    literal(text.slice(last, m.index))
    parts.push({ param: paramKey(m[1]!), raw: m[0] })
    last = m.index + m[0].length
  }
  literal(text.slice(last))
  const isConstant = parts.every((p) => "literal" in p)
  return { parts, isConstant, constant: isConstant ? parts.map((p) => ("literal" in p ? p.literal : "")).join("") : "" }
}

const decodeQueryText = (s: string): string => {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "))
  } catch {
    return s
  }
}

/** Fills a template; `encode` is applied to every param value (not to literals nor missing placeholders). */
export const fill = (
  t: Template,
  params: Readonly<Record<string, string>>,
  encode: (value: string) => string
): string => {
  if (t.isConstant) return t.constant
  let out = ""
  for (const p of t.parts) {
    if ("literal" in p) out += p.literal
    else {
      const v = Object.hasOwn(params, p.param) ? params[p.param] : undefined
      out += v === undefined ? p.raw : encode(v)
    }
  }
  return out
}

/** Counts the `.`/`..` segments of a path (also spelled `%2e`). */
export const countDotSegments = (path: string): number => {
  if (!path.includes(".") && !/%2e/i.test(path)) return 0
  let n = 0
  for (const seg of path.split("/")) {
    const s = seg.length <= 6 ? seg.replace(/%2e/gi, ".") : seg
    if (s === "." || s === "..") n++
  }
  return n
}

/** Compiles a `url_pattern` (path plus an optional query). */
export const compile = (pattern: string): UrlPattern => {
  const q = pattern.indexOf("?")
  const pathText = q === -1 ? pattern : pattern.slice(0, q)
  const queryText = q === -1 ? "" : pattern.slice(q + 1)
  const query = queryText === ""
    ? []
    : queryText.split("&").filter((s) => s.length > 0).map((pair): readonly [Template, Template] => {
      const eq = pair.indexOf("=")
      return eq === -1
        ? [template(pair, true), template("", true)]
        : [template(pair.slice(0, eq), true), template(pair.slice(eq + 1), true)]
    })
  return { path: template(pathText), query, dotSegments: countDotSegments(pathText) }
}

/** Fills the path of a pattern. Values are encoded as one path segment each. */
export const fillPath = (p: UrlPattern, params: Readonly<Record<string, string>>): string =>
  fill(p.path, params, encodeURIComponent)

const identityEncode = (s: string): string => s

/** Fills the pattern's own query pairs (raw values; the query is encoded when the URL is built). */
export const fillQuery = (
  p: UrlPattern,
  params: Readonly<Record<string, string>>
): ReadonlyArray<readonly [string, string]> =>
  p.query.map(([n, v]) => [fill(n, params, identityEncode), fill(v, params, identityEncode)] as const)
