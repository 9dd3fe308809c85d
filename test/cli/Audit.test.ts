/**
 * `sluice audit`: each rule fires on a config that has its problem and not on one without it,
 * with its id, severity and JSON path; `--ignore` drops rules; the exit code follows `--fail-on`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Audit from "../../src/cli/Audit.ts"
import * as Config from "../../src/config/Config.ts"
import { runCli, writeConfig } from "../support/Sluice.ts"

const safe = {
  version: 3,
  extra_config: {},
  endpoints: [{
    endpoint: "/users/{id}",
    input_headers: ["Authorization"],
    extra_config: { "qos/ratelimit/router": { max_rate: 10 } },
    backend: [{ host: ["https://users.internal"], url_pattern: "/u/{id}" }]
  }]
}

const findings = (raw: Record<string, unknown>, ignore: ReadonlyArray<string> = []) =>
  Effect.map(Config.decode(raw), ({ config }) => Audit.audit(config, ignore).map((f) => `${f.id} ${f.severity} ${f.path}`))

describe("sluice audit rules", () => {
  it.effect("a config with none of the problems has only the no-tls note", () =>
    Effect.gen(function*() {
      expect(yield* findings(safe)).toEqual(["no-tls medium $"])
    }))

  it.effect("each rule names its id, severity and path", () =>
    Effect.gen(function*() {
      const found = yield* findings({
        version: 3,
        debug_endpoint: true,
        echo_endpoint: true,
        timeout: "3s",
        extra_config: {
          router: { return_error_msg: true },
          "security/cors": { allow_origins: ["*"], allow_headers: ["Authorization"] },
          "sluice/server": { max_body_size: 500 * 1024 * 1024 }
        },
        endpoints: [
          {
            endpoint: "/open",
            input_headers: ["*"],
            timeout: "2m",
            backend: [{ host: ["http://backend.example.com"], url_pattern: "/o" }, { host: ["http://127.0.0.1:9000"], url_pattern: "/local" }]
          },
          {
            endpoint: "/cookie",
            input_headers: ["Cookie"],
            extra_config: { "qos/ratelimit/router": { max_rate: 5 }, "sluice/endpoint": { max_body_size: 200 * 1024 * 1024 } },
            backend: [{ host: ["http://plain.example.com"], url_pattern: "/c" }]
          }
        ]
      })
      expect(found).toEqual([
        "debug-endpoints high $.debug_endpoint",
        "debug-endpoints high $.echo_endpoint",
        "input-headers-wildcard high $.endpoints[0].input_headers",
        "credentials-over-plain-http high $.endpoints[0].backend[0].host",
        "credentials-over-plain-http high $.endpoints[1].backend[0].host",
        "cors-wildcard-credentials high $.extra_config[\"security/cors\"].allow_headers",
        "endpoint-unprotected medium $.endpoints[0]",
        "no-tls medium $",
        "return-error-msg medium $.extra_config.router.return_error_msg",
        "long-timeout low $.endpoints[0].timeout",
        "large-bodies low $.extra_config[\"sluice/server\"].max_body_size",
        "large-bodies low $.endpoints[1].extra_config[\"sluice/endpoint\"].max_body_size"
      ])
    }))

  it.effect("an endpoint behind a validator, API keys or a Redis limit is not unprotected; ignored rules are left out", () =>
    Effect.gen(function*() {
      const found = yield* findings({
        ...safe,
        extra_config: { redis: { connection_pools: [{ name: "r", address: "127.0.0.1:6379" }] } },
        endpoints: [{
          ...safe.endpoints[0],
          extra_config: { "qos/ratelimit/router/redis": { connection_name: "r", max_rate: 5 } }
        }]
      }, ["no-tls"])
      expect(found).toEqual([])
    }))
})

describe("sluice audit command", () => {
  const bad = () => writeConfig({ ...safe, debug_endpoint: true })

  it("exits 1 on a high finding by default, printing each with its severity, id and path", async () => {
    const out = await runCli(["audit", "-c", bad()])
    expect(out.code).toBe(1)
    expect(out.stdout).toMatch(/HIGH\s+debug-endpoints\s+\$\.debug_endpoint: debug_endpoint is on/)
    expect(out.stderr).toContain("1 finding(s) at or above high")
  })

  it("--ignore and --fail-on decide the exit code; --json prints the findings", async () => {
    const ignored = await runCli(["audit", "-c", bad(), "--ignore", "debug-endpoints"])
    expect(ignored.code).toBe(0)
    const critical = await runCli(["audit", "-c", bad(), "--fail-on", "critical"])
    expect(critical.code).toBe(0)
    const medium = await runCli(["audit", "-c", writeConfig(safe), "--fail-on", "medium", "--json"])
    expect(medium.code).toBe(1)
    expect(JSON.parse(medium.stdout.slice(medium.stdout.indexOf("[")))).toEqual([
      { id: "no-tls", severity: "medium", path: "$", message: "no tls: clients reach the gateway over plain HTTP" }
    ])
  })
})
