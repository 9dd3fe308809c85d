/**
 * The route table: a segment trie over the decoded path, like gin's tree. Static segments beat
 * `{param}` segments (with backtracking), a param is a whole non-empty segment, and every method
 * has its own handlers so that the static-vs-param priority is decided per method, as in gin's
 * per-method trees. Built once; lookups allocate only the result.
 *
 * @since 0.1.0
 */

/** A registered route: its value and the indexes of its param segments. */
export interface Entry<A> {
  readonly value: A
  /** The route path as registered (`/users/{id}`). */
  readonly pattern: string
  /** Index in the segment list of each param, in declaration order. */
  readonly paramIndex: ReadonlyArray<number>
}

interface Node<A> {
  readonly statics: Map<string, Node<A>>
  /** Lower-cased static segment → nodes, for the case-insensitive lookup. */
  readonly folded: Map<string, Array<readonly [string, Node<A>]>>
  param: Node<A> | undefined
  readonly methods: Map<string, Entry<A>>
}

/** A built table. */
export interface RouteTable<A> {
  readonly root: Node<A>
  /** Methods that have at least one route. */
  readonly methods: ReadonlyArray<string>
}

/** One route to register. */
export interface RouteInput<A> {
  readonly method: string
  readonly path: string
  readonly value: A
}

const makeNode = <A>(): Node<A> => ({ statics: new Map(), folded: new Map(), param: undefined, methods: new Map() })

const isParam = (segment: string): boolean =>
  segment.length > 2 && segment.charCodeAt(0) === 0x7b && segment.charCodeAt(segment.length - 1) === 0x7d

/** Segments of a path: `/a/b/` → `["a", "b", ""]`, `/` → `[""]`. */
export const segments = (path: string): Array<string> => path.slice(1).split("/")

/** Builds the table. The first registration of a method and path wins. */
export const make = <A>(routes: Iterable<RouteInput<A>>): RouteTable<A> => {
  const root = makeNode<A>()
  const methods = new Set<string>()
  for (const route of routes) {
    let node = root
    const paramIndex: Array<number> = []
    segments(route.path).forEach((segment, i) => {
      if (isParam(segment)) {
        paramIndex.push(i)
        node.param ??= makeNode()
        node = node.param
        return
      }
      let next = node.statics.get(segment)
      if (next === undefined) {
        next = makeNode()
        node.statics.set(segment, next)
        const key = segment.toLowerCase()
        const list = node.folded.get(key) ?? []
        list.push([segment, next])
        node.folded.set(key, list)
      }
      node = next
    })
    if (!node.methods.has(route.method)) {
      node.methods.set(route.method, { value: route.value, pattern: route.path, paramIndex })
    }
    methods.add(route.method)
  }
  return { root, methods: [...methods] }
}

const find = <A>(node: Node<A>, segs: ReadonlyArray<string>, i: number, method: string): Entry<A> | undefined => {
  if (i === segs.length) return node.methods.get(method)
  const segment = segs[i]!
  const child = node.statics.get(segment)
  if (child !== undefined) {
    const hit = find(child, segs, i + 1, method)
    if (hit !== undefined) return hit
  }
  if (node.param !== undefined && segment.length > 0) return find(node.param, segs, i + 1, method)
  return undefined
}

/** The route for `method` matching the decoded path segments. */
export const lookup = <A>(table: RouteTable<A>, method: string, segs: ReadonlyArray<string>): Entry<A> | undefined =>
  find(table.root, segs, 0, method)

/** Methods other than `method` that have a route for the path (for 405 and `Allow`). */
export const allowed = <A>(table: RouteTable<A>, segs: ReadonlyArray<string>, except?: string): Array<string> =>
  table.methods.filter((m) => m !== except && find(table.root, segs, 0, m) !== undefined)

const findFold = <A>(
  node: Node<A>,
  segs: ReadonlyArray<string>,
  i: number,
  method: string,
  out: Array<string>
): boolean => {
  if (i === segs.length) return node.methods.has(method)
  const segment = segs[i]!
  const exact = node.statics.get(segment)
  if (exact !== undefined) {
    out.push(segment)
    if (findFold(exact, segs, i + 1, method, out)) return true
    out.pop()
  }
  for (const [spelling, child] of node.folded.get(segment.toLowerCase()) ?? []) {
    if (child === exact) continue
    out.push(spelling)
    if (findFold(child, segs, i + 1, method, out)) return true
    out.pop()
  }
  if (node.param !== undefined && segment.length > 0) {
    out.push(segment)
    if (findFold(node.param, segs, i + 1, method, out)) return true
    out.pop()
  }
  return false
}

/**
 * Case-insensitive lookup (gin's `findCaseInsensitivePath`): the segments of the route's real
 * spelling (params keep the request's value), or `undefined`.
 */
export const lookupFold = <A>(
  table: RouteTable<A>,
  method: string,
  segs: ReadonlyArray<string>
): Array<string> | undefined => {
  const out: Array<string> = []
  return findFold(table.root, segs, 0, method, out) ? out : undefined
}
