/**
 * A gateway written in TypeScript: the service options and the `Endpoint` values. `make` turns
 * it into the same `GatewayConfig` a JSON config file decodes into, by running the config
 * decoder on the equivalent KrakenD JSON (`json`): defaults, rules and error paths are the
 * config's by construction.
 *
 * @example
 * ```ts
 * import { Backend, Endpoint, Gateway } from "sluice"
 *
 * const config = Gateway.make({
 *   port: 8080,
 *   timeout: "3s",
 *   endpoints: [Endpoint.get("/users/{id}", [Backend.http("http://users:8080", "/users/{id}")])]
 * }) // Effect<GatewayConfig, ConfigError>
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Config from "../config/Config.ts"
import type { ConfigError } from "../config/ConfigError.ts"
import type { GatewayConfig } from "../config/Model.ts"
import type * as ServiceSchema from "../config/ServiceSchema.ts"
import type { Endpoint } from "./Endpoint.ts"

/**
 * The root object of a KrakenD config as written (the JSON shape the decoder reads).
 *
 * @example
 * ```ts
 * const json: Json = Gateway.json({ port: 8080, endpoints: [] }) // { version: 3, port: 8080, endpoints: [] }
 * ```
 */
export type Json = typeof ServiceSchema.Service.Encoded

/**
 * A gateway: every root key of a KrakenD config (`name`, `port`, `host`, `timeout`,
 * `cache_ttl`, `output_encoding`, `extra_config`, server and transport settings), spelled like
 * the config, and its endpoints. `version` is implied (3).
 *
 * @example
 * ```ts
 * const spec: Gateway.Spec = { name: "bff", extra_config: { router: { return_error_msg: true } }, endpoints: [] }
 * ```
 */
export type Spec = Omit<Json, "version" | "$schema" | "endpoints"> & {
  readonly endpoints: ReadonlyArray<Endpoint>
}

/**
 * The KrakenD v3 JSON config equivalent to `spec` (write it to a file and `sluice run -c` it:
 * it serves the same gateway).
 *
 * @example
 * ```ts
 * writeFileSync("gateway.json", JSON.stringify(Gateway.json(spec), null, 2))
 * ```
 */
export const json = (spec: Spec): Json => ({ ...spec, version: 3, endpoints: spec.endpoints.map((e) => e.json) })

/**
 * Decodes `spec` into the gateway model, exactly like a config file: the config's defaults, and
 * every rule TypeScript could not check is a `ConfigError` with JSON paths
 * (`$.endpoints[0].backend[1].url_pattern`).
 *
 * @example
 * ```ts
 * const config = yield* Gateway.make({ endpoints: [Endpoint.get("/ping", [Backend.http("http://api:8080", "/ping")])] })
 * ```
 */
export const make = (spec: Spec): Effect.Effect<GatewayConfig, ConfigError> =>
  Effect.map(Config.decode(json(spec)), (decoded) => decoded.config)
