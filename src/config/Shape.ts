/**
 * The key check that runs before Schema decoding. It walks the raw JSON with a `Shape` per
 * object and:
 * - drops `@`-prefixed keys (`"@comment"`) at every level;
 * - drops KrakenD keys Sluice does not implement yet, with a warning;
 * - drops `extra_config` namespaces Sluice does not implement, with a warning;
 * - reports unknown keys as errors with a did-you-mean, and v2 keys with a specific hint.
 *
 * What is left holds only keys that the Schemas know, so Schema decoding with
 * `onExcessProperty: "error"` then checks types.
 *
 * @since 0.1.0
 */
import type { ConfigIssue, ConfigWarning } from "./ConfigError.ts"
import * as JsonPath from "./JsonPath.ts"
import * as Suggest from "./Suggest.ts"

/** What an object of the config may contain. */
export interface Shape {
  /** Keys the Schema of this object decodes. */
  readonly keys: ReadonlyArray<string>
  /** KrakenD keys accepted but not implemented: a warning, then dropped. */
  readonly unimplemented?: ReadonlyArray<string>
  /** Keys that get a specific error message (v2 keys, keys at the wrong level). */
  readonly hints?: Readonly<Record<string, string>>
  /** Keys holding an object, and its shape. */
  readonly objects?: Readonly<Record<string, Shape>>
  /** Keys holding an array of objects, and their shape. */
  readonly arrays?: Readonly<Record<string, Shape>>
  /** An `extra_config` object: `keys` are the implemented namespaces; others get a warning. */
  readonly namespaces?: boolean
  /** Checked for typos, then removed from its parent (the Schema does not decode it). */
  readonly dropped?: boolean
}

/** Issues and warnings collected while checking. */
export interface Findings {
  readonly issues: Array<ConfigIssue>
  readonly warnings: Array<ConfigWarning>
}

/** The warning for a KrakenD key that Sluice accepts but ignores. */
export const unimplementedMessage = (key: string): string =>
  `${key} is a KrakenD setting Sluice does not implement yet; ignored`

/** The warning for an `extra_config` namespace that Sluice ignores. */
export const namespaceMessage = (namespace: string, implemented: ReadonlyArray<string>): string =>
  `namespace ${JSON.stringify(namespace)} is not implemented by Sluice yet; ignored${
    Suggest.hint(namespace, implemented)
  }`

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Checks `value` against `shape` and returns a copy without `@` keys, unimplemented keys,
 * unknown keys and unimplemented namespaces. Non-objects are returned as they are (the Schema
 * reports the wrong type).
 */
export const check = (value: unknown, shape: Shape, path: string, findings: Findings): unknown => {
  if (!isObject(value)) return value
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    if (key.startsWith("@")) continue
    const at = JsonPath.key(path, key)
    if (shape.keys.includes(key)) {
      const object = shape.objects !== undefined && Object.hasOwn(shape.objects, key) ? shape.objects[key] : undefined
      const array = shape.arrays !== undefined && Object.hasOwn(shape.arrays, key) ? shape.arrays[key] : undefined
      if (object !== undefined) {
        if (object.dropped === true && !isObject(item)) {
          findings.issues.push({ path: at, message: "expected an object" })
        }
        const checked = check(item, object, at, findings)
        if (object.dropped !== true) out[key] = checked
      } else if (array !== undefined && Array.isArray(item)) {
        out[key] = item.map((element, i) => check(element, array, JsonPath.index(at, i), findings))
      } else {
        out[key] = item
      }
    } else if (shape.unimplemented?.includes(key) === true) {
      findings.warnings.push({ path: at, message: unimplementedMessage(key) })
    } else if (shape.hints !== undefined && Object.hasOwn(shape.hints, key)) {
      findings.issues.push({ path: at, message: shape.hints[key]! })
    } else if (shape.namespaces === true) {
      findings.warnings.push({ path: at, message: namespaceMessage(key, shape.keys) })
    } else {
      findings.issues.push({
        path: at,
        message: `unknown key${Suggest.hint(key, [...shape.keys, ...(shape.unimplemented ?? [])])}`
      })
    }
  }
  return out
}

/** The shape of a Schema struct: its field names, plus the given options. */
export const of = (struct: { readonly fields: object }, options: Omit<Shape, "keys"> = {}): Shape => ({
  keys: Object.keys(struct.fields),
  ...options
})
