/**
 * The three plugin kinds through the programmatic API (in memory, `sluice/testing`): order,
 * short-circuit, typed errors, the client plugin's reach, and the config checks at start.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ConfigError } from "../../src/config/ConfigError.ts"
import { Layer, ModifierError, Plugin, Schema } from "../../src/plugin/Plugin.ts"
import { checkHeaders } from "../../src/plugin/ModifierStage.ts"
import * as Testing from "../../src/testing/Testing.ts"
import * as Backend from "../support/Backend.ts"
import { echoBackend, jsonBackend, run, tag, via, withGateway } from "./Support.ts"

const endpoint = (extra: Record<string, unknown> = {}, backendExtra: Record<string, unknown> = {}) => ({
  endpoint: "/e",
  input_headers: ["X-Via", "X-Order", "Authorization"],
  extra_config: extra,
  backend: [{ host: ["http://b1"], url_pattern: "/one", extra_config: backendExtra }]
})

const config = (endpoints: ReadonlyArray<unknown>, extra: Record<string, unknown> = {}) => ({
  version: 3,
  extra_config: extra,
  endpoints
})

const modifiers = (...names: ReadonlyArray<string>) => ({ "plugin/req-resp-modifier": { name: names } })

describe("handler plugins", () => {
  it("stack like KrakenD: with name [a, b] the LAST is outermost (sees the request first, the response last)", async () => {
    const res = await withGateway(
      {
        config: config([endpoint()], { "plugin/http-server": { name: ["via-a", "via-b"] } }),
        plugins: [via("a"), via("b")],
        backends: { "http://b1": echoBackend }
      },
      (gw) => gw.request("/e")
    )
    expect(res.status).toBe(200)
    expect((res.json() as { headers: Record<string, string> }).headers["x-via"]).toBe("b,a")
    expect(res.headers["x-trace"]).toBe("a,b")
  })

  it("see every request, 404s and /__health included, and can answer by themselves", async () => {
    const guard = Plugin.handler({
      name: "guard",
      config: Schema.Struct({ token: Schema.String }),
      make: (c) =>
        Effect.succeed((app) =>
          Effect.flatMap(Effect.service(HttpServerRequestTag), (req) =>
            req.url.startsWith("/__health") || req.headers["authorization"] === c.token
              ? Effect.map(app, (r) => HttpServerResponse.setHeader(r, "x-guard", "passed"))
              : Effect.succeed(HttpServerResponse.text("denied", { status: 401 }))))
    })
    await withGateway(
      {
        config: config([endpoint()], { "plugin/http-server": { name: "guard", guard: { token: "t" } } }),
        plugins: [guard],
        backends: { "http://b1": jsonBackend({ ok: true }) }
      },
      (gw) =>
        Effect.gen(function*() {
          const denied = yield* gw.request("/e")
          expect([denied.status, denied.body]).toEqual([401, "denied"])
          const ok = yield* gw.request("/e", { headers: { authorization: "t" } })
          expect([ok.status, ok.json(), ok.headers["x-guard"]]).toEqual([200, { ok: true }, "passed"])
          const missing = yield* gw.request("/nope", { headers: { authorization: "t" } })
          expect([missing.status, missing.body, missing.headers["x-guard"]]).toEqual([404, "404 page not found", "passed"])
          const health = yield* gw.request("/__health")
          expect([health.status, health.headers["x-guard"]]).toEqual([200, "passed"])
        })
    )
  })

  it("programmatic middleware: middleware[0] is outermost and wraps the config's handler plugins", async () => {
    const mw = (name: string): Plugin.HttpMiddleware => (app) =>
      Effect.map(app, (r) => HttpServerResponse.setHeader(r, "x-trace", `${r.headers["x-trace"] ?? ""}${name};`))
    const res = await withGateway(
      {
        config: config([endpoint()], { "plugin/http-server": { name: ["via-a"] } }),
        plugins: [via("a")],
        middleware: [mw("outer"), mw("inner")],
        backends: { "http://b1": jsonBackend({}) }
      },
      (gw) => gw.request("/e")
    )
    expect(res.headers["x-trace"]).toBe("ainner;outer;")
  })
})

import * as HttpServerRequestModule from "effect/http/HttpServerRequest"
const HttpServerRequestTag = HttpServerRequestModule.HttpServerRequest

describe("modifier plugins", () => {
  it("run in declared order at endpoint and backend level: requests inward, responses outward", async () => {
    const res = await withGateway(
      {
        config: config([endpoint(modifiers("tag-e1", "tag-e2"), modifiers("tag-b1", "tag-b2"))]),
        plugins: [tag("e1"), tag("e2"), tag("b1"), tag("b2")],
        backends: { "http://b1": echoBackend }
      },
      (gw) => gw.request("/e")
    )
    const body = res.json() as { headers: Record<string, string>; order: Array<string> }
    expect(body.headers["x-order"]).toBe("e1,e2,b1,b2")
    expect(body.order).toEqual(["b1", "b2", "e1", "e2"])
  })

  it("backend level sees the final URL and the backend path; endpoint level sees the client path", async () => {
    const seen: Array<[string, string, string | undefined]> = []
    const spy = Plugin.modifier({
      name: "spy",
      config: Schema.Struct({ level: Schema.String }),
      request: (req, c) => Effect.sync(() => (seen.push([c.level, req.path, req.url]), req))
    })
    await withGateway(
      {
        config: config([{
          endpoint: "/users/{id}",
          extra_config: { "plugin/req-resp-modifier": { name: ["spy"], spy: { level: "endpoint" } } },
          backend: [{
            host: ["http://b1"],
            url_pattern: "/u/{id}",
            extra_config: { "plugin/req-resp-modifier": { name: ["spy"], spy: { level: "backend" } } }
          }]
        }]),
        plugins: [spy],
        backends: { "http://b1": jsonBackend({}) }
      },
      (gw) => gw.request("/users/7")
    )
    expect(seen).toEqual([["endpoint", "/users/7", undefined], ["backend", "/u/7", "http://b1/u/7"]])
  })

  it("a request modifier short-circuits with a full response: the backend is not called", async () => {
    let calls = 0
    const cache = Plugin.modifier({
      name: "cache",
      config: Schema.Struct({}),
      request: (req) =>
        Effect.succeed(req.headers["X-Order"] !== undefined ? Plugin.respond({ cached: true }, { headers: { "X-Cache": ["hit"] } }) : req)
    })
    await withGateway(
      {
        config: config([endpoint(modifiers("cache", "tag-after"))]),
        plugins: [cache, tag("after")],
        backends: { "http://b1": () => (calls++, Response.json({ fresh: true })) }
      },
      (gw) =>
        Effect.gen(function*() {
          const hit = yield* gw.request("/e", { headers: { "x-order": "1" } })
          expect([hit.status, hit.json(), hit.headers["x-cache"], hit.headers["x-krakend-completed"]]).toEqual([200, { cached: true }, "hit", "true"])
          expect(calls).toBe(0)
          const miss = yield* gw.request("/e")
          expect(miss.json()).toEqual({ fresh: true, order: ["after"] })
          expect(calls).toBe(1)
        })
    )
  })

  it("a short-circuit with a status answers that status on a json endpoint", async () => {
    const deny = Plugin.modifier({
      name: "deny",
      config: Schema.Struct({}),
      request: () => Effect.succeed(Plugin.respond({ error: "quota" }, { status: 429, headers: { "Retry-After": ["7"] } }))
    })
    await withGateway(
      {
        config: config([endpoint(modifiers("deny"))]),
        plugins: [deny],
        backends: { "http://b1": () => Response.json({ fresh: true }) }
      },
      (gw) =>
        Effect.gen(function*() {
          const res = yield* gw.request("/e")
          expect([res.status, res.json(), res.headers["retry-after"]]).toEqual([429, { error: "quota" }, "7"])
        })
    )
  })

  it("a ModifierError answers its status, content type and headers; the message is the body only with return_error_msg", async () => {
    const reject = Plugin.modifier({
      name: "reject",
      config: Schema.Struct({}),
      request: () =>
        Effect.fail(new ModifierError({ message: "tenant missing", status: 418, contentType: "application/problem+json", headers: { "x-reason": "tenant" } }))
    })
    const call = (returnErrorMsg: boolean) =>
      withGateway(
        {
          config: config([endpoint(modifiers("reject"))], { router: { return_error_msg: returnErrorMsg } }),
          plugins: [reject],
          backends: { "http://b1": jsonBackend({}) }
        },
        (gw) => gw.request("/e")
      )
    const quiet = await call(false)
    expect([quiet.status, quiet.body, quiet.headers["x-reason"]]).toEqual([418, "", "tenant"])
    const loud = await call(true)
    expect([loud.status, loud.body, loud.headers["content-type"], loud.headers["x-reason"]]).toEqual([
      418,
      "tenant missing",
      "application/problem+json",
      "tenant"
    ])
  })

  it("a header set as one string is that one value (never split into characters); a non-string value is a 500 naming the plugin", async () => {
    const loose = (value: unknown) =>
      Plugin.modifier({
        name: "loose",
        config: Schema.Struct({}),
        request: (req) => Effect.succeed({ ...req, headers: { ...req.headers, "X-Via": value as Array<string> } }),
        response: (res) => Effect.succeed({ ...res, metadata: { ...res.metadata, headers: { ...res.metadata.headers, "X-Out": value as Array<string> } } })
      })
    const call = (value: unknown) =>
      withGateway(
        { config: config([endpoint(modifiers("loose"))]), plugins: [loose(value)], backends: { "http://b1": echoBackend } },
        (gw) => gw.request("/e")
      )
    const one = await call("v1")
    expect(one.status).toBe(200)
    expect((one.json() as { headers: Record<string, string> }).headers["x-via"]).toBe("v1")
    expect(one.headers["x-out"]).toBe("v1")
    const many = await call(["a", "b"])
    expect((many.json() as { headers: Record<string, string> }).headers["x-via"]).toBe("a, b")
    const bad = await call(42)
    expect([bad.status, bad.body]).toEqual([500, ""])
    expect(checkHeaders("loose", { "X-Via": 42 as unknown as Array<string> })).toMatchObject({ _tag: "PluginError", plugin: "loose", message: `plugin loose set header "X-Via" to number: a header value is an array of strings` })
  })

  it("endpoint response modifiers also run on partial responses (isComplete false)", async () => {
    const seen: Array<boolean> = []
    const look = Plugin.modifier({
      name: "look",
      config: Schema.Struct({}),
      response: (res) => Effect.sync(() => (seen.push(res.isComplete), res))
    })
    const res = await withGateway(
      {
        config: config([{
          endpoint: "/p",
          extra_config: modifiers("look"),
          backend: [{ host: ["http://b1"], url_pattern: "/ok" }, { host: ["http://b2"], url_pattern: "/down" }]
        }]),
        plugins: [look],
        backends: { "http://b1": jsonBackend({ a: 1 }), "http://b2": jsonBackend({}, 503) }
      },
      (gw) => gw.request("/p")
    )
    expect([res.status, res.json(), res.headers["x-krakend-completed"]]).toEqual([200, { a: 1 }, "false"])
    expect(seen).toEqual([false])
  })
})

describe("client plugins", () => {
  let real: Backend.Backend
  beforeAll(async () => {
    real = await Backend.start((_req, res) => Backend.json(res, 200, { real: true }))
  })
  afterAll(() => real.close())

  const teapot = Plugin.client({
    name: "teapot",
    config: Schema.Struct({ status: Schema.Number }),
    make: (c) =>
      Layer.succeed(HttpClient.HttpClient)(
        HttpClient.make((request, url) =>
          Effect.succeed(
            HttpClientResponse.fromWeb(request, Response.json({ via: "plugin", path: url.pathname, method: request.method }, { status: c.status }))
          ))
      )
  })

  it("replaces only its backend; a sibling backend still uses the default client", async () => {
    const res = await withGateway(
      {
        config: config([{
          endpoint: "/c",
          backend: [
            { host: ["http://nowhere.invalid"], url_pattern: "/x/1", extra_config: { "plugin/http-client": { name: "teapot", teapot: { status: 200 } } } },
            { host: [real.url], url_pattern: "/r" }
          ]
        }]),
        plugins: [teapot],
        network: true
      },
      (gw) => gw.request("/c")
    )
    expect([res.status, res.json()]).toEqual([200, { via: "plugin", path: "/x/1", method: "GET", real: true }])
    expect(real.requests.map((r) => r.url)).toEqual(["/r"])
  })

  it("its answers go through status handling: a 500 from the plugin is a failed part of the merge", async () => {
    const res = await withGateway(
      {
        config: config([{
          endpoint: "/c",
          backend: [
            { host: ["http://p"], url_pattern: "/x", extra_config: { "plugin/http-client": { name: "teapot", teapot: { status: 500 } } } },
            { host: ["http://b1"], url_pattern: "/y" }
          ]
        }]),
        plugins: [teapot],
        backends: { "http://b1": jsonBackend({ b: 1 }) }
      },
      (gw) => gw.request("/c")
    )
    expect([res.status, res.json(), res.headers["x-krakend-completed"]]).toEqual([200, { b: 1 }, "false"])
  })
})

describe("configs are checked at start", () => {
  const startError = (options: Testing.Options) =>
    run(Effect.exit(Testing.make(options))).then((exit) => {
      if (Exit.isSuccess(exit)) throw new Error("expected a start failure")
      const error = exit.cause.reasons.find((r) => r._tag === "Fail")
      expect(error?._tag === "Fail" && error.error instanceof ConfigError).toBe(true)
      return (error as { error: ConfigError }).error.issues
    })

  it("an unknown plugin name fails the start with its path and a suggestion", async () => {
    const issues = await startError({ config: config([endpoint(modifiers("tag-x", "tga-a"))]), plugins: [tag("a"), tag("x")] })
    expect(issues).toEqual([{
      path: "$.endpoints[0].extra_config[\"plugin/req-resp-modifier\"].name[1]",
      message: expect.stringMatching(/^unknown modifier plugin "tga-a"; did you mean "tag-a"\?/)
    }])
  })

  it("a plugin of another kind is named as such", async () => {
    const issues = await startError({ config: config([endpoint(modifiers("via-a"))]), plugins: [via("a")] })
    expect(issues[0]?.message).toBe("\"via-a\" is a handler plugin, not a modifier plugin (plugin/req-resp-modifier)")
  })

  it("a bad setting fails the start naming the plugin, the namespace path and the field", async () => {
    const strict = Plugin.modifier({ name: "strict", config: Schema.Struct({ limit: Schema.Number }), request: Effect.succeed })
    const issues = await startError({
      config: config([{
        endpoint: "/e",
        backend: [{ host: ["http://b1"], url_pattern: "/", extra_config: { "plugin/req-resp-modifier": { name: ["strict"], strict: { limit: "x" } } } }]
      }]),
      plugins: [strict]
    })
    expect(issues).toEqual([{
      path: "$.endpoints[0].backend[0].extra_config[\"plugin/req-resp-modifier\"].strict.limit",
      message: expect.stringMatching(/^plugin strict: Expected number/)
    }])
  })

  it("settings for a plugin that is not in name are an error (a typo would otherwise be ignored)", async () => {
    const issues = await startError({
      config: config([endpoint({ "plugin/req-resp-modifier": { name: ["tag-a"], "tag-b": {} } })]),
      plugins: [tag("a")]
    })
    expect(issues.map((i) => i.path)).toEqual(["$.endpoints[0].extra_config[\"plugin/req-resp-modifier\"][\"tag-b\"]"])
  })

  it("a make that fails stops the start with the plugin's path", async () => {
    const broken = Plugin.handler({
      name: "broken",
      config: Schema.Struct({}),
      make: () => Effect.fail(new Plugin.PluginError({ reason: "Build", plugin: "broken", message: "no database" }))
    })
    const issues = await startError({ config: config([endpoint()], { "plugin/http-server": { name: "broken" } }), plugins: [broken] })
    expect(issues).toEqual([{ path: "$.extra_config[\"plugin/http-server\"].broken", message: "plugin broken failed to start: no database" }])
  })

  it("two plugins of one kind with the same name are refused", async () => {
    const issues = await startError({ config: config([endpoint()]), plugins: [tag("a"), tag("a")] })
    expect(issues[0]?.message).toBe("modifier plugin \"tag-a\" is defined twice (code and code)")
  })
})
