/**
 * KrakenD's legacy namespace names (KRAKEND-SEMANTICS.md §9): every alias means exactly what
 * its current name means (implemented features, warnings and the fail-closed rule), both
 * spellings at one level are refused, near misses of a protection are refused, and 1.x names
 * KrakenD 2 no longer reads get the 2.x spelling as a hint.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Aliases from "../../src/config/Aliases.ts"
import * as Config from "../../src/config/Config.ts"
import type { ConfigError } from "../../src/config/ConfigError.ts"
import * as Protections from "../../src/config/Protections.ts"

const issuesOf = (input: unknown) => Effect.flip(Config.decode(input)).pipe(Effect.map((e: ConfigError) => e.issues))

const legacyOf = (current: string): string => {
  const names = Aliases.spellings(current)
  expect(names).toHaveLength(1)
  return names[0]!
}

/** Every implemented namespace that has a legacy name, at every level it is implemented at. */
const implemented = (spell: (current: string) => string) => ({
  version: 3,
  host: ["http://127.0.0.1:1"],
  extra_config: {
    [spell("router")]: { return_error_msg: true, health_path: "/health" },
    [spell("telemetry/logging")]: { level: "DEBUG", prefix: "[X]" },
    [spell("security/cors")]: { allow_origins: ["https://a.example"], allow_credentials: true },
    [spell("security/bot-detector")]: { deny: ["EvilBot"], patterns: ["(?i)crawler"] },
    [spell("plugin/http-server")]: { name: ["h"], h: { x: 1 } },
    [spell("modifier/lua-endpoint")]: { pre: "local c = ctx.load()" }
  },
  endpoints: [{
    endpoint: "/a",
    extra_config: {
      [spell("proxy")]: { sequential: true },
      [spell("security/bot-detector")]: { allow: ["Good"] },
      [spell("auth/validator")]: { alg: "RS256", jwk_url: "https://idp.example/jwks", roles: ["admin"] },
      [spell("plugin/req-resp-modifier")]: { name: "m", m: { y: 2 } },
      [spell("modifier/lua-endpoint")]: { pre: "local c = ctx.load()" },
      [spell("modifier/lua-proxy")]: { pre: "local r = request.load()", post: "local s = response.load()" }
    },
    backend: [{
      url_pattern: "/b",
      extra_config: {
        [spell("backend/http")]: { return_error_code: true },
        [spell("proxy")]: { flatmap_filter: [{ type: "del", args: ["a"] }] },
        [spell("plugin/req-resp-modifier")]: { name: "m" },
        [spell("plugin/http-client")]: { name: "c" },
        [spell("modifier/lua-backend")]: { pre: "local r = request.load()", skip_next: false }
      }
    }]
  }]
})

/** The model without the JSON paths of plugin namespaces (they keep the user's spelling). */
const withoutPaths = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutPaths)
  if (typeof value !== "object" || value === null || !Object.getPrototypeOf(value)?.constructor?.name?.startsWith("Object")) return value
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "path").map(([k, v]) => [k, withoutPaths(v)]))
}

describe("legacy names of implemented namespaces", () => {
  it.effect("decode to exactly the model of their current names, at service, endpoint and backend level", () =>
    Effect.gen(function*() {
      const current = yield* Config.decode(implemented((name) => name))
      const legacy = yield* Config.decode(implemented(legacyOf))
      expect(withoutPaths(legacy.config)).toEqual(withoutPaths(current.config))
      expect(current.config.endpoints[0]!.extra_config.proxy?.sequential).toBe(true)
      expect(legacy.config.endpoints[0]!.extra_config["auth/validator"]).toMatchObject({
        roles: ["admin"],
        path: "$.endpoints[0].extra_config[\"github.com/devopsfaith/krakend-jose/validator\"]"
      })
      expect(legacy.warnings).toEqual(current.warnings)
    }))

  it.effect("note each legacy name once, at INFO, naming the current spelling", () =>
    Effect.gen(function*() {
      const { notices } = yield* Config.decode(implemented(legacyOf))
      expect(notices).toHaveLength(17)
      expect(notices[0]).toEqual({
        path: "$.extra_config[\"github_com/luraproject/lura/router/gin\"]",
        message: "legacy name of \"router\": read as \"router\""
      })
      const current = yield* Config.decode(implemented((name) => name))
      expect(current.notices).toEqual([])
    }))

  it.effect("keep the user's spelling in every path: errors inside the namespace and plugin paths", () =>
    Effect.gen(function*() {
      const { config } = yield* Config.decode(implemented(legacyOf))
      expect(config.extra_config["plugin/http-server"]?.path)
        .toBe("$.extra_config[\"github_com/devopsfaith/krakend/transport/http/server/handler\"]")
      expect(config.endpoints[0]!.backend[0].extra_config["plugin/http-client"]?.path)
        .toBe("$.endpoints[0].backend[0].extra_config[\"github.com/devopsfaith/krakend/transport/http/client/executor\"]")
      const input = implemented(legacyOf)
      const issues = yield* issuesOf({
        ...input,
        extra_config: { ...input.extra_config, "github_com/devopsfaith/krakend-cors": { allow_origins: 5, allow_credntials: true } }
      })
      expect(issues.map((i) => i.path)).toEqual([
        "$.extra_config[\"github_com/devopsfaith/krakend-cors\"].allow_credntials",
        "$.extra_config[\"github_com/devopsfaith/krakend-cors\"].allow_origins"
      ])
    }))

  it.effect("the CORS rule (* with credentials) applies under the legacy name", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf({
        version: 3,
        extra_config: { "github_com/devopsfaith/krakend-cors": { allow_credentials: true } },
        endpoints: []
      })
      expect(issues).toEqual([{
        path: "$.extra_config[\"github_com/devopsfaith/krakend-cors\"].allow_credentials",
        message: expect.stringContaining("allow_credentials cannot be used with allow_origins")
      }])
    }))

  const luaRows = [
    ["github.com/devopsfaith/krakend-lua/router", "modifier/lua-endpoint", "service"],
    ["github.com/devopsfaith/krakend-lua/router", "modifier/lua-endpoint", "endpoint"],
    ["github.com/devopsfaith/krakend-lua/proxy", "modifier/lua-proxy", "endpoint"],
    ["github.com/devopsfaith/krakend-lua/proxy/backend", "modifier/lua-backend", "backend"]
  ] as const
  for (const [name, current, level] of luaRows) {
    it.effect(`${name} at ${level} level is read exactly like ${current}, at the path as written`, () =>
      Effect.gen(function*() {
        // router level has ctx only; proxy and backend levels have request and response
        const lua = current === "modifier/lua-endpoint"
          ? { pre: "local c = ctx.load()" }
          : { pre: "local r = request.load()", post: "local s = response.load()" }
        const place = (ns: string) => ({
          version: 3,
          host: ["http://127.0.0.1:1"],
          extra_config: level === "service" ? { [ns]: lua } : {},
          endpoints: [{
            endpoint: "/a",
            extra_config: level === "endpoint" ? { [ns]: lua } : {},
            backend: [{ url_pattern: "/b", extra_config: level === "backend" ? { [ns]: lua } : {} }]
          }]
        })
        const extraOf = (c: Config.Decoded["config"]): Readonly<Record<string, unknown>> =>
          Object.fromEntries(Object.entries(
            level === "service" ? c.extra_config : level === "endpoint" ? c.endpoints[0]!.extra_config : c.endpoints[0]!.backend[0].extra_config
          ))
        const prefix = level === "service" ? "$" : level === "endpoint" ? "$.endpoints[0]" : "$.endpoints[0].backend[0]"
        const legacy = yield* Config.decode(place(name))
        const modern = yield* Config.decode(place(current))
        expect(extraOf(legacy.config)[current]).toMatchObject({ ...lua, path: `${prefix}.extra_config[${JSON.stringify(name)}]` })
        expect(extraOf(modern.config)[current]).toMatchObject({ ...lua, path: `${prefix}.extra_config[${JSON.stringify(current)}]` })
        expect(Object.keys(extraOf(legacy.config))).not.toContain(name)
        expect(withoutPaths(legacy.config)).toEqual(withoutPaths(modern.config))
        expect(legacy.warnings).toEqual([])
        expect(legacy.notices).toEqual([{
          path: `${prefix}.extra_config[${JSON.stringify(name)}]`,
          message: `legacy name of ${JSON.stringify(current)}: read as ${JSON.stringify(current)}`
        }])
      }))
  }
})

describe("legacy names of namespaces Sluice does not implement", () => {
  const rows = Object.entries(Aliases.legacy)
  const level = (current: string): Protections.Level => Protections.readAt[current]?.[0] ?? "backend"
  const at = (lvl: Protections.Level, name: string) =>
    lvl === "service"
      ? `$.extra_config[${JSON.stringify(name)}]`
      : lvl === "endpoint"
      ? `$.endpoints[0].extra_config[${JSON.stringify(name)}]`
      : `$.endpoints[0].backend[0].extra_config[${JSON.stringify(name)}]`
  const place = (lvl: Protections.Level, ns: Record<string, unknown>) => ({
    version: 3,
    host: ["http://127.0.0.1:1"],
    extra_config: lvl === "service" ? ns : {},
    endpoints: [{
      endpoint: "/a",
      extra_config: lvl === "endpoint" ? ns : {},
      backend: [{ url_pattern: "/b", extra_config: lvl === "backend" ? ns : {} }]
    }]
  })

  const implementedProtections = [
    "security/bot-detector",
    "auth/validator",
    "security/http",
    "auth/signer",
    "auth/revoker",
    "validation/json-schema",
    "validation/cel",
    "modifier/lua-endpoint",
    "modifier/lua-proxy",
    "modifier/lua-backend"
  ]
  const protecting = rows.filter(([, current]) => Protections.isProtecting(current) && !implementedProtections.includes(current))
  it("the table has KrakenD's 34 entries, and 1 of them names a protection Sluice does not implement yet", () => {
    expect(rows).toHaveLength(34)
    expect(protecting).toEqual([["github.com/devopsfaith/krakend-oauth2-clientcredentials", "auth/client-credentials"]])
  })

  for (const [name, current] of protecting) {
    it.effect(`${name} is refused like ${current}, at the path as written`, () =>
      Effect.gen(function*() {
        const lvl = level(current)
        const legacy = yield* issuesOf(place(lvl, { [name]: {} }))
        const modern = yield* issuesOf(place(lvl, { [current]: {} }))
        expect(legacy).toEqual([{ path: at(lvl, name), message: modern[0]!.message }])
        expect(legacy[0]!.message).toContain(`${JSON.stringify(current)} is not implemented by Sluice yet`)
      }))
  }

  for (const [name, current] of rows.filter(([, c]) => !Protections.isProtecting(c) && !c.startsWith("plugin/") && !["router", "proxy", "backend/http", "telemetry/logging", "security/cors", "modifier/martian", "qos/circuit-breaker", "qos/http-cache"].includes(c))) {
    it.effect(`${name} warns like ${current}`, () =>
      Effect.gen(function*() {
        const { warnings } = yield* Config.decode(place("backend", { [name]: {} }))
        expect(warnings).toEqual([{
          path: at("backend", name),
          message: `namespace ${JSON.stringify(current)} is not implemented by Sluice yet; ignored`
        }])
      }))
  }
})

describe("both spellings at one level", () => {
  it.effect("are refused with both paths, at every level", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf({
        version: 3,
        host: ["http://127.0.0.1:1"],
        extra_config: { "security/cors": {}, "github_com/devopsfaith/krakend-cors": {} },
        endpoints: [{
          endpoint: "/a",
          extra_config: { "github.com/devopsfaith/krakend-lua/router": {}, "modifier/lua-endpoint": {} },
          backend: [{
            url_pattern: "/b",
            extra_config: {
              proxy: {},
              "github.com/devopsfaith/krakend/proxy": {},
              "github.com/devopsfaith/krakend-oauth2-clientcredentials": {},
              "auth/client-credentials": {}
            }
          }]
        }]
      })
      expect(issues).toEqual([
        {
          path: "$.extra_config[\"github_com/devopsfaith/krakend-cors\"]",
          message: expect.stringContaining("legacy name of \"security/cors\", which is also set at $.extra_config[\"security/cors\"]")
        },
        {
          path: "$.endpoints[0].extra_config[\"github.com/devopsfaith/krakend-lua/router\"]",
          message: expect.stringContaining("also set at $.endpoints[0].extra_config[\"modifier/lua-endpoint\"]")
        },
        {
          path: "$.endpoints[0].backend[0].extra_config[\"github.com/devopsfaith/krakend/proxy\"]",
          message: expect.stringContaining("also set at $.endpoints[0].backend[0].extra_config.proxy")
        },
        {
          path: "$.endpoints[0].backend[0].extra_config[\"github.com/devopsfaith/krakend-oauth2-clientcredentials\"]",
          message: expect.stringContaining("also set at $.endpoints[0].backend[0].extra_config[\"auth/client-credentials\"]")
        },
        // the current spelling is checked as usual: an unimplemented protection
        { path: "$.endpoints[0].backend[0].extra_config[\"auth/client-credentials\"]", message: expect.stringContaining("fail closed") }
      ])
    }))
})

describe("near-miss spellings", () => {
  const endpointNs = (ns: Record<string, unknown>) => ({
    version: 3,
    host: ["http://127.0.0.1:1"],
    endpoints: [{ endpoint: "/a", extra_config: ns, backend: [{ url_pattern: "/b" }] }]
  })

  it.effect("github_com/devopsfaith/krakend-jose/validator (underscore, which KrakenD 2 ignores) is refused with the exact spelling", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(endpointNs({ "github_com/devopsfaith/krakend-jose/validator": { alg: "RS256" } }))
      expect(issues).toEqual([{
        path: "$.endpoints[0].extra_config[\"github_com/devopsfaith/krakend-jose/validator\"]",
        message:
          "namespace \"github_com/devopsfaith/krakend-jose/validator\" is a misspelling of \"github.com/devopsfaith/krakend-jose/validator\" (auth/validator): KrakenD 2 ignores this spelling and the endpoint would be served without it; write \"auth/validator\""
      }])
    }))

  for (const [name, exact] of [
    ["github.com/devopsfaith/krakend-httpsecure", "security/http"],
    ["github_com/devopsfaith/krakend-lua/proxy/backend", "modifier/lua-backend"],
    ["github_com/devopsfaith/krakend-cel", "validation/cel"],
    ["Auth/Validator", "auth/validator"],
    ["github.com/devopsfaith/krakend-botdetector", "security/bot-detector"],
    ["github_com/devopsfaith/krakend-ratelimit/juju/router", "qos/ratelimit/router"]
  ] as const) {
    it.effect(`${name} is refused: write ${exact}`, () =>
      Effect.gen(function*() {
        const issues = yield* issuesOf(endpointNs({ [name]: {} }))
        expect(issues).toHaveLength(1)
        expect(issues[0]!.message).toContain(`write ${JSON.stringify(exact)}`)
      }))
  }

  it.effect("a near miss of a non-protecting namespace (CORS, telemetry) stays a warning with a did-you-mean", () =>
    Effect.gen(function*() {
      const { warnings } = yield* Config.decode({
        ...endpointNs({}),
        extra_config: { "github.com/devopsfaith/krakend-cors": {}, "github_com/devopsfaith/krakend-metric": {} }
      })
      expect(warnings).toEqual([
        {
          path: "$.extra_config[\"github.com/devopsfaith/krakend-cors\"]",
          message: "namespace \"github.com/devopsfaith/krakend-cors\" is unknown; ignored; did you mean \"github_com/devopsfaith/krakend-cors\"?"
        },
        {
          path: "$.extra_config[\"github_com/devopsfaith/krakend-metric\"]",
          message: expect.stringContaining("did you mean \"github_com/devopsfaith/krakend-metrics\"?")
        }
      ])
    }))
})

describe("1.x names KrakenD 2 no longer reads", () => {
  it.effect("the juju rate limiter is refused with the 2.x spelling, keys renamed, ready to paste", () =>
    Effect.gen(function*() {
      const limit = { maxRate: 10, clientMaxRate: 1, strategy: "header", key: "X-Key" }
      const issues = yield* issuesOf({
        version: 3,
        host: ["http://127.0.0.1:1"],
        endpoints: [{ endpoint: "/a", extra_config: { "github.com/devopsfaith/krakend-ratelimit/juju/router": limit }, backend: [{ url_pattern: "/b" }] }]
      })
      expect(issues).toHaveLength(1)
      expect(issues[0]!.path).toBe("$.endpoints[0].extra_config[\"github.com/devopsfaith/krakend-ratelimit/juju/router\"]")
      expect(issues[0]!.message).toContain("KrakenD 1.x name that KrakenD 2 no longer reads (the endpoint would be served without it)")
      const hint = JSON.parse(issues[0]!.message.slice(issues[0]!.message.indexOf("{"))) as Record<string, unknown>
      expect(hint).toEqual({ "qos/ratelimit/router": { max_rate: 10, client_max_rate: 1, strategy: "header", key: "X-Key" } })
      // pasted, the hint is a working rate limit
      const { config } = yield* Config.decode({
        version: 3,
        host: ["http://127.0.0.1:1"],
        endpoints: [{ endpoint: "/a", extra_config: hint, backend: [{ url_pattern: "/b" }] }]
      })
      expect(config.endpoints[0]!.extra_config["qos/ratelimit/router"]).toMatchObject({ max_rate: 10, client_max_rate: 1, key: "X-Key" })
    }))

  it.effect("the juju proxy limiter and the 1.x API keys are refused; websocket and the old influx name warn with the hint", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf({
        version: 3,
        host: ["http://127.0.0.1:1"],
        extra_config: { "github_com/devopsfaith/krakend-apikeys": { keys: [] } },
        endpoints: [{
          endpoint: "/a",
          backend: [{ url_pattern: "/b", extra_config: { "github.com/devopsfaith/krakend-ratelimit/juju/proxy": { maxRate: 3, capacity: 3 } } }]
        }]
      })
      expect(issues).toEqual([
        { path: "$.extra_config[\"github_com/devopsfaith/krakend-apikeys\"]", message: expect.stringContaining("{\"auth/api-keys\":{\"keys\":[]}}") },
        {
          path: "$.endpoints[0].backend[0].extra_config[\"github.com/devopsfaith/krakend-ratelimit/juju/proxy\"]",
          message: expect.stringContaining("(the backend would be called without it); the 2.x spelling is {\"qos/ratelimit/proxy\":{\"max_rate\":3,\"capacity\":3}}")
        }
      ])
      const { warnings } = yield* Config.decode({
        version: 3,
        host: ["http://127.0.0.1:1"],
        extra_config: { "github_com/devopsfaith/krakend-influx": { db: "x" } },
        endpoints: [{ endpoint: "/a", extra_config: { "github.com/devopsfaith/krakend-websocket": {} }, backend: [{ url_pattern: "/b" }] }]
      })
      expect(warnings.map((w) => w.message)).toEqual([
        "\"github_com/devopsfaith/krakend-influx\" is a KrakenD 1.x name that KrakenD 2 no longer reads; the 2.x spelling is {\"telemetry/influx\":{\"db\":\"x\"}}",
        "\"github.com/devopsfaith/krakend-websocket\" is a KrakenD 1.x name that KrakenD 2 no longer reads; the 2.x spelling is {\"websocket\":{}}"
      ])
    }))

  it.effect("1.x keys inside a namespace get their 2.x name (bot detector, backend whitelist)", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf({
        version: 3,
        host: ["http://127.0.0.1:1"],
        extra_config: { "security/bot-detector": { Denylist: ["x"], cacheSize: 3 } },
        endpoints: [{ endpoint: "/a", backend: [{ url_pattern: "/b", whitelist: ["a"] }] }]
      })
      expect(issues.map((i) => i.message)).toEqual([
        "Denylist is a KrakenD 1.x name that KrakenD 2 ignores; write \"deny\"",
        "cacheSize is a KrakenD 1.x name that KrakenD 2 ignores; write \"cache_size\"",
        "whitelist is a KrakenD 1.x name that KrakenD 2 ignores; write \"allow\""
      ])
    }))
})

describe("async agents (not implemented; their namespaces are read like KrakenD's)", () => {
  it.effect("legacy names are noted, both spellings refused, nothing else reported per namespace", () =>
    Effect.gen(function*() {
      const base = { version: 3, endpoints: [] }
      const ok = yield* Config.decode({
        ...base,
        async_agent: [{ name: "a", extra_config: { "github.com/devopsfaith/krakend-amqp/agent": {} }, backend: [{ extra_config: { "github.com/devopsfaith/krakend-cel": [] } }] }]
      })
      expect(ok.warnings.map((w) => w.path)).toEqual(["$.async_agent"])
      expect(ok.notices.map((n) => n.path)).toEqual([
        "$.async_agent[0].extra_config[\"github.com/devopsfaith/krakend-amqp/agent\"]",
        "$.async_agent[0].backend[0].extra_config[\"github.com/devopsfaith/krakend-cel\"]"
      ])
      const issues = yield* issuesOf({
        ...base,
        async_agent: [{ extra_config: { "async/amqp": {}, "github.com/devopsfaith/krakend-amqp/agent": {} } }]
      })
      expect(issues.map((i) => i.path)).toEqual(["$.async_agent[0].extra_config[\"github.com/devopsfaith/krakend-amqp/agent\"]"])
    }))
})

describe("the JSON Schema", () => {
  it("accepts every legacy name where its current name is implemented, with the same definition", () => {
    const schema = Config.jsonSchema()
    const defs = schema["$defs"] as Record<string, { properties: Record<string, unknown> }>
    for (const [level, names] of [
      ["ServiceExtraConfig", ["router", "telemetry/logging", "security/cors", "security/bot-detector", "plugin/http-server", "modifier/lua-endpoint"]],
      ["EndpointExtraConfig", ["proxy", "security/bot-detector", "plugin/req-resp-modifier", "modifier/lua-endpoint", "modifier/lua-proxy"]],
      ["BackendExtraConfig", ["proxy", "backend/http", "plugin/req-resp-modifier", "plugin/http-client", "modifier/lua-backend"]]
    ] as const) {
      const properties = defs[level]!.properties
      for (const name of names) {
        const legacy = Aliases.spellings(name)[0]!
        expect(properties[legacy], `${level} ${legacy}`).toBeDefined()
        expect(properties[legacy]).toEqual(properties[name])
      }
    }
  })
})
