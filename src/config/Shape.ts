/**
 * The key check that runs before Schema decoding. It walks the raw JSON with a `Shape` per
 * object and:
 * - drops keys starting with `@`, `$`, `_` or `#` (`"@comment"`, `"$schema"`, `"#note"`) at every
 *   level, as KrakenD's schema allows them;
 * - drops KrakenD keys Sluice does not implement yet, with a warning;
 * - renames legacy namespace names to their current ones (`Aliases.ts`);
 * - drops `extra_config` namespaces Sluice does not implement, with a warning, unless they
 *   protect traffic: those stop the start (`Protections.ts`, fail closed);
 * - warns about a key KrakenD reads at another level (`Homes`), naming where it belongs — an
 *   error when it belongs to a protection;
 * - reports unknown keys as errors with a did-you-mean, and v2 keys with a specific hint.
 *
 * What is left holds only keys that the Schemas know, so Schema decoding with
 * `onExcessProperty: "error"` then checks types.
 *
 * @since 0.1.0
 */
import type { ConfigIssue, ConfigWarning } from "./ConfigError.ts"
import * as Aliases from "./Aliases.ts"
import * as JsonPath from "./JsonPath.ts"
import * as Protections from "./Protections.ts"
import * as Suggest from "./Suggest.ts"

/** What an object of the config may contain. */
export interface Shape {
  /** Keys the Schema of this object decodes. */
  readonly keys: ReadonlyArray<string>
  /** KrakenD keys accepted but not implemented: a warning, then dropped. */
  readonly unimplemented?: ReadonlyArray<string>
  /**
   * Those of `unimplemented` that cannot apply to Sluice, with the reason: an INFO note instead
   * of a warning.
   */
  readonly noEffect?: Readonly<Record<string, string>>
  /** Keys that get a specific error message (v2 keys, keys at the wrong level). */
  readonly hints?: Readonly<Record<string, string>>
  /** Keys holding an object, and its shape. */
  readonly objects?: Readonly<Record<string, Shape>>
  /** Keys holding an array of objects, and their shape. */
  readonly arrays?: Readonly<Record<string, Shape>>
  /**
   * An `extra_config` object at this level: `keys` are the implemented namespaces; legacy names
   * are renamed, others get a warning, or a start error when they protect traffic.
   */
  readonly namespaces?: Protections.Level
  /** Checked for typos, then removed from its parent (the Schema does not decode it). */
  readonly dropped?: boolean
}

/** Issues and warnings collected while checking. */
export interface Findings extends Protections.Sink {
  readonly issues: Array<ConfigIssue>
  readonly warnings: Array<ConfigWarning>
  /** INFO findings: legacy names and what they now read as. */
  readonly notices: Array<ConfigWarning>
  /** Path with a namespace's current name → the path as the user wrote it. */
  readonly renames: Map<string, string>
  /** Where each key of the config is read (see `homes`), for keys written at another level. */
  readonly homes: Homes
}

/** Key → the places it is read, as path patterns (`$.endpoints[*].backend[*]`, `$.extra_config["router"]`). */
export type Homes = ReadonlyMap<string, ReadonlyArray<Home>>

/** A place a key is read, and the namespace it is read in (if any). */
export interface Home {
  readonly path: string
  readonly namespace: string | undefined
}

/** Empty findings, with the `sluice/compat` escape hatch read from the raw config. */
export const findings = (root: unknown, homes: Homes = new Map()): Findings => {
  const issues: Array<ConfigIssue> = []
  return { issues, warnings: [], notices: [], renames: new Map(), homes, compat: Protections.readCompat(root, issues) }
}

/** Whether a key is a comment or metadata that KrakenD's schema always allows (`@x`, `$x`, `_x`, `#x`). */
export const isMetadata = (key: string): boolean => /^[@$_#]/.test(key)

/** Every key `shape` reads (and its nested shapes), with the places it is read. */
export const homes = (root: Shape): Homes => {
  const found = new Map<string, Array<Home>>()
  const walk = (shape: Shape, path: string, namespace: string | undefined): void => {
    for (const key of [...shape.keys, ...(shape.unimplemented ?? [])]) {
      if (shape.namespaces !== undefined) continue
      const list = found.get(key) ?? []
      if (!list.some((h) => h.path === path)) list.push({ path, namespace })
      found.set(key, list)
    }
    for (const [key, nested] of Object.entries(shape.objects ?? {})) {
      walk(nested, JsonPath.key(path, key), shape.namespaces !== undefined ? key : namespace)
    }
    for (const [key, nested] of Object.entries(shape.arrays ?? {})) walk(nested, `${JsonPath.key(path, key)}[*]`, namespace)
  }
  walk(root, JsonPath.root, undefined)
  return found
}

/** The finding for `key`, unknown here but read at `elsewhere`: a warning, an error for a protection's key. */
const misplaced = (key: string, at: string, elsewhere: ReadonlyArray<Home>, findings: Findings): void => {
  const places = elsewhere.slice(0, 3).map((h) => h.path).join(", ") + (elsewhere.length > 3 ? ", …" : "")
  const guarding = elsewhere.find((h) => h.namespace !== undefined && Protections.isProtecting(h.namespace))
  if (guarding !== undefined) {
    findings.issues.push({
      path: at,
      message: `${key} is a setting of ${guarding.path}, not of this object: KrakenD would ignore it here and leave the protection off; move it there`
    })
  } else {
    findings.warnings.push({ path: at, message: `${key} is not read at this level (KrakenD reads it at ${places}); ignored` })
  }
}

/** `path` spelled as the user wrote it (legacy namespace names kept). */
export const spelled = (findings: Findings, path: string): string => {
  for (const [current, written] of findings.renames) {
    if (path === current) return written
    if (path.startsWith(current) && (path[current.length] === "." || path[current.length] === "[")) {
      return written + path.slice(current.length)
    }
  }
  return path
}

/** The warning for a KrakenD key that Sluice accepts but ignores. */
export const unimplementedMessage = (key: string): string =>
  `${key} is a KrakenD setting Sluice does not implement yet; ignored`

/** The warning for an `extra_config` namespace that Sluice ignores (a did-you-mean for an unknown one). */
export const namespaceMessage = (namespace: string, candidates: ReadonlyArray<string>): string =>
  Aliases.known.includes(namespace)
    ? `namespace ${JSON.stringify(namespace)} is not implemented by Sluice yet; ignored`
    : `namespace ${JSON.stringify(namespace)} is unknown; ignored${
      Suggest.hint(namespace, candidates.filter((name) => name !== namespace))
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
  if (shape.namespaces !== undefined) return checkNamespaces(value, shape, shape.namespaces, path, findings)
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    if (isMetadata(key)) continue
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
      const reason = shape.noEffect !== undefined && Object.hasOwn(shape.noEffect, key) ? shape.noEffect[key] : undefined
      if (reason === undefined) findings.warnings.push({ path: at, message: unimplementedMessage(key) })
      else findings.notices.push({ path: at, message: `${key} has no effect in Sluice: ${reason}` })
    } else if (shape.hints !== undefined && Object.hasOwn(shape.hints, key)) {
      findings.issues.push({ path: at, message: shape.hints[key]! })
    } else if (findings.homes.has(key) && Aliases.retiredKey(key) === undefined) {
      misplaced(key, at, findings.homes.get(key)!, findings)
    } else {
      const renamed = Aliases.retiredKey(key)
      findings.issues.push({
        path: at,
        message: renamed !== undefined && shape.keys.includes(renamed)
          ? `${key} is a KrakenD 1.x name that KrakenD 2 ignores; write ${JSON.stringify(renamed)}`
          : `unknown key${Suggest.hint(key, [...shape.keys, ...(shape.unimplemented ?? [])])}`
      })
    }
  }
  return out
}

/** Checks one object of `value` (a key of a shape), when it has a shape of its own. */
const checkKey = (shape: Shape, key: string, item: unknown, at: string, findings: Findings): unknown => {
  const object = shape.objects !== undefined && Object.hasOwn(shape.objects, key) ? shape.objects[key] : undefined
  return object === undefined ? item : check(item, object, at, findings)
}

/**
 * An `extra_config` object: legacy names renamed (both spellings at once is an error), then
 * each namespace checked by its shape, refused by the fail-closed rule, or dropped with a warning.
 */
const checkNamespaces = (
  value: Readonly<Record<string, unknown>>,
  shape: Shape,
  level: Protections.Level,
  path: string,
  findings: Findings
): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  const keys = Object.keys(value)
  for (const [written, item] of Object.entries(value)) {
    if (isMetadata(written)) continue
    const at = JsonPath.key(path, written)
    const name = Aliases.current(written)
    if (name !== written) {
      if (keys.includes(name)) {
        findings.issues.push({
          path: at,
          message: `${JSON.stringify(written)} is the legacy name of ${JSON.stringify(name)}, which is also set at ${
            JsonPath.key(path, name)
          }; KrakenD would silently keep one of them: keep one spelling`
        })
        continue
      }
      findings.notices.push({ path: at, message: `legacy name of ${JSON.stringify(name)}: read as ${JSON.stringify(name)}` })
      findings.renames.set(JsonPath.key(path, name), at)
    }
    if (shape.keys.includes(name)) {
      out[name] = checkKey(shape, name, item, at, findings)
      continue
    }
    if (Protections.unimplementedNamespace(findings, name, at, level)) continue
    const retired = Aliases.own(Aliases.retired, written)
    if (retired !== undefined) {
      retiredNamespace(findings, written, retired, item, at, level)
      continue
    }
    if (level === "async_agent") continue // the whole agent is already reported as not implemented
    const miss = Protections.nearMissIssue(written, at)
    if (miss !== undefined) findings.issues.push(miss)
    else findings.warnings.push({ path: at, message: namespaceMessage(name, [...shape.keys, ...Aliases.known, ...Object.keys(Aliases.legacy)]) })
  }
  return out
}

/** A 1.x name KrakenD 2 no longer reads: a start error for a protection, else a warning; both with the 2.x spelling. */
const retiredNamespace = (
  findings: Findings,
  written: string,
  retired: Aliases.Retired,
  item: unknown,
  at: string,
  level: Protections.Level
): void => {
  const hint = retired.current === undefined
    ? `: ${retired.note ?? "dropped"}`
    : `; the 2.x spelling is ${JSON.stringify({ [retired.current]: Aliases.renameKeys(item) })}`
  const protecting = retired.current !== undefined && Protections.isProtecting(retired.current) && level !== "async_agent"
  const message = `${JSON.stringify(written)} is a KrakenD 1.x name that KrakenD 2 no longer reads${
    protecting ? ` (${Protections.subject[level]})` : ""
  }${hint}`
  if (protecting) findings.issues.push({ path: at, message })
  else findings.warnings.push({ path: at, message })
}

/** The shape of a Schema struct: its field names, plus the given options. */
export const of = (struct: { readonly fields: object }, options: Omit<Shape, "keys"> = {}): Shape => ({
  keys: Object.keys(struct.fields),
  ...options
})

const ASYNC: Shape = { keys: [], namespaces: "async_agent" }

/**
 * Async agents are not implemented (the root key is dropped with one warning), but their
 * namespaces and their backends' are read like KrakenD's: legacy names noted, both spellings
 * at one level refused.
 */
export const asyncAgents = (value: unknown, path: string, findings: Findings): void => {
  if (!Array.isArray(value)) return
  value.forEach((agent: unknown, i) => {
    if (!isObject(agent)) return
    const at = JsonPath.index(path, i)
    check(agent["extra_config"], ASYNC, JsonPath.key(at, "extra_config"), findings)
    const backends = agent["backend"]
    if (Array.isArray(backends)) {
      backends.forEach((backend: unknown, j) => {
        if (isObject(backend)) {
          check(backend["extra_config"], ASYNC, JsonPath.key(JsonPath.index(JsonPath.key(at, "backend"), j), "extra_config"), findings)
        }
      })
    }
  })
}
