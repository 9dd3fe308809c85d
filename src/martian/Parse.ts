/**
 * `modifier/martian` config → `Tree.Node` (google/martian's `parse.FromJSON`, KrakenD's
 * registry). A modifier object has exactly one key, `package.Type` ("expected one modifier"
 * otherwise, at every level); its settings may carry comment keys. `scope` missing or `null`
 * means every direction the type supports; an unknown scope, or one the type cannot serve, is an
 * error (martian's `parse.NewResult`).
 *
 * Deliberate difference from KrakenD: KrakenD logs a martian parse error and runs the backend
 * without martian; here every problem is a start error with its JSON path (a modifier that
 * silently does not run may leak a header or skip a rewrite the operator relies on). Problems
 * KrakenD would only meet on every request (an invalid header name or value, a Content-Length
 * that is not a number, an unparsable URL part) are start errors too.
 *
 * @since 0.2.0
 */
import type { ConfigIssue, ConfigWarning } from "../config/ConfigError.ts"
import * as JsonPath from "../config/JsonPath.ts"
import { isMetadata } from "../config/Shape.ts"
import * as Suggest from "../config/Suggest.ts"
import * as Read from "./Read.ts"
import * as Settings from "./Settings.ts"
import type * as Tree from "./Tree.ts"

/** The tree, or the issues; warnings either way. */
export interface Parsed {
  readonly node: Tree.Node | undefined
  readonly issues: ReadonlyArray<ConfigIssue>
  readonly warnings: ReadonlyArray<ConfigWarning>
}

const SCOPES = ["request", "response"] as const

/** The directions of a node: its `scope`, limited to what the type `supports`. */
const scope = (f: Read.Fields, type: string, supports: Tree.Directions): Tree.Directions | undefined => {
  const value = f.raw("scope")
  if (value === undefined || value === null) return supports
  if (!Array.isArray(value)) return f.fail("scope", `Expected an array of "request" and/or "response", got ${Read.show(value)}`)
  let request = false
  let response = false
  let ok = true
  value.forEach((s: unknown, i) => {
    const at = JsonPath.index(f.at("scope"), i)
    if (s !== "request" && s !== "response") {
      f.sink.issues.push({ path: at, message: `invalid scope ${Read.show(s)}: expected "request" or "response"` })
      ok = false
    } else if (!supports[s]) {
      const only = SCOPES.find((d) => supports[d])
      f.sink.issues.push({ path: at, message: `${type} cannot modify ${s}s${only === undefined ? "" : ` (it only modifies ${only}s)`}` })
      ok = false
    } else if (s === "request") request = true
    else response = true
  })
  if (ok && !request && !response) f.sink.warnings.push({ path: f.at("scope"), message: "an empty scope: this modifier never runs" })
  return ok ? { request, response } : undefined
}

/** Parses one modifier object (`{ "package.Type": { …settings } }`) at `path`. */
const modifier = (value: unknown, path: string, sink: Read.Sink): Tree.Node | undefined => {
  if (!Read.isObject(value)) {
    sink.issues.push({ path, message: `expected one modifier, an object such as {"header.Modifier": {…}}, got ${Read.show(value)}` })
    return undefined
  }
  const keys = Object.keys(value)
  if (keys.length !== 1) {
    const comment = keys.some(isMetadata) && keys.length > 1
      ? `; ${keys.filter(isMetadata).map((k) => JSON.stringify(k)).join(", ")} counts as a modifier here (KrakenD fails the same way): move it into the modifier's settings`
      : ""
    const listed = keys.length === 0 ? "" : ` (${keys.map((k) => JSON.stringify(k)).join(", ")})`
    sink.issues.push({ path, message: `expected one modifier, got ${keys.length}${listed}${comment}` })
    return undefined
  }
  const type = keys[0]!
  const at = JsonPath.key(path, type)
  const spec = Object.hasOwn(Settings.types, type) ? Settings.types[type] : undefined
  if (spec === undefined) {
    sink.issues.push({ path: at, message: `unknown modifier type ${JSON.stringify(type)}${Suggest.hint(type, Object.keys(Settings.types))}` })
    return undefined
  }
  const settings = value[type]
  if (!Read.isObject(settings)) {
    sink.issues.push({ path: at, message: `Expected an object (the settings of ${type}), got ${Read.show(settings)}` })
    return undefined
  }
  const before = sink.issues.length
  const f = Read.fields(settings, at, sink, [...spec.keys, "scope"], spec.hints)
  const directions = scope(f, type, spec.supports)
  const child = (key: string, required: boolean): Tree.Node | undefined | null => {
    const raw = f.raw(key)
    if (raw === undefined) return required ? f.fail(key, "missing required key") : null
    return modifier(raw, f.at(key), sink)
  }
  const node = spec.parse(f, child, (item, itemPath) => modifier(item, itemPath, sink))
  if (directions === undefined || node === undefined || sink.issues.length > before) return undefined
  return { ...node, ...directions, at } as Tree.Node
}

/**
 * Parses the namespace value at `path` (`…extra_config["modifier/martian"]`): the tree, or every
 * issue found.
 */
export const parse = (value: unknown, path: string): Parsed => {
  const sink: Read.Sink = { issues: [], warnings: [] }
  const node = modifier(value, path, sink)
  return { node: sink.issues.length > 0 ? undefined : node, issues: sink.issues, warnings: sink.warnings }
}
