/**
 * What a registered martian type is for `Parse.ts`: the keys it reads, the directions it
 * supports, and how its checked settings become a `Tree.Node`.
 *
 * @since 0.2.0
 */
import type * as Read from "./Read.ts"
import type * as Tree from "./Tree.ts"

type Omit3<T> = T extends unknown ? Omit<T, "at" | "request" | "response"> : never

/** A node as a type's settings give it (directions and path are added by `Parse.ts`). */
export type Parsed = Omit3<Tree.Node>

/** A nested modifier under `key`: the node, `undefined` when it failed, `null` when absent (and optional). */
export type Child = (key: string, required: boolean) => Tree.Node | undefined | null

/** A nested modifier object at a JSON path: the node, or `undefined` when it failed. */
export type Nested = (value: unknown, path: string) => Tree.Node | undefined

/** One registered type. */
export interface Spec {
  readonly keys: ReadonlyArray<string>
  readonly hints?: Readonly<Record<string, string>>
  readonly supports: Tree.Directions
  readonly parse: (f: Read.Fields, child: Child, nested: Nested) => Parsed | undefined
}

/** Both directions. */
export const BOTH: Tree.Directions = { request: true, response: true }
/** Requests only. */
export const REQUEST: Tree.Directions = { request: true, response: false }
/** Responses only. */
export const RESPONSE: Tree.Directions = { request: false, response: true }
