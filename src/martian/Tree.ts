/**
 * The decoded `modifier/martian` namespace: a tree of modifiers, filters and groups, as plain
 * data (google/martian's `parse.FromJSON` result, before anything runs). `Parse.ts` builds it from
 * the config, with every check done; `Stage.ts` turns it into closures once, when the pipe is
 * built. Each node records the directions it registers for (martian's `parse.NewResult`: the
 * `scope`, or every direction the type supports when `scope` is missing) and its JSON path, which
 * names it in request-time errors.
 *
 * @since 0.2.0
 */

/** The directions a node registers for (after its `scope`). */
export interface Directions {
  readonly request: boolean
  readonly response: boolean
}

interface Base<T extends string> extends Directions {
  readonly type: T
  /** JSON path of the node's settings (`…["modifier/martian"]["header.Modifier"]`). */
  readonly at: string
}

/** `header.Modifier`: sets (replaces) a header; `name` is canonical. */
export interface HeaderModifier extends Base<"header.Modifier"> {
  readonly name: string
  readonly value: string
}

/** `header.Append`: adds one more value to a header. */
export interface HeaderAppend extends Base<"header.Append"> {
  readonly name: string
  readonly value: string
}

/** `header.Blacklist`: deletes each named header. */
export interface HeaderBlacklist extends Base<"header.Blacklist"> {
  readonly names: ReadonlyArray<string>
}

/** `header.Copy`: `to` = the first value of `from` (empty when missing). */
export interface HeaderCopy extends Base<"header.Copy"> {
  readonly from: string
  readonly to: string
}

/** `header.Id` (KrakenD): a random UUID in `header` unless it has a value. */
export interface HeaderId extends Base<"header.Id"> {
  readonly header: string
}

/** `querystring.Modifier`: sets a query param, then re-encodes the query sorted by name. */
export interface QueryModifier extends Base<"querystring.Modifier"> {
  readonly name: string
  readonly value: string
}

/** `body.Modifier`: replaces the body. */
export interface BodyModifier extends Base<"body.Modifier"> {
  readonly body: Uint8Array
  readonly contentType: string
}

/** `cookie.Modifier`: a `Cookie` pair on the request, a `Set-Cookie` line on the response. */
export interface CookieModifier extends Base<"cookie.Modifier"> {
  /** `name=value` as Go's `Request.AddCookie` writes it. */
  readonly pair: string
  /** The `Set-Cookie` value as Go's `Cookie.String` writes it. */
  readonly setCookie: string
}

/** `url.Modifier`: each non-empty part replaces the request URL's (`path` already escaped). */
export interface UrlModifier extends Base<"url.Modifier"> {
  readonly scheme: string
  readonly host: string
  readonly path: string
  readonly query: string
}

/** `port.Modifier`: exactly one of a port, the scheme's default port, or no port. */
export interface PortModifier extends Base<"port.Modifier"> {
  readonly action: { readonly _tag: "port"; readonly port: number } | { readonly _tag: "defaultForScheme" } | { readonly _tag: "remove" }
}

/** `stash.Modifier`: the request URL into a header, then that header onto the response. */
export interface StashModifier extends Base<"stash.Modifier"> {
  readonly headerName: string
}

/** `status.Modifier`: overwrites the response status. */
export interface StatusModifier extends Base<"status.Modifier"> {
  readonly statusCode: number
}

/** `static.Modifier` (KrakenD): skips the backend call and answers a file under `rootPath`. */
export interface StaticModifier extends Base<"static.Modifier"> {
  readonly rootPath: string
  readonly explicitPaths: Readonly<Record<string, string>>
}

/** `*.Verifier`: accepted and ignored (KrakenD never reads verifier results). */
export interface Verifier extends Base<"verifier"> {
  readonly name: string
}

/** `header.Filter`: the header has `value` (any value when `value` is empty). */
export interface HeaderFilter extends Base<"header.Filter"> {
  readonly name: string
  readonly value: string
  readonly modifier: Node
  readonly else: Node | undefined
}

/** `header.RegexFilter`: the request's header matches an RE2 pattern (no `else`). */
export interface HeaderRegexFilter extends Base<"header.RegexFilter"> {
  readonly header: string
  readonly regex: string
  readonly modifier: Node
}

/** `querystring.Filter`: the request query has `name` (with `value` when set). */
export interface QueryFilter extends Base<"querystring.Filter"> {
  readonly name: string
  readonly value: string
  readonly modifier: Node
  readonly else: Node | undefined
}

/** `url.Filter`: every set part equals the request URL's (`host` may hold a `*` label). */
export interface UrlFilter extends Base<"url.Filter"> {
  readonly scheme: string
  readonly host: string
  /** Compared with the decoded path. */
  readonly path: string
  readonly query: string
  readonly modifier: Node
  readonly else: Node | undefined
}

/** `url.RegexFilter`: an unanchored RE2 match against the whole request URL. */
export interface UrlRegexFilter extends Base<"url.RegexFilter"> {
  readonly regex: string
  readonly modifier: Node
  readonly else: Node | undefined
}

/** `cookie.Filter`: a cookie `name` exists (with `value` when set). */
export interface CookieFilter extends Base<"cookie.Filter"> {
  readonly name: string
  readonly value: string
  readonly modifier: Node
  readonly else: Node | undefined
}

/** `port.Filter`: the request URL's port (or the scheme's default) is `port` (no `else`). */
export interface PortFilter extends Base<"port.Filter"> {
  readonly port: number
  readonly modifier: Node
}

/** `fifo.Group`: children in order; `aggregateErrors` runs them all and joins the errors. */
export interface FifoGroup extends Base<"fifo.Group"> {
  readonly aggregateErrors: boolean
  readonly modifiers: ReadonlyArray<Node>
}

/** `priority.Group`: children already in run order (higher priority first, stops at the first error). */
export interface PriorityGroup extends Base<"priority.Group"> {
  readonly modifiers: ReadonlyArray<Node>
}

/** Any node of the tree. */
export type Node =
  | HeaderModifier
  | HeaderAppend
  | HeaderBlacklist
  | HeaderCopy
  | HeaderId
  | QueryModifier
  | BodyModifier
  | CookieModifier
  | UrlModifier
  | PortModifier
  | StashModifier
  | StatusModifier
  | StaticModifier
  | Verifier
  | HeaderFilter
  | HeaderRegexFilter
  | QueryFilter
  | UrlFilter
  | UrlRegexFilter
  | CookieFilter
  | PortFilter
  | FifoGroup
  | PriorityGroup
