import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { mkdtemp, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Config from "../../src/config/Config.ts"
import type { ConfigError } from "../../src/config/ConfigError.ts"

const fixture = (name: string) => join(import.meta.dirname, "fixtures", name)

const ms = (d: Duration.Duration | undefined) => (d === undefined ? undefined : Duration.toMillis(d))

/** The issues of a config that must fail. */
const issuesOf = (input: unknown) =>
  Effect.flip(Config.decode(input)).pipe(Effect.map((e: ConfigError) => e.issues))

const minimal = (extra: Record<string, unknown> = {}, endpoint: Record<string, unknown> = {}) => ({
  version: 3,
  host: ["localhost:8000"],
  endpoints: [{ endpoint: "/a", backend: [{ url_pattern: "/b" }], ...endpoint }],
  ...extra
})

describe("Config.load", () => {
  it.effect("decodes every service key", () =>
    Effect.gen(function*() {
      const { config, warnings } = yield* Config.load(fixture("full.json"))
      expect(warnings).toEqual([])
      expect(config.version).toBe(3)
      expect(config.name).toBe("full")
      expect(config.port).toBe(9090)
      expect(config.listen_ip).toBe("127.0.0.1")
      expect(config.host).toEqual(["http://svc.internal:8000", "https://api.example.com"])
      expect(ms(config.timeout)).toBe(3000)
      expect(ms(config.cache_ttl)).toBe(300_000)
      expect(config.output_encoding).toBe("json-collection")
      expect(config.plugin).toEqual({ folder: "./plugins/", pattern: ".ts" })
      expect(config.debug_endpoint).toBe(true)
      expect(config.echo_endpoint).toBe(true)
      expect(ms(config.read_timeout)).toBe(10_000)
      expect(ms(config.read_header_timeout)).toBe(1500)
      expect(ms(config.write_timeout)).toBe(90_000)
      expect(ms(config.idle_timeout)).toBe(7_200_000)
      expect(config.max_header_bytes).toBe(16384)
      expect(Duration.toNanosUnsafe(config.max_shutdown_wait_time!)).toBe(150_000n)
      expect(ms(config.dialer_timeout)).toBe(300)
      expect(Duration.toNanosUnsafe(config.response_header_timeout!)).toBe(10n)
      expect(ms(config.idle_connection_timeout)).toBe(1500)
      expect(config.max_idle_connections_per_host).toBe(64)
      expect(config.disable_keep_alives).toBe(true)
      expect(config.disable_compression).toBe(true)
      expect(ms(config.dialer_keep_alive)).toBe(15_000)
      expect(ms(config.dns_cache_ttl)).toBe(45_000)
      expect(config.use_h2c).toBe(true)
      expect(config.extra_config.router).toEqual({
        return_error_msg: true,
        disable_redirect_trailing_slash: true,
        disable_redirect_fixed_path: true,
        disable_handle_method_not_allowed: true,
        remove_extra_slash: true,
        disable_path_decoding: true,
        auto_options: true,
        disable_health: true,
        health_path: "/healthz",
        hide_version_header: true,
        disable_access_log: true,
        logger_skip_paths: ["/healthz"],
        forwarded_by_client_ip: true,
        remote_ip_headers: ["X-Real-Ip"],
        trusted_proxies: ["10.0.0.0/8"],
        use_h2c: true,
        error_body: { "404": { error: "not found" }, "405": { error: "method" } }
      })
      expect(config.extra_config["telemetry/logging"]).toEqual({
        level: "DEBUG",
        prefix: "[SLUICE]",
        stdout: true,
        syslog: true,
        format: "logstash"
      })
    }))

  it.effect("decodes every endpoint and backend key", () =>
    Effect.gen(function*() {
      const { config } = yield* Config.load(fixture("full.json"))
      const endpoint = config.endpoints[0]!
      expect(endpoint.endpoint).toBe("/users/{id}")
      expect(endpoint.method).toBe("POST")
      expect(ms(endpoint.timeout)).toBe(800)
      expect(ms(endpoint.cache_ttl)).toBe(1000)
      expect(endpoint.concurrent_calls).toBe(3)
      expect(endpoint.input_headers).toEqual(["X-Request-Id", "Content-Type", "*"])
      expect(endpoint.input_query_strings).toEqual(["Page", "limit"])
      expect(endpoint.output_encoding).toBe("no-op")
      expect(endpoint.extra_config.proxy).toEqual({ sequential: true })
      const backend = endpoint.backend[0]
      expect(backend.host).toEqual(["http://users.internal:9000"])
      expect(backend.url_pattern).toBe("/users/{id}")
      expect(backend.method).toBe("PUT")
      expect(backend.encoding).toBe("no-op")
      expect(backend.allow).toEqual(["a", "b.c"])
      expect(backend.deny).toEqual(["d"])
      expect(backend.mapping).toEqual({ a: "alpha" })
      expect(backend.group).toBe("user")
      expect(backend.target).toBe("data")
      expect(backend.is_collection).toBe(true)
      expect(backend.input_headers).toEqual(["X-Request-Id"])
      expect(backend.input_query_strings).toEqual(["Page"])
      expect(backend.disable_host_sanitize).toBe(false)
      expect(ms(backend.timeout)).toBe(800)
      expect(backend.concurrent_calls).toBe(3)
      expect(backend.extra_config["backend/http"]).toEqual({ return_error_code: true, return_error_details: "users" })
    }))

  it.effect("lets defaults flow down from the service to endpoints and backends", () =>
    Effect.gen(function*() {
      const { config } = yield* Config.load(fixture("full.json"))
      const endpoint = config.endpoints[1]!
      expect(endpoint.method).toBe("GET")
      expect(ms(endpoint.timeout)).toBe(3000)
      expect(ms(endpoint.cache_ttl)).toBe(300_000)
      expect(endpoint.output_encoding).toBe("json-collection")
      expect(endpoint.concurrent_calls).toBe(1)
      expect(endpoint.input_headers).toEqual([])
      expect(endpoint.extra_config.proxy).toBeUndefined()
      const [a, b] = endpoint.backend
      expect(a.host).toEqual(["http://svc.internal:8000", "https://api.example.com"])
      expect(a.method).toBe("GET")
      expect(a.encoding).toBe("json")
      expect(ms(a.timeout)).toBe(3000)
      expect(a.concurrent_calls).toBe(1)
      expect(a.input_headers).toBeUndefined()
      expect(a.mapping).toEqual({})
      expect(a.extra_config["backend/http"]).toBeUndefined()
      expect(b!.host).toEqual(["raw-host:1/"])
      expect(b!.method).toBe("DELETE")
    }))

  it.effect("applies the service defaults of a minimal config", () =>
    Effect.gen(function*() {
      const { config, warnings } = yield* Config.decode(minimal())
      expect(warnings).toEqual([])
      expect(config.name).toBe("")
      expect(config.port).toBe(8080)
      expect(config.listen_ip).toBe("")
      expect(ms(config.timeout)).toBe(2000)
      expect(ms(config.cache_ttl)).toBe(0)
      expect(config.output_encoding).toBe("json")
      expect(config.plugin).toBeUndefined()
      expect(config.debug_endpoint).toBe(false)
      expect(config.read_timeout).toBeUndefined()
      expect(config.max_idle_connections_per_host).toBe(250)
      expect(config.extra_config.router.health_path).toBe("/__health")
      expect(config.extra_config.router.error_body).toEqual({})
      expect(config.extra_config.router.auto_options).toBe(false)
      expect(config.extra_config["telemetry/logging"]).toBeUndefined()
      expect(config.endpoints[0]!.backend[0].host).toEqual(["http://localhost:8000"])
    }))

  it.effect("defaults the logging namespace", () =>
    Effect.gen(function*() {
      const { config } = yield* Config.decode(minimal({ extra_config: { "telemetry/logging": {} } }))
      expect(config.extra_config["telemetry/logging"]).toEqual({
        level: "INFO",
        prefix: "",
        stdout: false,
        syslog: false,
        format: "default"
      })
    }))

  it.effect("reports a missing file at $", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Config.load(fixture("does-not-exist.json")))
      expect(error.issues).toHaveLength(1)
      expect(error.issues[0]!.path).toBe("$")
      expect(error.issues[0]!.message).toContain("no such file")
    }))

  it.effect("reads a file written to disk", () =>
    Effect.gen(function*() {
      const dir = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "sluice-config-")))
      const file = join(dir, "gateway.json")
      yield* Effect.promise(() => writeFile(file, JSON.stringify(minimal({ name: "disk" }))))
      const { config } = yield* Config.load(file)
      expect(config.name).toBe("disk")
    }))
})

describe("Config.parse", () => {
  it.effect("reports a JSON syntax error with its line and column", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Config.parse("{\n  \"version\": 3,\n  \"name\": oops\n}"))
      expect(error.issues[0]!.path).toBe("$")
      expect(error.issues[0]!.message).toMatch(/^invalid JSON: /)
      expect(error.issues[0]!.message).toMatch(/line 3 column 11/)
    }))

  it.effect("refuses a config that is not an object", () =>
    Effect.gen(function*() {
      const issues = yield* Effect.flip(Config.parse("[]")).pipe(Effect.map((e) => e.issues))
      expect(issues).toEqual([{ path: "$", message: "expected a JSON object (the KrakenD config), got an array" }])
    }))
})

describe("keys", () => {
  it.effect("accepts @ keys at every level", () =>
    Effect.gen(function*() {
      const { config, warnings } = yield* Config.decode({
        "@comment": "root",
        version: 3,
        host: ["h"],
        extra_config: { "@comment": "ns", router: { "@comment": "router", auto_options: true } },
        endpoints: [{
          "@comment": 1,
          endpoint: "/a",
          extra_config: { proxy: { "@x": [], sequential: true } },
          backend: [{ "@comment": {}, url_pattern: "/b", extra_config: { "backend/http": { "@c": 1 } } }]
        }]
      })
      expect(warnings).toEqual([])
      expect(config.extra_config.router.auto_options).toBe(true)
      expect(config.endpoints[0]!.extra_config.proxy).toEqual({ sequential: true })
    }))

  it.effect("drops $, # and _ keys like @ keys (KrakenD's schema allows them: $schema, $id, #note, _x)", () =>
    Effect.gen(function*() {
      const { config, warnings } = yield* Config.decode({
        $schema: "https://www.krakend.io/schema/v2.7/krakend.json",
        $id: "gateway",
        "#note": "root",
        version: 3,
        host: ["h"],
        extra_config: { "#ns": 1, router: { _note: "x", auto_options: true } },
        endpoints: [{ "#c": 1, endpoint: "/a", backend: [{ $ref: {}, _x: [], url_pattern: "/b" }] }]
      })
      expect(warnings).toEqual([])
      expect(config.extra_config.router.auto_options).toBe(true)
      expect(config.endpoints[0]!.backend[0]!.url_pattern).toBe("/b")
    }))

  it.effect("a key KrakenD reads at another level is a warning naming where it belongs, and does nothing", () =>
    Effect.gen(function*() {
      const { config, warnings } = yield* Config.decode(minimal(
        { extra_config: { router: { disable_rest: true, auto_options: true } } },
        { backend: [{ url_pattern: "/b", concurrent_calls: 3 }], return_error_msg: true }
      ))
      expect(warnings).toEqual([
        {
          path: "$.endpoints[0].backend[0].concurrent_calls",
          message: "concurrent_calls is not read at this level (KrakenD reads it at $.endpoints[*]); ignored"
        },
        {
          path: "$.endpoints[0].return_error_msg",
          message: "return_error_msg is not read at this level (KrakenD reads it at $.extra_config.router); ignored"
        },
        { path: "$.extra_config.router.disable_rest", message: "disable_rest is not read at this level (KrakenD reads it at $); ignored" }
      ])
      expect(config.endpoints[0]!.concurrent_calls).toBe(1)
      expect(config.extra_config.router.return_error_msg).toBe(false)
    }))

  it.effect("a protection's key at the wrong level stops the start: KrakenD would leave the protection off", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(minimal({}, { roles: ["admin"], alg: "RS256" }))
      expect(issues).toEqual([
        {
          path: "$.endpoints[0].roles",
          message: expect.stringMatching(/^roles is a setting of \$[^ ]*auth\/[a-z-]+[^ ]*, not of this object: KrakenD would ignore it here and leave the protection off; move it there$/)
        },
        {
          path: "$.endpoints[0].alg",
          message: "alg is a setting of $.endpoints[*].extra_config[\"auth/validator\"], not of this object: KrakenD would ignore it here and leave the protection off; move it there"
        }
      ])
    }))

  it.effect("a typo of a key known here stays an error with its suggestion, even near a key of another level", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(minimal({}, { backend: [{ url_pattern: "/b", encodng: "json" }] }))
      expect(issues).toEqual([{ path: "$.endpoints[0].backend[0].encodng", message: "unknown key; did you mean \"encoding\"?" }])
    }))

  it.effect("settings that cannot apply to Sluice are INFO notes with the reason, not warnings", () =>
    Effect.gen(function*() {
      const { notices, warnings } = yield* Config.decode(minimal({
        expect_continue_timeout: "1s",
        sequential_start: true,
        max_idle_connections: 10,
        extra_config: { router: { max_multipart_memory: 1000 } }
      }))
      expect(warnings).toEqual([])
      expect(notices.map((n) => n.path)).toEqual([
        "$.expect_continue_timeout",
        "$.sequential_start",
        "$.max_idle_connections",
        "$.extra_config.router.max_multipart_memory"
      ])
      expect(notices[0]!.message).toMatch(/^expect_continue_timeout has no effect in Sluice: .*never sends Expect: 100-continue upstream/)
    }))

  it.effect("disable_rest: false (the default) is silent; true is a warning saying why it changes nothing", () =>
    Effect.gen(function*() {
      expect((yield* Config.decode(minimal({ disable_rest: false }))).warnings).toEqual([])
      const { warnings } = yield* Config.decode(minimal({ disable_rest: true }))
      expect(warnings.map((w) => w.path)).toEqual(["$.disable_rest"])
      expect(warnings[0]!.message).toContain("endpoint params stay whole path segments")
    }))

  it.effect("use_h2c is read at the root and in the router namespace", () =>
    Effect.gen(function*() {
      const root = yield* Config.decode(minimal({ use_h2c: true }))
      const router = yield* Config.decode(minimal({ extra_config: { router: { use_h2c: true } } }))
      expect([root.warnings, router.warnings]).toEqual([[], []])
      expect([root.config.use_h2c, router.config.extra_config.router.use_h2c]).toEqual([true, true])
    }))

  it.effect("telemetry/logging format: logstash kept, custom and unknown values read as default with a warning", () =>
    Effect.gen(function*() {
      const format = (value: string) => Config.decode(minimal({ extra_config: { "telemetry/logging": { level: "INFO", format: value } } }))
      const logstash = yield* format("logstash")
      expect([logstash.config.extra_config["telemetry/logging"]?.format, logstash.warnings]).toEqual(["logstash", []])
      for (const value of ["custom", "json"]) {
        const other = yield* format(value)
        expect(other.config.extra_config["telemetry/logging"]?.format).toBe("default")
        expect(other.warnings.map((w) => w.path)).toEqual(["$.extra_config[\"telemetry/logging\"].format"])
      }
      const accessLog = yield* Config.decode(minimal({ extra_config: { "telemetry/logging": { access_log_format: "x" } } }))
      expect(accessLog.warnings.map((w) => w.path)).toEqual(["$.extra_config[\"telemetry/logging\"].access_log_format"])
    }))

  it.effect("dialer_keep_alive and dns_cache_ttl are read (no warning)", () =>
    Effect.gen(function*() {
      const { config, warnings } = yield* Config.decode(minimal({ dialer_keep_alive: "15s", dns_cache_ttl: "10s" }))
      expect(warnings).toEqual([])
      expect([config.dialer_keep_alive, config.dns_cache_ttl].map((d) => d === undefined ? undefined : Duration.toMillis(d))).toEqual([15_000, 10_000])
    }))

  it.effect("reports an unknown key with a did-you-mean at its path", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf({
        version: 3,
        host: ["h"],
        timout: "1s",
        endpoints: [{ endpoint: "/a", backend: [{ url_patern: "/b", url_pattern: "/b" }] }]
      })
      expect(issues).toContainEqual({ path: "$.timout", message: "unknown key; did you mean \"timeout\"?" })
      expect(issues).toContainEqual({
        path: "$.endpoints[0].backend[0].url_patern",
        message: "unknown key; did you mean \"url_pattern\"?"
      })
    }))

  it.effect("reports an unknown key without a suggestion when nothing is close", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(minimal({ colour: "blue" }))
      expect(issues).toEqual([{ path: "$.colour", message: "unknown key" }])
    }))

  it.effect("reports typos inside implemented namespaces", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(minimal({ extra_config: { router: { health_pth: "/h" } } }))
      expect(issues).toEqual([{
        path: "$.extra_config.router.health_pth",
        message: "unknown key; did you mean \"health_path\"?"
      }])
    }))

  it.effect("gives v2 keys a specific hint", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(minimal({}, { headers_to_pass: ["a"], querystring_params: ["b"] }))
      expect(issues).toContainEqual({
        path: "$.endpoints[0].headers_to_pass",
        message: "headers_to_pass is a KrakenD v2 key; use input_headers"
      })
      expect(issues).toContainEqual({
        path: "$.endpoints[0].querystring_params",
        message: "querystring_params is a KrakenD v2 key; use input_query_strings"
      })
    }))

  it.effect("names the path and the expected type of a wrong type", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(minimal({ port: "80", debug_endpoint: "yes" }, { input_headers: [1] }))
      expect(issues).toContainEqual({ path: "$.port", message: "Expected number, got \"80\"" })
      expect(issues).toContainEqual({ path: "$.debug_endpoint", message: "Expected boolean, got \"yes\"" })
      expect(issues).toContainEqual({ path: "$.endpoints[0].input_headers[0]", message: "Expected string, got 1" })
    }))

  it.effect("reports a missing required key", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(minimal({}, { backend: [{}] }))
      expect(issues).toEqual([{ path: "$.endpoints[0].backend[0].url_pattern", message: "missing required key" }])
    }))

  it.effect("refuses a number where a duration is expected", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(minimal({ timeout: 2000 }))
      expect(issues).toHaveLength(1)
      expect(issues[0]!.path).toBe("$.timeout")
      expect(issues[0]!.message).toContain("Go duration string")
    }))

  it.effect("collects every issue of the config at once", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf({
        version: 2,
        host: ["h"],
        port: "x",
        endpoints: [
          { endpoint: "/a", backend: [] },
          { endpoint: "/b/{id}", backend: [{ url_pattern: "/{other}", encoding: 7 }] },
          { endpoint: "/c", backend: [{ url_pattern: "/{nope}" }] }
        ]
      })
      expect(issues.map((i) => i.path)).toEqual([
        "$.version",
        "$.port",
        "$.endpoints[0].backend",
        "$.endpoints[1].backend[0].encoding",
        "$.endpoints[2].backend[0].url_pattern"
      ])
    }))
})

describe("normalisation", () => {
  it.effect("upper-cases methods and reads fast-json as json", () =>
    Effect.gen(function*() {
      const { config } = yield* Config.decode(
        minimal({ output_encoding: "fast-json" }, { method: "patch", output_encoding: "fast-json", backend: [{ url_pattern: "/b", method: "Delete", encoding: "fast-json" }] })
      )
      expect([config.output_encoding, config.endpoints[0]!.output_encoding]).toEqual(["json", "json"])
      expect(config.endpoints[0]!.method).toBe("PATCH")
      expect(config.endpoints[0]!.backend[0].method).toBe("DELETE")
      expect(config.endpoints[0]!.backend[0].encoding).toBe("json")
    }))

  it.effect("an encoding that names no decoder reads as json with a warning (KrakenD's fallback), never as no-op", () =>
    Effect.gen(function*() {
      const { config, warnings } = yield* Config.decode(
        minimal({}, { backend: [{ url_pattern: "/b", encoding: "form" }, { url_pattern: "/c", encoding: "No-Op" }] })
      )
      expect(config.endpoints[0]!.backend.map((b) => b.encoding)).toEqual(["json", "json"])
      expect(warnings.map((w) => w.path)).toEqual(["$.endpoints[0].backend[0].encoding", "$.endpoints[0].backend[1].encoding"])
      expect(warnings[0]!.message).toContain(`"form" is not a decoder`)
    }))

  it.effect("adds leading slashes and sanitizes hosts", () =>
    Effect.gen(function*() {
      const { config } = yield* Config.decode({
        version: 3,
        endpoints: [{
          endpoint: "a/{id}",
          backend: [{ host: ["h:1//", "https://s/", "unix:///x"], url_pattern: "b/{id}" }]
        }]
      })
      const endpoint = config.endpoints[0]!
      expect(endpoint.endpoint).toBe("/a/{id}")
      expect(endpoint.backend[0].url_pattern).toBe("/b/{id}")
      expect(endpoint.backend[0].host).toEqual(["http://h:1", "https://s", "unix:///x"])
    }))

  it.effect("keeps the sequential strategy alias", () =>
    Effect.gen(function*() {
      const { config } = yield* Config.decode(minimal({}, { extra_config: { proxy: { strategy: "sequential" } } }))
      expect(config.endpoints[0]!.extra_config.proxy).toEqual({ sequential: true })
    }))
})

describe("warnings", () => {
  it.effect("warns about KrakenD root keys Sluice does not implement", () =>
    Effect.gen(function*() {
      const { warnings } = yield* Config.decode(minimal({ dialer_fallback_delay: "10s" }))
      expect(warnings).toEqual([
        {
          path: "$.dialer_fallback_delay",
          message: "dialer_fallback_delay is a KrakenD setting Sluice does not implement yet; ignored"
        }
      ])
    }))

  it.effect("warns about namespaces Sluice does not implement, with their path, and drops them", () =>
    Effect.gen(function*() {
      const { config, warnings } = yield* Config.decode({
        version: 3,
        host: ["h"],
        extra_config: { "modifier/martian": {}, "telemetry/influx": {} },
        endpoints: [{
          endpoint: "/a",
          extra_config: { "qos/http-cache": { shared: true } },
          backend: [{ url_pattern: "/b", extra_config: { "backend/lambda": {} } }]
        }]
      })
      expect(warnings).toEqual([
        {
          path: "$.extra_config[\"modifier/martian\"]",
          message: "namespace \"modifier/martian\" is not implemented by Sluice yet; ignored"
        },
        {
          path: "$.extra_config[\"telemetry/influx\"]",
          message: "namespace \"telemetry/influx\" is not implemented by Sluice yet; ignored"
        },
        {
          path: "$.endpoints[0].extra_config[\"qos/http-cache\"]",
          message: "namespace \"qos/http-cache\" is not implemented by Sluice yet; ignored"
        },
        {
          path: "$.endpoints[0].backend[0].extra_config[\"backend/lambda\"]",
          message: "namespace \"backend/lambda\" is not implemented by Sluice yet; ignored"
        }
      ])
      expect(Object.keys(config.extra_config)).toEqual(["router", "telemetry/logging"])
      expect(Object.keys(config.endpoints[0]!.extra_config)).toEqual(["proxy"])
    }))

  it.effect("suggests an implemented namespace for a misspelt one", () =>
    Effect.gen(function*() {
      const { warnings } = yield* Config.decode(minimal({ extra_config: { "telemetry/loging": {} } }))
      expect(warnings[0]!.message).toContain("did you mean \"telemetry/logging\"?")
    }))

  it.effect("warns about unimplemented keys of implemented namespaces", () =>
    Effect.gen(function*() {
      const { config, warnings } = yield* Config.decode(minimal(
        { extra_config: { router: { max_multipart_memory: 10 }, "telemetry/logging": { syslog_facility: "local3" } } },
        {
          extra_config: { proxy: { shadow: true, sequential: true } },
          backend: [{ url_pattern: "/b", extra_config: { proxy: { shadow: true } } }]
        }
      ))
      expect(warnings.map((w) => w.path)).toEqual([
        "$.endpoints[0].extra_config.proxy.shadow",
        "$.extra_config[\"telemetry/logging\"].syslog_facility"
      ])
      expect(warnings[0]!.message).toBe("shadow is a KrakenD setting Sluice does not implement yet; ignored")
      expect(config.endpoints[0]!.extra_config.proxy).toEqual({ sequential: true })
    }))

  it.effect("reports typos in the backend proxy namespace", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(minimal({}, {
        backend: [{ url_pattern: "/b", extra_config: { proxy: { shadw: true } } }]
      }))
      expect(issues).toEqual([{
        path: "$.endpoints[0].backend[0].extra_config.proxy.shadw",
        message: "unknown key; did you mean \"shadow\"?"
      }])
    }))

  it.effect("sd dns: host[0] is the SRV name; an https sd_scheme is the hosts' scheme (never cleartext), another is warned about", () =>
    Effect.gen(function*() {
      const { config, warnings } = yield* Config.decode(minimal({}, {
        backend: [
          { url_pattern: "/b", sd: "dns", sd_scheme: "https", host: ["_api._tcp.example.internal"] },
          { url_pattern: "/c", sd: "dns", sd_scheme: "ftp", host: ["_a._tcp.x", "_b._tcp.x"] },
          { url_pattern: "/d" },
          { url_pattern: "/e", sd: "dns-shared", host: ["_e._tcp.x"] },
          { url_pattern: "/f", sd: "consul", host: ["f:80"] }
        ]
      }))
      expect(warnings.map((w) => w.path)).toEqual([
        "$.endpoints[0].backend[1].host",
        "$.endpoints[0].backend[1].sd_scheme",
        "$.endpoints[0].backend[4].sd"
      ])
      const [b, c, d, e, f] = config.endpoints[0]!.backend as unknown as ReadonlyArray<{ readonly sd?: unknown; readonly host: unknown }>
      expect(b!.sd).toEqual({ name: "_api._tcp.example.internal", scheme: "https" })
      expect(c!.sd).toEqual({ name: "_a._tcp.x", scheme: "http" })
      expect(d!.sd).toBeUndefined()
      expect(e!.sd).toEqual({ name: "_e._tcp.x", scheme: "http" })
      expect([f!.sd, f!.host]).toEqual([undefined, ["http://f:80"]])
    }))

  it.effect("warns about an unknown proxy strategy", () =>
    Effect.gen(function*() {
      const { warnings } = yield* Config.decode(minimal({}, { extra_config: { proxy: { strategy: "other" } } }))
      expect(warnings).toEqual([{
        path: "$.endpoints[0].extra_config.proxy.strategy",
        message: "strategy \"other\" is not implemented by Sluice yet; ignored"
      }])
    }))
})

describe("size", () => {
  it.effect("decodes a 200-endpoint config", () =>
    Effect.gen(function*() {
      const endpoints = Array.from({ length: 200 }, (_, i) => ({
        endpoint: `/r${i}/{id}`,
        method: i % 2 === 0 ? "GET" : "POST",
        backend: [{ url_pattern: `/s${i}/{id}` }, { url_pattern: "/t", host: ["other"] }]
      }))
      const { config } = yield* Config.decode({ version: 3, host: ["h"], endpoints })
      expect(config.endpoints).toHaveLength(200)
    }))
})
