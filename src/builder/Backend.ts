/**
 * Typed constructors of an endpoint's backends. A `Backend` holds the backend object exactly as
 * a KrakenD v3 config would spell it; `Gateway.make` decodes it with the config decoder, so the
 * defaults and the validation rules are the config's. The options are typed from the config's
 * own Schema: an unknown key is a type error, and so is a `{placeholder}` in a literal
 * `url_pattern` that the endpoint path does not declare (see `Endpoint`).
 *
 * @example
 * ```ts
 * import { Backend, Endpoint } from "sluice"
 *
 * Endpoint.get("/users/{id}", [
 *   Backend.http("http://users:8080", "/users/{id}", { allow: ["id", "name"], group: "user" })
 * ])
 * ```
 *
 * @since 0.1.0
 */
import type * as BackendSchema from "../config/BackendSchema.ts"
import type { Method } from "../config/Model.ts"
import type { Placeholders } from "./Placeholders.ts"

/**
 * A backend object as written in a KrakenD config (the JSON shape the decoder reads).
 *
 * @example
 * ```ts
 * const json: Backend.Json = Backend.http("http://api:8080", "/ping").json // { host: ["http://api:8080"], url_pattern: "/ping" }
 * ```
 */
export type Json = typeof BackendSchema.Backend.Encoded

/**
 * The options of a backend besides its host and `url_pattern`: every key of a KrakenD backend
 * object (`allow`, `deny`, `mapping`, `group`, `target`, `is_collection`, `encoding`,
 * `input_headers`, `extra_config`, ...), spelled like the config, durations as Go duration
 * strings (`"500ms"`). `method` is upper case.
 *
 * @example
 * ```ts
 * const options: Backend.Options = { deny: ["password"], mapping: { user_name: "name" }, extra_config: { "backend/http": { return_error_code: true } } }
 * ```
 */
export type Options = Omit<Json, "host" | "url_pattern" | "method"> & { readonly method?: Method | undefined }

/**
 * A backend of an endpoint. `Needs` is the union of the placeholder names its `url_pattern`
 * uses (known at compile time when the pattern is a literal); an endpoint accepts it only when
 * it provides all of them.
 *
 * @example
 * ```ts
 * const users: Backend.Backend<"id"> = Backend.http("http://users:8080", "/users/{id}")
 * ```
 */
export interface Backend<out Needs extends string = string> {
  readonly _tag: "Backend"
  /** The backend object in the KrakenD config spelling. */
  readonly json: Json
  /** Phantom: the placeholders of `url_pattern` (never set at run time). */
  readonly "~needs"?: Needs | undefined
}

const stripUndefined = <A extends object>(a: A): A =>
  Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as A

/**
 * A backend from its whole KrakenD object (`url_pattern` required, `host` optional: without
 * it, the gateway's `host` list is used).
 *
 * @example
 * ```ts
 * Backend.make({ url_pattern: "/health", host: ["http://users:8080"], encoding: "string" })
 * ```
 */
export const make = <const U extends string>(
  json: Options & { readonly url_pattern: U; readonly host?: ReadonlyArray<string> | undefined }
): Backend<Placeholders<U>> => ({ _tag: "Backend", json: stripUndefined(json) as Json })

/**
 * A backend on `host` (one origin or a list, balanced round-robin) called with `urlPattern`.
 * `{name}` placeholders take the endpoint's params (`{resp0_field}` in a sequential endpoint,
 * `{JWT.claim}` too).
 *
 * @example
 * ```ts
 * Backend.http("http://orders:8080", "/orders?user={id}", { is_collection: true, group: "orders" })
 * ```
 */
export const http = <const U extends string>(
  host: string | ReadonlyArray<string>,
  urlPattern: U,
  options: Options = {}
): Backend<Placeholders<U>> =>
  make({ ...options, host: typeof host === "string" ? [host] : host, url_pattern: urlPattern })
