/**
 * `modifier/martian` around a `plugin/http-client` executor: the same wrapper, so request
 * modifiers reach the plugin's client and response modifiers change what it answered.
 */
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import { expect, it } from "vitest"
import { Layer, Plugin, Schema } from "../../src/plugin/Plugin.ts"
import { withGateway } from "../plugin/Support.ts"

const recorder = Plugin.client({
  name: "recorder",
  config: Schema.Struct({}),
  make: () =>
    Layer.succeed(HttpClient.HttpClient)(
      HttpClient.make((request, url) =>
        Effect.succeed(
          HttpClientResponse.fromWeb(request, Response.json({ path: url.pathname + url.search, tenant: request.headers["x-tenant"] ?? null }))
        )
      )
    )
})

const gateway = (martian: unknown) => ({
  config: {
    version: 3,
    endpoints: [{
      endpoint: "/c",
      backend: [{
        host: ["http://plugin.invalid"],
        url_pattern: "/x",
        extra_config: { "plugin/http-client": { name: "recorder", recorder: {} }, "modifier/martian": martian }
      }]
    }]
  },
  plugins: [recorder]
})

it("request modifiers reach a client plugin's request", async () => {
  const res = await withGateway(
    gateway({
      "fifo.Group": {
        modifiers: [{ "header.Modifier": { name: "X-Tenant", value: "acme" } }, { "querystring.Modifier": { name: "v", value: "2" } }]
      }
    }),
    (gw) => gw.request("/c")
  )
  expect([res.status, res.json()]).toEqual([200, { path: "/x?v=2", tenant: "acme" }])
})

it("response modifiers run on a client plugin's answer before status handling", async () => {
  const res = await withGateway(
    gateway({
      "header.Filter": { name: "Content-Type", value: "application/json", scope: ["response"], modifier: { "status.Modifier": { statusCode: 502 } } }
    }),
    (gw) => gw.request("/c")
  )
  expect([res.status, res.headers["x-krakend-completed"]]).toEqual([500, "false"])
})
