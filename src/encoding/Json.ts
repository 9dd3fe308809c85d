/**
 * JSON decoding helpers for backend bodies: bytes to text (a BOM is kept, so it fails like Go's
 * decoder), a cheap nesting-depth scan before `JSON.parse` (RELIABILITY U9) and the parse itself
 * as a result value.
 *
 * Numbers (KRAKEND-SEMANTICS §2.5: KrakenD decodes with `UseNumber`): a number a double cannot
 * hold without changing its value (an unsafe integer such as `12345678901234567891`, an overflow
 * such as `1e400`, more significant digits than a double keeps) is kept as a raw JSON value
 * (`JSON.rawJSON(source)`, a frozen null-prototype `{ rawJSON }` object) that `JSON.stringify`
 * writes as its exact text and that the formatter, flatmap, sequential placeholders and the
 * xml/yaml renders treat as a leaf. Other numbers become plain numbers, so their text may be
 * normalized (`1.50` → `1.5`, `1e2` → `100`; Go's `json.Number` would keep the text). The reviver
 * runs only when a cheap scan finds a run of 16 digits/dots or a 3-digit exponent; other bodies
 * take the plain `JSON.parse`.
 *
 * @since 0.1.0
 */

/** Default maximum nesting depth of a backend JSON body. */
export const MAX_DEPTH = 512

/** Body bytes as UTF-8 text. */
export const text = (body: Uint8Array): string => Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8")

/**
 * `true` when the JSON text nests deeper than `max` (strings skipped). Valid JSON nested `d` deep
 * needs at least `2d` characters, so short bodies are not scanned.
 */
export const exceedsDepth = (s: string, max: number = MAX_DEPTH): boolean => {
  if (s.length <= 2 * max) return false
  let depth = 0
  let inString = false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true
    } else if (c === 0x7d || c === 0x5d) depth--
  }
  return false
}

/** A raw JSON value (`JSON.rawJSON`): `JSON.stringify` writes `rawJSON` as is. */
export interface RawJson {
  readonly rawJSON: string
}

interface ReviverContext {
  readonly source?: string
}

/** The Node 22 JSON API the ES2023 lib does not declare. */
interface NativeJson {
  rawJSON(text: string): RawJson
  isRawJSON(value: unknown): value is RawJson
  parse(text: string, reviver: (this: unknown, key: string, value: unknown, context: ReviverContext) => unknown): unknown
}

const native = JSON as unknown as NativeJson

/** `true` for a raw JSON value (a number kept as its exact text). */
export const isRaw = (v: unknown): v is RawJson => native.isRawJSON(v)

/** A raw JSON value for already valid JSON text (a number literal). */
export const raw = (text: string): RawJson => native.rawJSON(text)

/** Text that may hold a number a double cannot keep: 16 digits/dots in a row or a 3-digit exponent. */
const INEXACT = /[0-9.]{16}|[eE][+-]?[0-9]{3}/

/** Significant digits and the exponent of a decimal literal (`1.50` and `15e-1` give `15e0`). */
const normalize = (literal: string): string => {
  const s = literal.charCodeAt(0) === 0x2d ? literal.slice(1) : literal
  const e = s.search(/[eE]/)
  const mantissa = e < 0 ? s : s.slice(0, e)
  const dot = mantissa.indexOf(".")
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1)
  const lead = digits.search(/[1-9]/)
  if (lead < 0) return "0"
  const significant = digits.slice(lead).replace(/0+$/, "")
  const exponent = (e < 0 ? 0 : Number(s.slice(e + 1))) + (dot < 0 ? mantissa.length : dot) - lead
  return `${literal.charCodeAt(0) === 0x2d ? "-" : ""}${significant}e${exponent}`
}

/** `true` when the double parsed from `source` does not denote the same decimal value. */
const loses = (value: number, source: string): boolean =>
  !Number.isFinite(value) || normalize(source) !== normalize(String(value))

const exact = (_key: string, value: unknown, context: ReviverContext): unknown =>
  typeof value === "number" && context.source !== undefined && String(value) !== context.source && loses(value, context.source)
    ? native.rawJSON(context.source)
    : value

/** `JSON.parse`, keeping numbers a double would change as raw JSON values (see the module doc). */
export const parseExact = (s: string): unknown => (INEXACT.test(s) ? native.parse(s, exact) : JSON.parse(s))

/** The outcome of a parse. */
export type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string }

/** Parses JSON text with the depth limit. */
export const parse = (s: string, maxDepth: number = MAX_DEPTH): Parsed => {
  if (exceedsDepth(s, maxDepth)) return { ok: false, message: `JSON nested deeper than ${maxDepth}` }
  try {
    return { ok: true, value: parseExact(s) }
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : "invalid JSON" }
  }
}

/** A plain JSON object (not an array, not null, not a raw JSON number). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !native.isRawJSON(v)
