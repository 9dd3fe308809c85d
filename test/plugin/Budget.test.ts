/**
 * A plugin that throws, dies, fails untyped or never returns fails only its own request, within
 * its budget, with a logged error naming it; other routes and `/__health` are unaffected.
 */
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import { describe, expect, it } from "vitest"
import { Layer, Plugin, Schema } from "../../src/plugin/Plugin.ts"
import { jsonBackend, withGateway } from "./Support.ts"

const Mode = Schema.Struct({ mode: Schema.Literals(["throw", "die", "never", "fail"]) })

const misbehave = (mode: typeof Mode.Type["mode"]): Effect.Effect<never, never> => {
  switch (mode) {
    case "throw":
      return Effect.sync(() => {
        throw new Error("thrown by plugin")
      })
    case "die":
      return Effect.die("died in plugin")
    case "never":
      return Effect.never
    case "fail":
      return Effect.fail("an untyped failure") as unknown as Effect.Effect<never>
  }
}

const bad = Plugin.modifier({ name: "bad", config: Mode, request: (_req, c) => misbehave(c.mode) })
const badResponse = Plugin.modifier({ name: "bad-response", config: Mode, response: (_res, _req, c) => misbehave(c.mode) })
const throwsEagerly = Plugin.modifier({
  name: "throws-eagerly",
  config: Schema.Struct({}),
  request: () => {
    throw new Error("thrown before any Effect")
  }
})

const route = (path: string, extra: Record<string, unknown>) => ({
  endpoint: path,
  timeout: "10s",
  extra_config: extra,
  backend: [{ host: ["http://b1"], url_pattern: "/ok" }]
})

const modes = ["throw", "die", "never", "fail"] as const

describe("plugin failures fail only their request", () => {
  it.each(modes)("a modifier that does %s: 500 for its route, within the budget; other routes and /__health answer", async (mode) => {
    const logs: Array<string> = []
    await withGateway(
      {
        config: {
          version: 3,
          endpoints: [
            route("/bad", { "plugin/req-resp-modifier": { name: ["bad"], bad: { mode }, budget: "200ms" } }),
            route("/bad-response", { "plugin/req-resp-modifier": { name: ["bad-response"], "bad-response": { mode }, budget: "200ms" } }),
            route("/good", {})
          ]
        },
        plugins: [bad, badResponse],
        backends: { "http://b1": jsonBackend({ ok: true }) }
      },
      (gw) =>
        Effect.gen(function*() {
          const answers = yield* Effect.all([gw.request("/bad"), gw.request("/bad-response"), gw.request("/good"), gw.request("/__health")], {
            concurrency: "unbounded"
          })
          expect(answers.map((a) => a.status)).toEqual([500, 500, 200, 200])
          expect(answers.map((a) => a.body).slice(0, 2)).toEqual(["", ""])
          expect(answers[2]!.json()).toEqual({ ok: true })
        }),
      logs
    )
    const expected = {
      throw: "plugin bad crashed: thrown by plugin",
      die: "plugin bad crashed: died in plugin",
      never: "plugin bad did not finish within its budget of 200ms",
      fail: "plugin bad failed: an untyped failure"
    }[mode]
    expect(logs).toContain(expected)
    expect(logs).toContain(expected.replace("plugin bad ", "plugin bad-response "))
  })

  it("a modifier that throws before returning an Effect is caught too; the message is the body with return_error_msg", async () => {
    const res = await withGateway(
      {
        config: {
          version: 3,
          extra_config: { router: { return_error_msg: true } },
          endpoints: [route("/x", { "plugin/req-resp-modifier": { name: ["throws-eagerly"] } })]
        },
        plugins: [throwsEagerly],
        backends: { "http://b1": jsonBackend({}) }
      },
      (gw) => gw.request("/x")
    )
    expect([res.status, res.body]).toEqual([500, "plugin throws-eagerly crashed: thrown before any Effect"])
  })

  it("a handler plugin that hangs on one path: that request fails within the budget, /__health and other paths answer", async () => {
    const hang = Plugin.handler({
      name: "hang",
      config: Schema.Struct({}),
      make: () =>
        Effect.succeed((app) =>
          Effect.flatMap(Effect.service(HttpServerRequest.HttpServerRequest), (req) =>
            req.url === "/hang" ? Effect.never : req.url === "/die" ? Effect.die("handler died") : app))
    })
    const logs: Array<string> = []
    await withGateway(
      {
        config: {
          version: 3,
          extra_config: { "plugin/http-server": { name: ["hang"], budget: "200ms" } },
          endpoints: [route("/hang", {}), route("/die", {}), route("/good", {})]
        },
        plugins: [hang],
        backends: { "http://b1": jsonBackend({ ok: true }) }
      },
      (gw) =>
        Effect.gen(function*() {
          const answers = yield* Effect.all([gw.request("/hang"), gw.request("/die"), gw.request("/good"), gw.request("/__health")], {
            concurrency: "unbounded"
          })
          expect(answers.map((a) => a.status)).toEqual([500, 500, 200, 200])
        }),
      logs
    )
    expect(logs).toContain("http-server plugins [hang] did not answer within their budget of 200ms")
    expect(logs).toContain("plugin hang crashed: handler died")
  })

  it("a client plugin that dies or hangs is a typed backend failure: a partial answer in a merge", async () => {
    const client = Plugin.client({
      name: "flaky",
      config: Mode,
      make: (c) => Layer.succeed(HttpClient.HttpClient)(HttpClient.make(() => misbehave(c.mode)))
    })
    for (const mode of modes) {
      const res = await withGateway(
        {
          config: {
            version: 3,
            endpoints: [{
              endpoint: "/m",
              timeout: "10s",
              backend: [
                { host: ["http://p"], url_pattern: "/", extra_config: { "plugin/http-client": { name: "flaky", flaky: { mode }, budget: "200ms" } } },
                { host: ["http://b1"], url_pattern: "/ok" }
              ]
            }]
          },
          plugins: [client],
          backends: { "http://b1": jsonBackend({ ok: true }) }
        },
        (gw) => gw.request("/m")
      )
      expect([mode, res.status, res.json(), res.headers["x-krakend-completed"]]).toEqual([mode, 200, { ok: true }, "false"])
    }
  })
})
