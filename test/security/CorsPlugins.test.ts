/**
 * CORS sits outside the handler plugins (KRAKEND-SEMANTICS.md §0): a preflight never reaches
 * them, and an answer a plugin short-circuits still carries the CORS headers.
 */
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { describe, expect, it } from "vitest"
import { Plugin, Schema } from "../../src/plugin/Plugin.ts"
import { jsonBackend, withGateway } from "../plugin/Support.ts"

describe("security/cors around handler plugins", () => {
  it("answers preflights before the plugins and decorates what the plugins answer", async () => {
    let seen = 0
    const deny = Plugin.handler({
      name: "deny-all",
      config: Schema.Struct({}),
      make: () =>
        Effect.succeed((_app) =>
          Effect.flatMap(Effect.service(HttpServerRequest.HttpServerRequest), () => {
            seen++
            return Effect.succeed(HttpServerResponse.text("denied", { status: 401 }))
          }))
    })
    const origin = "https://app.test"
    const [preflight, actual] = await withGateway(
      {
        config: {
          version: 3,
          extra_config: {
            "plugin/http-server": { name: "deny-all", "deny-all": {} },
            "security/cors": { allow_origins: [origin], allow_methods: ["GET"] }
          },
          endpoints: [{ endpoint: "/e", backend: [{ host: ["http://b1"], url_pattern: "/one" }] }]
        },
        plugins: [deny],
        backends: { "http://b1": jsonBackend({ ok: true }) }
      },
      (gw) =>
        Effect.all([
          gw.request("/e", { method: "OPTIONS", headers: { origin, "access-control-request-method": "GET" } }),
          gw.request("/e", { headers: { origin } })
        ])
    )
    expect([preflight.status, preflight.headers["access-control-allow-origin"], preflight.headers["access-control-allow-methods"]])
      .toEqual([204, origin, "GET"])
    expect([actual.status, actual.body, actual.headers["access-control-allow-origin"], actual.headers["vary"]])
      .toEqual([401, "denied", origin, "Origin"])
    expect(seen).toBe(1)
  })
})
