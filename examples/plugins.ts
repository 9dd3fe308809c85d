/**
 * A gateway with two custom plugins passed as values: a handler plugin (`api-key`: rejects
 * requests without a known key, before routing) and a client plugin (`signed`: calls its
 * backend with `fetch`, adding an HMAC signature of the method and path).
 *
 *   API_URL=http://127.0.0.1:9001 PORT=8080 node --conditions=sluice-source examples/plugins.ts
 *   curl -H 'X-Api-Key: k1' localhost:8080/items/3
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { createHmac } from "node:crypto"
import { Backend, Endpoint, Gateway, Plugin } from "sluice"
import { env, isMain } from "./Main.ts"

/** Handler plugin: requests need a header holding one of `keys` (401 otherwise). */
export const apiKey = Plugin.handler({
  name: "api-key",
  config: Schema.Struct({ header: Schema.String, keys: Schema.Array(Schema.String) }),
  make: (config) =>
    Effect.succeed((app) =>
      Effect.flatMap(Plugin.HttpServerRequest.HttpServerRequest, (request) => {
        const key = request.headers[config.header.toLowerCase()]
        return key !== undefined && config.keys.includes(key)
          ? app
          : Effect.succeed(HttpServerResponse.jsonUnsafe({ error: "unknown API key" }, { status: 401 }))
      }))
})

/** The signature the `signed` client adds: HMAC-SHA256 of `METHOD path?query`, hex. */
export const signature = (secret: string, method: string, pathAndQuery: string): string =>
  createHmac("sha256", secret).update(`${method} ${pathAndQuery}`).digest("hex")

/** Client plugin: the backend's executor is `fetch`, with an `X-Signature` header. */
export const signed = Plugin.client({
  name: "signed",
  config: Schema.Struct({ secret: Schema.String }),
  make: (config) =>
    Effect.succeed(Plugin.fetchClient((request) => {
      const url = new URL(request.url)
      const headers = new Headers(request.headers)
      headers.set("X-Signature", signature(config.secret, request.method, `${url.pathname}${url.search}`))
      return fetch(new Request(request, { headers }))
    }))
})

/** The gateway; the plugins are named in the config and passed to `Gateway.layer` as values. */
export const spec = (api: string, port = 8080): Gateway.Spec => ({
  port,
  extra_config: { "plugin/http-server": { name: ["api-key"], "api-key": { header: "X-Api-Key", keys: ["k1", "k2"] } } },
  endpoints: [
    Endpoint.get("/items/{id}", [
      Backend.http(api, "/items/{id}", { extra_config: { "plugin/http-client": { name: "signed", signed: { secret: "s3cret" } } } })
    ]),
    Endpoint.get("/public/{id}", [Backend.http(api, "/items/{id}")])
  ]
})

/** The plugin values this gateway uses. */
export const plugins = [apiKey, signed]

/** Served by the bundled Node server. */
export const server = (api: string, port: number) =>
  Layer.unwrap(Effect.map(Gateway.make(spec(api, port)), (config) =>
    Gateway.layer(config, { plugins }).pipe(Layer.provide(Gateway.nodeServer(config)))))

if (isMain(import.meta.url)) {
  NodeRuntime.runMain(Layer.launch(server(env("API_URL", "http://127.0.0.1:9001"), Number(env("PORT", "8080")))))
}
