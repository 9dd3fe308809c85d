/**
 * The three function types of the proxy pipe (Lura's `proxy/proxy.go`): a `Proxy` answers a
 * `ProxyRequest`, a `Middleware` wraps a `Proxy`, a `BackendFactory` builds the terminal `Proxy`
 * of one backend. Stages are built once, when the pipe is built; the finished `Proxy` needs no
 * services per request.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { Readable } from "node:stream"
import type { ProxyError } from "./ProxyError.ts"

/**
 * Header map: canonical names (`X-Foo-Bar`) to every value, in order.
 *
 * @example
 * ```ts
 * const headers: Headers = { "Content-Type": ["application/json"], "X-Tenant": ["acme"] }
 * const tenant = req.headers["X-Tenant"]?.[0]
 * ```
 */
export type Headers = Readonly<Record<string, ReadonlyArray<string>>>

/**
 * Query pairs in their original order (repeated names kept).
 *
 * @example
 * ```ts
 * const query: Query = [["page", "2"], ["tag", "a"], ["tag", "b"]]
 * const tags = req.query.filter(([name]) => name === "tag").map(([, value]) => value)
 * ```
 */
export type Query = ReadonlyArray<readonly [name: string, value: string]>

/**
 * The request that flows through the proxy pipe. Immutable: a stage that changes it builds a
 * new one (`{ ...req, path }`).
 *
 * @example
 * ```ts
 * const withTenant = (req: ProxyRequest): ProxyRequest => ({ ...req, headers: { ...req.headers, "X-Tenant": ["acme"] } })
 * Plugin.modifier({ name: "tenant", config: Schema.Struct({}), request: (req) => Effect.succeed(withTenant(req)) })
 * ```
 */
export interface ProxyRequest {
  readonly method: string
  /**
   * At endpoint level the client path; after the request builder the backend path (the filled
   * `url_pattern`, without its query).
   */
  readonly path: string
  /** The full backend URL once a host was selected; `undefined` before. */
  readonly url: string | undefined
  /**
   * The Host header sent to the backend when it is not the URL's own authority (set by
   * `modifier/martian`); unset, the URL's authority.
   */
  readonly host?: string | undefined
  /** Forwarded query pairs (filtered by `input_query_strings`). */
  readonly query: Query
  /** Path params, first letter upper-cased like KrakenD (`{id}` → `Id`). */
  readonly params: Readonly<Record<string, string>>
  /** Forwarded headers (filtered by `input_headers`, hop-by-hop removed, X-Forwarded-* set). */
  readonly headers: Headers
  /** Request body bytes, `undefined` when the request has none. */
  readonly body: Uint8Array | undefined
  /** Absolute deadline (epoch ms) of this request; backends abort their call when it passes. */
  readonly deadline: number
  /** Resolved client IP. */
  readonly clientIp: string
}

/**
 * Status and headers of a backend answer, kept for `no-op` and for response modifiers.
 *
 * @example
 * ```ts
 * const metadata: ResponseMetadata = { status: 201, headers: { Location: ["/users/42"] } }
 * const cached = res.metadata.headers["X-Cache"]?.[0] === "HIT"
 * ```
 */
export interface ResponseMetadata {
  readonly status: number
  readonly headers: Headers
}

/**
 * The answer that flows back up the pipe. Partial success is data, not a failure.
 *
 * @example
 * ```ts
 * const stamp = (res: ProxyResponse): ProxyResponse => ({ ...res, data: { ...res.data, partial: !res.isComplete } })
 * Plugin.modifier({ name: "stamp", config: Schema.Struct({}), response: (res) => Effect.succeed(stamp(res)) })
 * ```
 */
export interface ProxyResponse {
  /** Decoded and formatted data (null-prototype objects are fine). */
  readonly data: Readonly<Record<string, unknown>>
  /** `false` when any part failed, timed out or carried error details. */
  readonly isComplete: boolean
  readonly metadata: ResponseMetadata
  /** The raw body stream of a `no-op` backend; `undefined` otherwise. */
  readonly io: Readable | undefined
  /** The errors of the parts that failed (a partial response), in declaration order. */
  readonly errors: ReadonlyArray<ProxyError>
  /**
   * The status the client gets, when a stage decided it (a plugin's `Respond`). Unset, a rendered
   * answer is 200 like KrakenD's (a `no-op` one uses `metadata.status`).
   */
  readonly status?: number | undefined
}

/**
 * A pipe: request in, response or typed error out.
 *
 * @example
 * ```ts
 * const echo: Proxy = (req) =>
 *   Effect.succeed({ data: { path: req.path }, isComplete: true, metadata: { status: 200, headers: {} }, io: undefined, errors: [] })
 * ```
 */
export type Proxy = (req: ProxyRequest) => Effect.Effect<ProxyResponse, ProxyError>

/**
 * A stage of the pipe: wraps the next `Proxy`.
 *
 * @example
 * ```ts
 * const logged: Middleware = (next) => (req) =>
 *   Effect.tap(next(req), (res) => Effect.log(`${req.method} ${req.path} complete=${res.isComplete}`))
 * ```
 */
export type Middleware = (next: Proxy) => Proxy

/** The identity stage: what an unconfigured stage returns. */
export const identity: Middleware = (next) => next

/** Empty header map. */
export const emptyHeaders: Headers = Object.freeze(Object.create(null) as Record<string, ReadonlyArray<string>>)

/** A successful response with `data`. */
export const response = (
  data: Readonly<Record<string, unknown>>,
  isComplete = true,
  metadata: ResponseMetadata = { status: 200, headers: emptyHeaders }
): ProxyResponse => ({ data, isComplete, metadata, io: undefined, errors: [] })
