/**
 * Typed reads of one martian settings object for `Parse.ts`: each read reports a missing or
 * ill-typed field as a config issue at its JSON path and returns `undefined`, so one pass
 * collects every problem. Keys starting with `@`, `$`, `_` or `#` are comments; any other key a
 * type does not read is an error with a did-you-mean (KrakenD would silently ignore it).
 *
 * @since 0.2.0
 */
import type { ConfigIssue, ConfigWarning } from "../config/ConfigError.ts"
import * as JsonPath from "../config/JsonPath.ts"
import { isMetadata } from "../config/Shape.ts"
import * as Suggest from "../config/Suggest.ts"

/** Where issues and warnings go. */
export interface Sink {
  readonly issues: Array<ConfigIssue>
  readonly warnings: Array<ConfigWarning>
}

/** A JSON object. */
export type Json = Readonly<Record<string, unknown>>

/** Whether `u` is a JSON object (not an array, not null). */
export const isObject = (u: unknown): u is Json => typeof u === "object" && u !== null && !Array.isArray(u)

/** A value as an issue message shows it. */
export const show = (u: unknown): string => {
  const text = u === undefined ? "undefined" : JSON.stringify(u)
  return text.length > 60 ? `${text.slice(0, 57)}…` : text
}

/** The fields of one settings object, read once each. */
export interface Fields {
  readonly path: string
  readonly sink: Sink
  readonly at: (key: string) => string
  readonly raw: (key: string) => unknown
  /** An issue at `key` (or at the object when `key` is undefined). */
  readonly fail: (key: string | undefined, message: string) => undefined
  readonly string: (key: string, required: boolean) => string | undefined
  readonly boolean: (key: string) => boolean | undefined
  readonly integer: (key: string, required: boolean) => number | undefined
  readonly strings: (key: string) => ReadonlyArray<string> | undefined
  readonly stringMap: (key: string) => Readonly<Record<string, string>> | undefined
}

/**
 * Reads `settings` at `path`, knowing `keys`; `hints` give a specific message for a key the type
 * does not read (e.g. `else` where martian ignores it).
 */
export const fields = (
  settings: Json,
  path: string,
  sink: Sink,
  keys: ReadonlyArray<string>,
  hints: Readonly<Record<string, string>> = {}
): Fields => {
  const at = (key: string) => JsonPath.key(path, key)
  for (const key of Object.keys(settings)) {
    if (isMetadata(key) || keys.includes(key)) continue
    sink.issues.push({ path: at(key), message: Object.hasOwn(hints, key) ? hints[key]! : `unknown key${Suggest.hint(key, keys)}` })
  }
  const fail = (key: string | undefined, message: string): undefined => {
    sink.issues.push({ path: key === undefined ? path : at(key), message })
    return undefined
  }
  const raw = (key: string): unknown => (Object.hasOwn(settings, key) ? settings[key] : undefined)
  const typed = <A>(key: string, required: boolean, is: (u: unknown) => u is A, expected: string): A | undefined => {
    const value = raw(key)
    if (value === undefined) return required ? fail(key, "missing required key") : undefined
    return is(value) ? value : fail(key, `Expected ${expected}, got ${show(value)}`)
  }
  return {
    path,
    sink,
    at,
    raw,
    fail,
    string: (key, required) => typed(key, required, (u): u is string => typeof u === "string", "string"),
    boolean: (key) => typed(key, false, (u): u is boolean => typeof u === "boolean", "boolean"),
    integer: (key, required) => typed(key, required, (u): u is number => typeof u === "number" && Number.isSafeInteger(u), "an integer"),
    strings: (key) => typed(key, true, (u): u is ReadonlyArray<string> => Array.isArray(u) && u.every((s) => typeof s === "string"), "an array of strings"),
    stringMap: (key) =>
      typed(key, false, (u): u is Readonly<Record<string, string>> => isObject(u) && Object.values(u).every((s) => typeof s === "string"), "an object of strings")
  }
}
