/**
 * The contract every plugin in `plugins/` passes: a bad setting is rejected at start with its
 * JSON path; with minimal settings it serves requests without a defect (its failures are typed);
 * handler and client plugins are bounded by their time budget when what they wait for hangs.
 * A first-party plugin without a case here fails the suite.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import firstParty from "../../plugins/index.ts"
import type { ConfigError } from "../../src/config/ConfigError.ts"
import type { Plugin } from "../../src/plugin/Plugin.ts"
import * as Testing from "../../src/testing/Testing.ts"
import * as Backend from "../support/Backend.ts"
import { run, withGateway } from "../plugin/Support.ts"

interface Case {
  /** Settings that work. */
  readonly good: unknown
  /** Settings with one wrong field, and that field's path below the plugin's settings. */
  readonly bad: unknown
  readonly field: string
}

const cases: Record<string, Case> = {
  "request-id": { good: {}, bad: { header: 1 }, field: ".header" },
  "ip-filter": { good: { allow: ["127.0.0.1"] }, bad: { deny: ["10.0.0.1", "not-an-ip"] }, field: ".deny[1]" },
  rewrite: { good: { response: { data: { set: { x: 1 } } } }, bad: { reject_if: { header: "X", status: 200, message: "m" } }, field: ".reject_if.status" },
  retry: { good: { attempts: 2, backoff: 1 }, bad: { attempts: 0 }, field: ".attempts" },
  mock: { good: { body: { ok: true } }, bad: { status: "200" }, field: ".status" }
}

const namespacePath = (kind: Plugin.Kind): string =>
  kind === "handler"
    ? "$.extra_config[\"plugin/http-server\"]"
    : kind === "modifier"
    ? "$.endpoints[0].extra_config[\"plugin/req-resp-modifier\"]"
    : "$.endpoints[0].backend[0].extra_config[\"plugin/http-client\"]"

/** A config using `plugin` with `settings` (and `budget`), its backend at `host`. */
const configFor = (plugin: Plugin.Any, settings: unknown, host: string, budget?: string) => {
  const ns = { name: plugin.kind === "client" ? plugin.name : [plugin.name], [plugin.name]: settings, ...(budget === undefined ? {} : { budget }) }
  return {
    version: 3,
    extra_config: plugin.kind === "handler" ? { "plugin/http-server": ns } : {},
    endpoints: [{
      endpoint: "/c",
      timeout: "10s",
      extra_config: plugin.kind === "modifier" ? { "plugin/req-resp-modifier": ns } : {},
      backend: [{ host: [host], url_pattern: "/x", extra_config: plugin.kind === "client" ? { "plugin/http-client": ns } : {} }]
    }]
  }
}

describe("first-party plugin contract", () => {
  let hanging: Backend.Backend
  let ok: Backend.Backend
  beforeAll(async () => {
    hanging = await Backend.start(() => undefined)
    ok = await Backend.start((_req, res) => Backend.json(res, 200, { b: 1 }))
  })
  afterAll(async () => {
    await hanging.close()
    await ok.close()
  })

  it("every first-party plugin has a contract case", () => {
    expect(firstParty.map((p) => p.name).sort()).toEqual(Object.keys(cases).sort())
  })

  describe.each(firstParty.map((p) => [p.name, p] as const))("%s", (name, plugin) => {
    const c = cases[name]!

    it("rejects a bad setting at start with the namespace path and the field", async () => {
      const exit = await run(Effect.exit(Testing.make({ config: configFor(plugin, c.bad, "http://b1") })))
      expect(Exit.isFailure(exit)).toBe(true)
      const reason = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
      const issues = reason?._tag === "Fail" ? (reason.error as ConfigError).issues : []
      expect(issues.map((i) => i.path)).toEqual([`${namespacePath(plugin.kind)}${name.includes("-") ? `["${name}"]` : `.${name}`}${c.field}`])
      expect(issues[0]?.message).toMatch(new RegExp(`^plugin ${name}: `))
    })

    it("serves with minimal settings and no defect (its failures are typed)", async () => {
      const logs: Array<string> = []
      const res = await withGateway(
        { config: configFor(plugin, c.good, ok.url), network: true },
        (gw) => Effect.all([gw.request("/c", { remoteAddress: "127.0.0.1" }), gw.request("/__health", { remoteAddress: "127.0.0.1" })]),
        logs
      )
      expect(res.map((r) => r.status)).toEqual([200, 200])
      expect(logs.filter((l) => l.includes("crashed") || l.includes("defect"))).toEqual([])
    })

    if (plugin.kind === "modifier") {
      it.skip("time budget: a modifier's own work is bounded by Budget.guard (see test/plugin/Budget.test.ts); it waits on nothing", () => undefined)
    } else {
      it("honours its time budget when what it waits for hangs", async () => {
        const logs: Array<string> = []
        const res = await withGateway(
          {
            config: configFor(plugin, c.good, hanging.url, "150ms"),
            network: true,
            backends: plugin.kind === "client" ? {} : { [hanging.url]: () => new Promise<Response>(() => undefined) }
          },
          (gw) => gw.request("/c", { remoteAddress: "127.0.0.1" }),
          logs
        )
        if (plugin.name === "mock") {
          expect(res.status).toBe(200)
          return
        }
        expect(res.status).toBe(500)
        expect(logs.some((l) => l.includes("budget of 150ms"))).toBe(true)
      })
    }
  })
})
