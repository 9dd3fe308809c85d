/**
 * Modifier plugin (endpoint or backend `plugin/req-resp-modifier`): sends `X-Tenant` to the
 * backend (set by the plugin, so it passes whatever `input_headers` says) and stamps the answer
 * with the tenant. A request with `?tenant=blocked` is refused with a typed error (403).
 */
import { Effect, ModifierError, Plugin, Schema } from "sluice/plugin"

export default Plugin.modifier({
  name: "tenant",
  config: Schema.Struct({ tenant: Schema.String }),
  request: (req, config) =>
    req.query.some(([name, value]) => name === "tenant" && value === "blocked")
      ? Effect.fail(new ModifierError({ message: "tenant blocked", status: 403 }))
      : Effect.succeed({ ...req, headers: { ...req.headers, "X-Tenant": [config.tenant] } }),
  response: (res, _req, config) => Effect.succeed({ ...res, data: { ...res.data, tenant: config.tenant } })
})
