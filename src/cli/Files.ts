/**
 * The files a config names, read by `sluice check` as `sluice run` reads them when it starts:
 * the listener's certificates and client CAs, `client_tls` files (service and per backend), the
 * local JWK sets of validators and signers, Lua sources (read, checksummed and compiled). A missing or bad file is an issue with its path,
 * so `check` catches what would stop the start.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as JwkSet from "../auth/JwkSet.ts"
import type { ConfigError, ConfigIssue } from "../config/ConfigError.ts"
import * as JsonPath from "../config/JsonPath.ts"
import type { GatewayConfig, LuaConfig } from "../config/Model.ts"
import * as ClientTls from "../proxy/ClientTls.ts"
import * as LuaScript from "../scripting/lua/Script.ts"
import * as Tls from "../server/Tls.ts"

const issuesOf = <A>(effect: Effect.Effect<A, ConfigError>): Effect.Effect<ReadonlyArray<ConfigIssue>> =>
  Effect.match(effect, { onFailure: (e) => e.issues, onSuccess: () => [] })

/** Every issue of the files `config` names. */
export const issues = (config: GatewayConfig): Effect.Effect<ReadonlyArray<ConfigIssue>> => {
  const checks: Array<Effect.Effect<ReadonlyArray<ConfigIssue>>> = []
  if (config.tls !== undefined) checks.push(issuesOf(Tls.serverOptions(config.tls)))
  if (config.client_tls !== undefined) checks.push(issuesOf(ClientTls.connectOptions(config.client_tls, "$.client_tls")))
  const lua = (found: LuaConfig | undefined) => {
    if (found !== undefined) checks.push(issuesOf(LuaScript.make(found, found.path)))
  }
  lua(config.extra_config["modifier/lua-endpoint"])
  for (const endpoint of config.endpoints) {
    lua(endpoint.extra_config["modifier/lua-endpoint"])
    lua(endpoint.extra_config["modifier/lua-proxy"])
    const validator = endpoint.extra_config["auth/validator"]
    if (validator?.jwk_local_path !== undefined) {
      checks.push(issuesOf(JwkSet.readLocal(validator.jwk_local_path, JsonPath.key(validator.path, "jwk_local_path"))))
    }
    const signer = endpoint.extra_config["auth/signer"]
    if (signer?.jwk_local_path !== undefined) {
      checks.push(issuesOf(JwkSet.readLocal(signer.jwk_local_path, JsonPath.key(signer.path, "jwk_local_path"))))
    }
    for (const backend of endpoint.backend) {
      lua(backend.extra_config["modifier/lua-backend"])
      const client = backend.extra_config["backend/http/client"]
      if (client?.client_tls !== undefined) {
        checks.push(issuesOf(ClientTls.connectOptions(client.client_tls, JsonPath.key(client.path, "client_tls"))))
      }
    }
  }
  return Effect.map(Effect.all(checks), (found) => found.flat())
}
