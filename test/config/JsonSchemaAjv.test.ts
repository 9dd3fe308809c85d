/**
 * The JSON Schema of `sluice schema`, compiled by ajv (draft 2020-12) and run against real
 * configs: the project's examples and fixtures, and KrakenD-style configs
 * (`fixtures/krakend/`) that Sluice must also decode, so that the schema an editor uses and the
 * gateway agree. The negatives check that the schema still refuses what the gateway refuses.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ajv2020 } from "ajv/dist/2020.js"
import * as Effect from "effect/Effect"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import * as Config from "../../src/config/Config.ts"

const repo = join(import.meta.dirname, "..", "..")
const read = (path: string): unknown => JSON.parse(readFileSync(join(repo, path), "utf8"))

// strict mode: the generated schema must use only draft 2020-12 keywords, unambiguous types and
// well-formed tuples (ajv throws on anything else), so the generator is checked too.
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(Config.jsonSchema())

/** The schema errors of `config`, as `instancePath keyword`. */
const errors = (config: unknown): ReadonlyArray<string> =>
  validate(config) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`)

const krakendStyle = readdirSync(join(repo, "test/config/fixtures/krakend"))
  .filter((name) => name.endsWith(".json"))
  .map((name) => `test/config/fixtures/krakend/${name}`)

const minimal = (extra: Record<string, unknown> = {}, endpoint: Record<string, unknown> = {}, backend: Record<string, unknown> = {}) => ({
  version: 3,
  host: ["http://backend.internal:8000"],
  endpoints: [{ endpoint: "/a", backend: [{ url_pattern: "/b", ...backend }], ...endpoint }],
  ...extra
})

describe("Config.jsonSchema (ajv, draft 2020-12)", () => {
  it.each(["examples/gateway.json", "examples/plugins.json", "examples/telemetry.json", "test/config/fixtures/full.json"])(
    "accepts %s",
    (path) => {
      expect(errors(read(path))).toEqual([])
    }
  )

  it("has the KrakenD-style fixtures", () => {
    expect(krakendStyle.length).toBeGreaterThanOrEqual(5)
  })

  it.effect.each(krakendStyle)("accepts and decodes the KrakenD-style config %s", (path) =>
    Effect.gen(function*() {
      const config = read(path)
      expect(errors(config)).toEqual([])
      const decoded = yield* Config.decode(config)
      expect(decoded.config.endpoints.length).toBeGreaterThan(0)
    }))

  it.effect("accepts what the gateway reads with a warning: ignored keys, other namespaces, any backend encoding", () =>
    Effect.gen(function*() {
      const config = minimal(
        {
          dialer_fallback_delay: "300ms",
          async_agent: [],
          extra_config: { "telemetry/metrics": { collection_time: "60s" }, "security/http": { hpkp_public_key: "pin" } }
        },
        { extra_config: { "auth/signer": { alg: "HS256", kid: "k", keys_to_sign: [], jwk_local_path: "k.json", leeway: "1s" } } },
        { timeout: "1s", encoding: "form", extra_config: { "qos/circuit-breaker": { interval: 60 } } }
      )
      expect(errors(config)).toEqual([])
      const { warnings } = yield* Config.decode(config)
      expect(warnings.map((w) => w.path)).toEqual(expect.arrayContaining([
        "$.dialer_fallback_delay",
        "$.extra_config[\"security/http\"].hpkp_public_key",
        "$.endpoints[0].extra_config[\"auth/signer\"].leeway",
        "$.endpoints[0].backend[0].timeout",
        "$.endpoints[0].backend[0].encoding"
      ]))
    }))

  it.each<[string, unknown, string]>([
    ["a misspelt root key", minimal({ timout: "3s" }), " additionalProperties"],
    ["a port written as a string", minimal({ port: "8080" }), "/port type"],
    ["a misspelt backend key", minimal({}, {}, { url_patern: "/b" }), "/endpoints/0/backend/0 additionalProperties"],
    ["a key that is no comment (prefix not first)", minimal({}, { "comment@": "x" }), "/endpoints/0 additionalProperties"],
    ["an unknown output encoding", minimal({ output_encoding: "html" }), "/output_encoding enum"],
    ["a flag written as a string", minimal({ extra_config: { router: { return_error_msg: "yes" } } }), "/extra_config/router/return_error_msg type"],
    [
      "a wrong type under a legacy namespace name",
      minimal({ extra_config: { "github_com/luraproject/lura/router/gin": { return_error_msg: "yes" } } }),
      "/extra_config/github_com~1luraproject~1lura~1router~1gin/return_error_msg type"
    ],
    ["a misspelt key of an implemented namespace", minimal({}, { extra_config: { proxy: { sequental: true } } }), "/endpoints/0/extra_config/proxy additionalProperties"]
  ])("refuses %s, as the gateway does", (_, config, error) => {
    expect(errors(config)).toContain(error)
    expect(Config.decodeResult(config)._tag).toBe("Failure")
  })
})
