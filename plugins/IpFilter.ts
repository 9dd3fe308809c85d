/**
 * `ip-filter` (handler): allow or deny clients by IP or CIDR (IPv4 and IPv6), before routing.
 * The client IP is the gateway's own resolution (`router.trusted_proxies`,
 * `forwarded_by_client_ip`, `remote_ip_headers`), so a spoofed `X-Forwarded-For` from an
 * untrusted peer changes nothing. `deny` wins over `allow`; a non-empty `allow` rejects every
 * other IP. Rejected requests get `status` (default 403) with an empty body.
 *
 * ```json
 * "plugin/http-server": { "name": ["ip-filter"], "ip-filter": { "allow": ["10.0.0.0/8"], "deny": ["10.0.0.13"] } }
 * ```
 */
import { Effect, HttpServerRequest, HttpServerResponse, Plugin, PluginContext, Schema } from "../src/plugin/Plugin.ts"
import { isIP } from "node:net"

const Entry = Schema.String.check(
  Schema.makeFilter((s: string) => isIP(s.split("/")[0] ?? "") !== 0 || `expected an IP or a CIDR, got ${JSON.stringify(s)}`)
)

/** Settings of `ip-filter`. */
export const Config = Schema.Struct({
  allow: Schema.optionalKey(Schema.Array(Entry)),
  deny: Schema.optionalKey(Schema.Array(Entry)),
  status: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 400, maximum: 599 })))
})

export default Plugin.handler({
  name: "ip-filter",
  config: Config,
  make: (config) =>
    Effect.map(Effect.service(PluginContext), (ctx) => {
      const allow = config.allow ?? []
      const allowed = ctx.ipMatcher(allow)
      const denied = ctx.ipMatcher(config.deny ?? [])
      const rejection = HttpServerResponse.empty({ status: config.status ?? 403 })
      return (app: Plugin.HttpApp): Plugin.HttpApp =>
        Effect.flatMap(Effect.service(HttpServerRequest.HttpServerRequest), (req) => {
          const ip = ctx.clientIp(req)
          return denied(ip) || (allow.length > 0 && !allowed(ip)) ? Effect.succeed(rejection) : app
        })
    })
})
