/**
 * Handler plugin (service `plugin/http-server`): answers `GET /__info` by itself with JSON, and
 * adds `X-Gateway` to every other answer (404s and `/__health` included: handlers see everything).
 */
import { Effect, HttpServerRequest, HttpServerResponse, Plugin, Schema } from "sluice/plugin"

export default Plugin.handler({
  name: "gateway-info",
  config: Schema.Struct({ name: Schema.String, path: Schema.optionalKey(Schema.String) }),
  make: (config) =>
    Effect.sync(() => {
      const path = config.path ?? "/__info"
      return (app: Plugin.HttpApp): Plugin.HttpApp =>
        Effect.flatMap(Effect.service(HttpServerRequest.HttpServerRequest), (req) =>
          req.url === path
            ? Effect.succeed(HttpServerResponse.jsonUnsafe({ gateway: config.name, plugins: ["gateway-info", "tenant", "weather"] }))
            : Effect.map(app, (res) => HttpServerResponse.setHeader(res, "x-gateway", config.name)))
    })
})
