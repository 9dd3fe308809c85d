import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import * as Transport from "../../src/proxy/Transport.ts"
import { service } from "./Fixtures.ts"

describe("Transport", () => {
  it("maps the service transport settings, with safe defaults otherwise", () => {
    expect(Transport.optionsFromConfig(service())).toEqual(Transport.defaults)
    expect(
      Transport.optionsFromConfig(
        service({
          dialer_timeout: Duration.millis(1500),
          response_header_timeout: Duration.seconds(3),
          idle_connection_timeout: Duration.seconds(7),
          max_idle_connections_per_host: 12,
          disable_keep_alives: true
        })
      )
    ).toEqual({ ...Transport.defaults, connectTimeout: 1500, headersTimeout: 3000, keepAliveTimeout: 7000, connections: 12, keepAlive: false })
  })

  it("closes the dispatcher when the scope is released", async () => {
    const agent = await Effect.runPromise(
      Effect.scoped(Effect.provide(Effect.map(Transport.Transport, (t) => t.dispatcher), Transport.layer(Transport.defaults)))
    )
    expect(agent.destroyed).toBe(true)
  })
})
