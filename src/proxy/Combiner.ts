/**
 * Response combiners (`proxy.combiner`): how one backend's data joins the data merged so far.
 * `default` is KrakenD's shallow merge (top-level keys copied, a later part wins a collision).
 * Beyond KrakenD, opt-in: `deep-merge` merges nested objects key by key (a later part wins a
 * scalar or array collision) and `deep-merge-append` also concatenates arrays found at the same
 * path. Nothing a backend produced is mutated; created objects have a null prototype.
 *
 * @since 0.1.0
 */
import type * as Model from "../config/Model.ts"
import * as Json from "../encoding/Json.ts"
import * as NullRecord from "../NullRecord.ts"

/** Copies `data` into `into` (which the merge owns). */
export type Combine = (into: Record<string, unknown>, data: Readonly<Record<string, unknown>>) => void

// A raw (exact) number is a leaf, not an object to merge into.
const isObject = Json.isObject

/** KrakenD's shallow merge. */
export const shallow: Combine = (into, data) => {
  for (const k of Object.keys(data)) into[k] = data[k]
}

/** A deep merge; `appendArrays` concatenates arrays at the same path instead of replacing them. */
export const deep = (appendArrays: boolean): Combine => {
  const merge: Combine = (into, data) => {
    for (const k of Object.keys(data)) {
      const v = data[k]
      const cur = Object.hasOwn(into, k) ? into[k] : undefined
      if (isObject(cur) && isObject(v)) {
        const next = NullRecord.copy(cur)
        merge(next, v)
        into[k] = next
      } else if (appendArrays && Array.isArray(cur) && Array.isArray(v)) into[k] = [...cur, ...v]
      else into[k] = v
    }
  }
  return merge
}

/** The combiner named by the config (`undefined`: the default). */
export const make = (name: Model.Combiner | undefined): Combine => {
  switch (name) {
    case "deep-merge":
      return deep(false)
    case "deep-merge-append":
      return deep(true)
    default:
      return shallow
  }
}
