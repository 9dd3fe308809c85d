/**
 * The entity formatter of one backend (Lura's `proxy/formatter.go`), applied in this order:
 * `target` → `allow` (or, only when allow is empty, `deny`) → `mapping` → `group`; with a
 * backend `proxy.flatmap_filter`: `target` → flatmap → `group`. Every path is
 * split when the pipe is built. Paths walk own properties of objects only (no array traversal),
 * and the objects the formatter creates have a null prototype, so `__proto__`, `constructor` and
 * `prototype` keys from a backend stay inert data (RELIABILITY C11). A raw JSON number (`Json.ts`)
 * is a leaf, never an object to walk into.
 *
 * @since 0.1.0
 */
import type { BackendConfig } from "../config/Model.ts"
import * as Json from "../encoding/Json.ts"
import * as Flatmap from "./Flatmap.ts"
import * as NullRecord from "../NullRecord.ts"

/** Response data. */
export type Data = Readonly<Record<string, unknown>>

/** A data transform. */
export type Formatter = (data: Data) => Data

const isObject = Json.isObject

const own = (o: Record<string, unknown>, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined)

const empty = (): Record<string, unknown> => NullRecord.make()

/** `target`: the object at a dot path, `{}` when missing or not an object. */
export const target = (path: string): Formatter => {
  const keys = path.split(".")
  return (data) => {
    let cur: unknown = data
    for (const k of keys) {
      if (!isObject(cur)) return empty()
      cur = own(cur, k)
    }
    return isObject(cur) ? cur : empty()
  }
}

type Tree = Map<string, Tree>

const buildTree = (paths: ReadonlyArray<string>): Tree => {
  const root: Tree = new Map()
  for (const p of paths) {
    let node = root
    for (const k of p.split(".")) {
      let next = node.get(k)
      if (next === undefined) {
        next = new Map()
        node.set(k, next)
      }
      node = next
    }
  }
  return root
}

const allowTree = (tree: Tree, data: Record<string, unknown>): Record<string, unknown> | undefined => {
  let out: Record<string, unknown> | undefined
  for (const [k, sub] of tree) {
    if (!Object.hasOwn(data, k)) continue
    const v = data[k]
    let kept: unknown
    if (sub.size === 0) kept = v
    else if (isObject(v)) kept = allowTree(sub, v)
    if (kept === undefined) continue
    out ??= empty()
    out[k] = kept
  }
  return out
}

/** `allow`: keeps only the listed dot paths; `{}` when nothing matches. */
export const allow = (paths: ReadonlyArray<string>): Formatter => {
  const tree = buildTree(paths)
  return (data) => allowTree(tree, data) ?? empty()
}

/** `deny`: removes the listed dot paths (copying the objects on the way, the input is not changed). */
export const deny = (paths: ReadonlyArray<string>): Formatter => {
  const split = paths.map((p) => p.split("."))
  const remove = (o: Record<string, unknown>, keys: ReadonlyArray<string>, i: number): Record<string, unknown> => {
    const k = keys[i]!
    if (!Object.hasOwn(o, k)) return o
    if (i === keys.length - 1) return NullRecord.copy(o, k)
    const v = o[k]
    if (!isObject(v)) return o
    const copy = NullRecord.copy(o)
    copy[k] = remove(v, keys, i + 1)
    return copy
  }
  return (data) => {
    let out = data as Record<string, unknown>
    for (const keys of split) out = remove(out, keys, 0)
    return out
  }
}

/** `mapping`: renames top-level keys; the new name is cut at the first `.`. A renamed key wins a collision. */
export const mapping = (map: Readonly<Record<string, string>>): Formatter => {
  const renames = new Map(Object.entries(map).map(([from, to]) => [from, to.split(".")[0]!] as const))
  return (data) => {
    const out = empty()
    const renamed: Array<readonly [string, unknown]> = []
    for (const k of Object.keys(data)) {
      const to = renames.get(k)
      if (to === undefined) out[k] = data[k]
      else renamed.push([to, data[k]])
    }
    for (const [k, v] of renamed) out[k] = v
    return out
  }
}

/** `group`: wraps the data under one key. */
export const group = (name: string): Formatter => (data) => {
  const out = empty()
  out[name] = data
  return out
}

/**
 * The formatter of one backend, or `undefined` when it has nothing to do. A backend
 * `proxy.flatmap_filter` replaces allow/deny/mapping: target → flatmap → group.
 */
export const make = (backend: BackendConfig): Formatter | undefined => {
  const steps: Array<Formatter> = []
  const flatmap = Flatmap.make(backend.extra_config.proxy?.flatmap_filter)
  if (backend.target !== undefined && backend.target !== "") steps.push(target(backend.target))
  if (flatmap !== undefined) steps.push(flatmap)
  else if (backend.allow.length > 0) steps.push(allow(backend.allow))
  else if (backend.deny.length > 0) steps.push(deny(backend.deny))
  if (flatmap === undefined && Object.keys(backend.mapping).length > 0) steps.push(mapping(backend.mapping))
  if (backend.group !== undefined && backend.group !== "") steps.push(group(backend.group))
  if (steps.length === 0) return undefined
  if (steps.length === 1) return steps[0]
  return (data) => steps.reduce((d, f) => f(d), data)
}
