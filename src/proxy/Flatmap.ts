/**
 * Flatmap (`proxy.flatmap_filter`, KrakenD's `krakend/flatmap` tree operations) on response data.
 * Paths are dot separated; a `*` matches every element of an array (or every key of an object)
 * and a number is an array index. Operations run in order:
 * - `move [from, to]`: moves each value at `from` to `to`. The `*`s of `to` take, in order,
 *   the indexes or keys the `*`s of `from` matched, so `a.*.x → a.*.y` renames inside every
 *   element and `a.*.x → b.*` builds the array `b` element-wise (same positions; an element
 *   without `x` leaves a hole, rendered `null`). Missing intermediate containers are created: an
 *   array where the next segment is a `*` bound to an array index, an object otherwise. When
 *   `to` has fewer `*`s than `from` (`list.*.id → ids`), the matches sharing the bindings `to`
 *   uses are collected, in order, into an array (`ids: [1, 2]`) — the spec does not settle this
 *   case and a config warning would belong to the config rules. When `to` has more `*`s than
 *   `from`, nothing moves and the source stays;
 * - `del [paths…]`: deletes each path (array elements are removed);
 * - `append [src, dst]`: appends the list at `src` (or the value) to the list at `dst`, which is
 *   created when missing; `src` is kept.
 * Unknown operation types are ignored, like KrakenD. The data is deep-copied first (into
 * null-prototype objects), so backends' objects are never changed.
 *
 * At backend level it replaces allow/deny/mapping (target → operations → group, see
 * `Formatter.ts`); at endpoint level (`endpoint`) it runs on the merged data, only with more
 * than one backend, and is skipped on a partial answer (KrakenD skips it on any merge error).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { EndpointConfig, FlatmapOperation } from "../config/Model.ts"
import * as Json from "../encoding/Json.ts"
import * as Proxy from "./Proxy.ts"
import * as NullRecord from "../NullRecord.ts"

type Data = Readonly<Record<string, unknown>>
type Container = Record<string, unknown> | Array<unknown>

const isContainer = (v: unknown): v is Container => typeof v === "object" && v !== null && !Json.isRaw(v)

/** A deep copy with null-prototype objects (raw JSON numbers, immutable, are kept). */
export const deepCopy = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(deepCopy)
  if (typeof v !== "object" || v === null || Json.isRaw(v)) return v
  const out: Record<string, unknown> = NullRecord.make()
  for (const k of Object.keys(v)) out[k] = deepCopy((v as Record<string, unknown>)[k])
  return out
}

interface Match {
  readonly parent: Container
  readonly key: string
  /** The keys or indexes the `*`s matched, in order. */
  readonly bindings: ReadonlyArray<string>
  /** Per binding: `true` when that `*` matched an array index. */
  readonly arrays: ReadonlyArray<boolean>
}

const INDEX = /^\d+$/

const has = (c: Container, k: string): boolean =>
  Array.isArray(c) ? INDEX.test(k) && Number(k) < c.length : Object.hasOwn(c, k)

const get = (c: Container, k: string): unknown => (Array.isArray(c) ? c[Number(k)] : c[k])

const keysOf = (c: Container): ReadonlyArray<string> => (Array.isArray(c) ? c.map((_, i) => String(i)) : Object.keys(c))

/** Every existing location matching a path. */
const find = (root: Container, segs: ReadonlyArray<string>): Array<Match> => {
  const out: Array<Match> = []
  const go = (cur: Container, i: number, bindings: ReadonlyArray<string>, arrays: ReadonlyArray<boolean>) => {
    const s = segs[i]!
    const last = i === segs.length - 1
    const keys = s === "*" ? keysOf(cur) : has(cur, s) ? [s] : []
    for (const k of keys) {
      const b = s === "*" ? [...bindings, k] : bindings
      const a = s === "*" ? [...arrays, Array.isArray(cur)] : arrays
      if (last) out.push({ parent: cur, key: k, bindings: b, arrays: a })
      else {
        const next = get(cur, k)
        if (isContainer(next)) go(next, i + 1, b, a)
      }
    }
  }
  if (segs.length > 0) go(root, 0, [], [])
  return out
}

/** A path with its `*`s bound: the segments and, per segment, whether it indexes an array. */
interface Bound {
  readonly segs: ReadonlyArray<string>
  readonly arrays: ReadonlyArray<boolean>
}

/** Replaces the `*`s of a path by bindings; `undefined` when there are not enough. */
const bind = (segs: ReadonlyArray<string>, bindings: ReadonlyArray<string>, arrays: ReadonlyArray<boolean> = []): Bound | undefined => {
  let j = 0
  const out: Array<string> = []
  const arr: Array<boolean> = []
  for (const s of segs) {
    if (s !== "*") {
      out.push(s)
      arr.push(false)
    } else if (j < bindings.length) {
      arr.push(arrays[j] === true)
      out.push(bindings[j++]!)
    } else return undefined
  }
  return { segs: out, arrays: arr }
}

const wildcards = (segs: ReadonlyArray<string>): number => segs.filter((s) => s === "*").length

const set = (root: Container, bound: Bound, value: unknown): void => {
  const segs = bound.segs
  let cur: Container = root
  for (let i = 0; i < segs.length - 1; i++) {
    const k = segs[i]!
    let next = has(cur, k) ? get(cur, k) : undefined
    if (!isContainer(next)) {
      if (Array.isArray(cur) && !INDEX.test(k)) return
      next = bound.arrays[i + 1] === true ? [] : NullRecord.make() as Record<string, unknown>
      if (Array.isArray(cur)) cur[Number(k)] = next
      else cur[k] = next
    }
    cur = next as Container
  }
  const k = segs[segs.length - 1]!
  if (Array.isArray(cur)) {
    if (INDEX.test(k)) cur[Number(k)] = value
  } else cur[k] = value
}

const remove = (matches: ReadonlyArray<Match>): void => {
  const arrays = new Map<Array<unknown>, Set<number>>()
  for (const m of matches) {
    if (Array.isArray(m.parent)) {
      let s = arrays.get(m.parent)
      if (s === undefined) arrays.set(m.parent, s = new Set())
      s.add(Number(m.key))
    } else delete m.parent[m.key]
  }
  for (const [arr, idx] of arrays) {
    const kept = arr.filter((_, i) => !idx.has(i))
    arr.length = 0
    arr.push(...kept)
  }
}

type Op = (root: Record<string, unknown>) => void

const split = (path: string): ReadonlyArray<string> => path.split(".")

const operation = (op: FlatmapOperation): Op | undefined => {
  switch (op.type) {
    case "del": {
      const paths = op.args.map(split)
      return (root) => {
        for (const p of paths) remove(find(root, p))
      }
    }
    case "move": {
      if (op.args.length < 2) return undefined
      const from = split(op.args[0]!)
      const to = split(op.args[1]!)
      const used = wildcards(to)
      const collect = wildcards(from) > used
      return (root) => {
        const matches = find(root, from)
        const moved: Array<Match> = []
        const moves = new Map<string, { target: Bound; value: unknown }>()
        for (const m of matches) {
          const target = bind(to, m.bindings.slice(0, used), m.arrays)
          if (target === undefined) continue
          moved.push(m)
          const value = get(m.parent, m.key)
          if (!collect) moves.set(String(moves.size), { target, value })
          else {
            const key = target.segs.join("\u0000")
            const group = moves.get(key)
            if (group === undefined) moves.set(key, { target, value: [value] })
            else (group.value as Array<unknown>).push(value)
          }
        }
        remove(moved)
        for (const { target, value } of moves.values()) set(root, target, value)
      }
    }
    case "append": {
      if (op.args.length < 2) return undefined
      const src = split(op.args[0]!)
      const dst = split(op.args[1]!)
      return (root) => {
        for (const m of find(root, src)) {
          const target = bind(dst, m.bindings)
          if (target === undefined) continue
          const value = deepCopy(get(m.parent, m.key))
          const items = Array.isArray(value) ? value : [value]
          const existing = find(root, target.segs)[0]
          const cur = existing === undefined ? undefined : get(existing.parent, existing.key)
          set(root, target, Array.isArray(cur) ? [...cur, ...items] : cur === undefined ? items : [cur, ...items])
        }
      }
    }
    default:
      return undefined
  }
}

/** The data transform of a `flatmap_filter`; `undefined` when it has no known operation. */
export const make = (ops: ReadonlyArray<FlatmapOperation> | undefined): ((data: Data) => Data) | undefined => {
  const compiled = (ops ?? []).flatMap((op) => {
    const f = operation(op)
    return f === undefined ? [] : [f]
  })
  if (compiled.length === 0) return undefined
  return (data) => {
    const root = deepCopy(data) as Record<string, unknown>
    for (const f of compiled) f(root)
    return root
  }
}

/** The endpoint-level flatmap stage: more than one backend, skipped on partial answers. */
export const endpoint = (config: EndpointConfig): Proxy.Middleware => {
  const f = config.backend.length > 1 ? make(config.extra_config.proxy?.flatmap_filter) : undefined
  if (f === undefined) return Proxy.identity
  return (next) => (req) => Effect.map(next(req), (res) => (res.errors.length > 0 ? res : { ...res, data: f(res.data) }))
}
