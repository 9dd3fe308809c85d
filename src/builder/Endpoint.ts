/**
 * Typed constructors of gateway endpoints. An `Endpoint` holds the endpoint object exactly as a
 * KrakenD v3 config would spell it; `Gateway.make` decodes it with the config decoder (same
 * defaults, same rules, errors with JSON paths like `$.endpoints[1].backend[0].url_pattern`).
 * At compile time: option keys are checked, at least one backend is required, and every
 * `{placeholder}` of a backend's literal `url_pattern` must be a `{param}` of the endpoint path
 * (or `{resp<N>_field}`, `{JWT.claim}`).
 *
 * @example
 * ```ts
 * import { Backend, Endpoint } from "sluice"
 *
 * const user = Endpoint.get("/users/{id}", [Backend.http("http://users:8080", "/users/{id}")], { timeout: "1s" })
 * ```
 *
 * @since 0.1.0
 */
import type * as EndpointSchema from "../config/EndpointSchema.ts"
import type { Method } from "../config/Model.ts"
import type { Backend } from "./Backend.ts"
import type { Allowed } from "./Placeholders.ts"

/**
 * An endpoint object as written in a KrakenD config (the JSON shape the decoder reads).
 *
 * @example
 * ```ts
 * const json: Endpoint.Json = Endpoint.get("/ping", [Backend.http("http://api:8080", "/ping")]).json
 * ```
 */
export type Json = typeof EndpointSchema.Endpoint.Encoded

/**
 * The options of an endpoint besides its path, method and backends: every key of a KrakenD
 * endpoint object (`timeout`, `cache_ttl`, `concurrent_calls`, `input_headers`,
 * `input_query_strings`, `output_encoding`, `extra_config`), spelled like the config.
 *
 * @example
 * ```ts
 * const options: Endpoint.Options = { timeout: "800ms", input_query_strings: ["page"], extra_config: { proxy: { sequential: true } } }
 * ```
 */
export type Options = Omit<Json, "endpoint" | "method" | "backend">

/**
 * The backends of an endpoint on `Path`: at least one, each using only placeholders the path
 * provides.
 *
 * @example
 * ```ts
 * const backends: Endpoint.Backends<"/users/{id}"> = [Backend.http("http://users:8080", "/users/{id}")]
 * ```
 */
export type Backends<Path extends string> = readonly [Backend<Allowed<Path>>, ...Array<Backend<Allowed<Path>>>]

/**
 * A gateway endpoint, ready to be listed in `Gateway.make({ endpoints })`.
 *
 * @example
 * ```ts
 * const endpoints: ReadonlyArray<Endpoint.Endpoint> = [Endpoint.get("/ping", [Backend.http("http://api:8080", "/ping")])]
 * ```
 */
export interface Endpoint {
  readonly _tag: "Endpoint"
  /** The endpoint object in the KrakenD config spelling. */
  readonly json: Json
}

/**
 * An endpoint answering `method` on `path` (params written `{name}`, each a whole segment).
 *
 * @example
 * ```ts
 * Endpoint.make("PUT", "/users/{id}", [Backend.http("http://users:8080", "/users/{id}")], { input_headers: ["Authorization"] })
 * ```
 */
export const make = <const Path extends string>(
  method: Method,
  path: Path,
  backends: Backends<Path>,
  options: Options = {}
): Endpoint => ({
  _tag: "Endpoint",
  json: { ...options, endpoint: path, method, backend: backends.map((b) => b.json) }
})

/**
 * A `GET` endpoint.
 *
 * @example
 * ```ts
 * Endpoint.get("/users/{id}", [Backend.http("http://users:8080", "/users/{id}")])
 * ```
 */
export const get = <const Path extends string>(path: Path, backends: Backends<Path>, options: Options = {}): Endpoint =>
  make("GET", path, backends, options)

/**
 * A `POST` endpoint (the client body is forwarded to the backends).
 *
 * @example
 * ```ts
 * Endpoint.post("/users", [Backend.http("http://users:8080", "/users")], { input_headers: ["Content-Type"] })
 * ```
 */
export const post = <const Path extends string>(path: Path, backends: Backends<Path>, options: Options = {}): Endpoint =>
  make("POST", path, backends, options)

/**
 * A `PUT` endpoint.
 *
 * @example
 * ```ts
 * Endpoint.put("/users/{id}", [Backend.http("http://users:8080", "/users/{id}")])
 * ```
 */
export const put = <const Path extends string>(path: Path, backends: Backends<Path>, options: Options = {}): Endpoint =>
  make("PUT", path, backends, options)

/**
 * A `PATCH` endpoint.
 *
 * @example
 * ```ts
 * Endpoint.patch("/users/{id}", [Backend.http("http://users:8080", "/users/{id}")])
 * ```
 */
export const patch = <const Path extends string>(path: Path, backends: Backends<Path>, options: Options = {}): Endpoint =>
  make("PATCH", path, backends, options)

/**
 * A `DELETE` endpoint.
 *
 * @example
 * ```ts
 * Endpoint.del("/users/{id}", [Backend.http("http://users:8080", "/users/{id}")])
 * ```
 */
export const del = <const Path extends string>(path: Path, backends: Backends<Path>, options: Options = {}): Endpoint =>
  make("DELETE", path, backends, options)

export {
  /**
   * A `DELETE` endpoint (`Endpoint.delete`, also `Endpoint.del`).
   *
   * @example
   * ```ts
   * Endpoint.delete("/users/{id}", [Backend.http("http://users:8080", "/users/{id}")])
   * ```
   */
  del as delete
}
