/**
 * JSON decoding helpers for backend bodies: bytes to text (a BOM is kept, so it fails like Go's
 * decoder), a cheap nesting-depth scan before `JSON.parse` (RELIABILITY U9) and the parse itself
 * as a result value.
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

/** The outcome of a parse. */
export type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string }

/** Parses JSON text with the depth limit. */
export const parse = (s: string, maxDepth: number = MAX_DEPTH): Parsed => {
  if (exceedsDepth(s, maxDepth)) return { ok: false, message: `JSON nested deeper than ${maxDepth}` }
  try {
    return { ok: true, value: JSON.parse(s) }
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : "invalid JSON" }
  }
}

/** A plain JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)
