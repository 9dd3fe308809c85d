/**
 * The martian filters, groups and verifiers KrakenD CE registers (see `Settings.ts`).
 *
 * @since 0.2.0
 */
import * as JsonPath from "../config/JsonPath.ts"
import { isMetadata } from "../config/Shape.ts"
import * as Read from "./Read.ts"
import { BOTH, type Nested, type Parsed, REQUEST, RESPONSE, type Spec } from "./Spec.ts"
import type * as Tree from "./Tree.ts"
import { headerName, port, regex, urlParts } from "./Values.ts"

/** The message for `else` on a filter martian reads no `else` of. */
const filterHints = (type: string): Readonly<Record<string, string>> => ({
  else: `${type} has no "else" (martian ignores it, so it would never run): use a filter with "else", or two filters`
})

/** `querystring.Filter` and `cookie.Filter`: a `name` (with an optional `value`), a modifier and its `else`. */
const nameValueFilter = (type: "querystring.Filter" | "cookie.Filter"): Spec => ({
  keys: ["name", "value", "modifier", "else"],
  supports: BOTH,
  parse: (f, child) => {
    const name = f.string("name", true)
    const value = f.string("value", false) ?? ""
    const modifier = child("modifier", true)
    const otherwise = child("else", false)
    return name === undefined || !modifier || otherwise === undefined ? undefined : { type, name, value, modifier, else: otherwise ?? undefined }
  }
})

/** The filters and groups, then the verifiers. */
export const types: Readonly<Record<string, Spec>> = {
  "header.Filter": {
    keys: ["name", "value", "modifier", "else"],
    supports: BOTH,
    parse: (f, child) => {
      const name = headerName(f, "name")
      const value = f.string("value", false) ?? ""
      const modifier = child("modifier", true)
      const otherwise = child("else", false)
      return name === undefined || !modifier || otherwise === undefined ? undefined : { type: "header.Filter", name, value, modifier, else: otherwise ?? undefined }
    }
  },
  "header.RegexFilter": {
    keys: ["header", "regex", "modifier"],
    hints: filterHints("header.RegexFilter"),
    supports: BOTH,
    parse: (f, child) => {
      const header = headerName(f, "header")
      const source = regex(f, "regex")
      const modifier = child("modifier", true)
      return header === undefined || source === undefined || !modifier ? undefined : { type: "header.RegexFilter", header, regex: source, modifier }
    }
  },
  "querystring.Filter": nameValueFilter("querystring.Filter"),
  "url.Filter": {
    keys: ["scheme", "host", "path", "query", "modifier", "else"],
    supports: BOTH,
    parse: (f, child) => {
      const { host, path, query, scheme } = urlParts(f)
      const modifier = child("modifier", true)
      const otherwise = child("else", false)
      return !modifier || otherwise === undefined ? undefined : { type: "url.Filter", scheme, host, path, query, modifier, else: otherwise ?? undefined }
    }
  },
  "url.RegexFilter": {
    keys: ["regex", "modifier", "else"],
    supports: BOTH,
    parse: (f, child) => {
      const source = regex(f, "regex")
      const modifier = child("modifier", true)
      const otherwise = child("else", false)
      return source === undefined || !modifier || otherwise === undefined ? undefined : { type: "url.RegexFilter", regex: source, modifier, else: otherwise ?? undefined }
    }
  },
  "cookie.Filter": nameValueFilter("cookie.Filter"),
  "port.Filter": {
    keys: ["port", "modifier"],
    hints: filterHints("port.Filter"),
    supports: BOTH,
    parse: (f, child) => {
      const p = port(f, "port", true)
      const modifier = child("modifier", true)
      return p === undefined || !modifier ? undefined : { type: "port.Filter", port: p, modifier }
    }
  },
  "fifo.Group": {
    keys: ["modifiers", "aggregateErrors"],
    supports: BOTH,
    parse: (f, _child, nested) => {
      const aggregateErrors = f.boolean("aggregateErrors") ?? false
      const list = f.raw("modifiers")
      if (list === undefined) return f.fail("modifiers", "missing required key")
      if (!Array.isArray(list)) return f.fail("modifiers", `Expected an array of modifiers, got ${Read.show(list)}`)
      const modifiers = list.map((item: unknown, i) => nested(item, JsonPath.index(f.at("modifiers"), i)))
      return modifiers.every((m) => m !== undefined) ? { type: "fifo.Group", aggregateErrors, modifiers } : undefined
    }
  },
  "priority.Group": {
    keys: ["modifiers"],
    supports: BOTH,
    parse: (f, _child, nested) => priorityGroup(f, nested)
  },
  ...verifiers()
}

/**
 * `priority.Group`: entries `{ priority, modifier }`, in martian's run order: each one is inserted
 * before the first with a lower or equal priority, so higher priorities run first and, among
 * equal ones, the later declared runs first.
 */
const priorityGroup = (f: Read.Fields, nested: Nested): Parsed | undefined => {
  const list = f.raw("modifiers")
  if (list === undefined) return f.fail("modifiers", "missing required key")
  if (!Array.isArray(list)) return f.fail("modifiers", `Expected an array of {priority, modifier} entries, got ${Read.show(list)}`)
  const ordered: Array<{ readonly priority: number; readonly node: Tree.Node }> = []
  let ok = true
  const fail = (path: string, message: string) => {
    f.sink.issues.push({ path, message })
    ok = false
  }
  list.forEach((entry: unknown, i) => {
    const at = JsonPath.index(f.at("modifiers"), i)
    if (!Read.isObject(entry)) return fail(at, `Expected an object {priority, modifier}, got ${Read.show(entry)}`)
    for (const key of Object.keys(entry)) {
      if (key !== "priority" && key !== "modifier" && !isMetadata(key)) fail(JsonPath.key(at, key), "unknown key (an entry holds priority and modifier)")
    }
    const priority = entry["priority"] ?? 0
    if (typeof priority !== "number" || !Number.isSafeInteger(priority)) fail(JsonPath.key(at, "priority"), `Expected an integer, got ${Read.show(priority)}`)
    if (entry["modifier"] === undefined) return fail(JsonPath.key(at, "modifier"), "missing required key")
    const node = nested(entry["modifier"], JsonPath.key(at, "modifier"))
    if (node === undefined || typeof priority !== "number") return void (ok = false)
    const index = ordered.findIndex((o) => priority >= o.priority)
    ordered.splice(index === -1 ? ordered.length : index, 0, { priority, node })
  })
  return ok ? { type: "priority.Group", modifiers: ordered.map((o) => o.node) } : undefined
}

/** The verifiers martian registers: accepted with a warning, never run (KrakenD never reads their results). */
function verifiers(): Record<string, Spec> {
  const verifier = (name: string, keys: ReadonlyArray<string>, supports: Tree.Directions): Spec => ({
    keys,
    supports,
    parse: (f) => {
      f.sink.warnings.push({ path: f.path, message: `${name} only records violations, which KrakenD never reads: ignored` })
      return { type: "verifier", name }
    }
  })
  return {
    "header.Verifier": verifier("header.Verifier", ["name", "value"], BOTH),
    "querystring.Verifier": verifier("querystring.Verifier", ["name", "value"], REQUEST),
    "url.Verifier": verifier("url.Verifier", ["scheme", "host", "path", "query"], REQUEST),
    "status.Verifier": verifier("status.Verifier", ["statusCode"], RESPONSE)
  }
}
