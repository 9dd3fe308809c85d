/**
 * G2: `"isolate": true` runs a folder-loaded modifier in a worker thread through `sluice run`.
 * It answers like the same modifier on the event loop; a CPU loop fails only its request at the
 * budget while the gateway keeps answering (a fresh worker serves the next call); a leak hits
 * the worker's memory limit (`ERR_WORKER_OUT_OF_MEMORY`) and the gateway stays healthy; a plugin
 * without a module file cannot be isolated.
 */
import * as Effect from "effect/Effect"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Plugin, Schema } from "../../src/plugin/Plugin.ts"
import * as Testing from "../../src/testing/Testing.ts"
import * as Backend from "../support/Backend.ts"
import { runCli, type RunningSluice, startSluice, writeConfig } from "../support/Sluice.ts"
import { jsonBackend, run } from "./Support.ts"

const dir = mkdtempSync(join(tmpdir(), "sluice-isolate-"))
const marker = join(dir, "spin.marker")
/** One "L" per thread that imported the plugin module: the gateway, then each worker. */
const loaded = join(dir, "loaded.marker")
const loads = () => (existsSync(loaded) ? readFileSync(loaded, "utf8").length : 0)

const pluginModule = `
import { appendFileSync } from "node:fs"
import { Effect, ModifierError, Plugin, Schema } from "sluice/plugin"

appendFileSync(${JSON.stringify(loaded)}, "L")

const shape = Plugin.modifier({
  name: "shape",
  config: Schema.Struct({ field: Schema.String }),
  request: (req) => {
    if (req.headers["X-Deny"] !== undefined) {
      return Effect.fail(new ModifierError({ message: "denied", status: 403, headers: { "x-why": "deny" } }))
    }
    if (req.headers["X-Mock"] !== undefined) return Effect.succeed(Plugin.respond({ mocked: true }, { status: 201 }))
    return Effect.succeed({ ...req, headers: { ...req.headers, "X-Shaped": [req.path] } })
  },
  response: (res, req, config) => Effect.succeed({ ...res, data: { ...res.data, [config.field]: req.path, complete: res.isComplete } })
})

const spin = Plugin.modifier({
  name: "spin",
  config: Schema.Struct({ marker: Schema.String }),
  request: (_req, config) => Effect.sync(() => {
    appendFileSync(config.marker, "x")
    for (;;) {}
  })
})

const leak = Plugin.modifier({
  name: "leak",
  config: Schema.Struct({}),
  response: () => Effect.sync(() => {
    const kept = []
    for (;;) kept.push(new Array(1_000_000).fill(kept.length))
  })
})

const slow = Plugin.modifier({
  name: "slow",
  config: Schema.Struct({}),
  request: (req) => Effect.as(Effect.sleep("800 millis"), req)
})

export default [shape, spin, leak, slow]
`

writeFileSync(join(dir, "isolate.plugin.mjs"), pluginModule)

const route = (endpoint: string, backendUrl: string, extra: Record<string, unknown> = {}) => ({
  endpoint,
  timeout: "10s",
  input_headers: ["X-Deny", "X-Mock"],
  extra_config: extra,
  backend: [{ host: [backendUrl], url_pattern: "/data" }]
})

const mods = (name: string, settings: unknown, more: Record<string, unknown> = {}) => ({
  "plugin/req-resp-modifier": { name: [name], [name]: settings, ...more }
})

const timed = (url: string, order: Array<string>, label: string) =>
  fetch(url).then(async (res) => {
    order.push(label)
    return { status: res.status, body: await res.text() }
  })

const waitFor = async (check: () => boolean): Promise<void> => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe("isolated modifiers (sluice run)", () => {
  let backend: Backend.Backend
  let gw: RunningSluice
  beforeAll(async () => {
    backend = await Backend.start((req, res) => Backend.json(res, 200, { shaped: req.headers["x-shaped"] ?? null }))
    gw = await startSluice({
      version: 3,
      plugin: { folder: dir, pattern: ".plugin." },
      endpoints: [
        route("/plain", backend.url, mods("shape", { field: "seen" })),
        route("/isolated", backend.url, mods("shape", { field: "seen" }, { isolate: true })),
        route("/loop", backend.url, mods("spin", { marker }, { isolate: true, budget: "300ms" })),
        route("/leak", backend.url, mods("leak", {}, { isolate: true, isolate_memory_mb: 48 })),
        route("/slow", backend.url, mods("slow", {}, { isolate: true, budget: "5s" })),
        route("/ok", backend.url)
      ]
    })
    await waitFor(() => loads() === 5)
  })
  afterAll(async () => {
    await gw?.stop()
    await backend?.close()
  })

  it.each([
    ["no header", {}],
    ["a ModifierError", { "x-deny": "1" }],
    ["a Respond", { "x-mock": "1" }]
  ])("an isolated modifier answers like the same modifier on the event loop (%s)", async (_label, headers) => {
    const answer = async (path: string) => {
      const res = await fetch(`${gw.url}${path}`, { headers })
      return { status: res.status, why: res.headers.get("x-why"), body: await res.text() }
    }
    const plain = await answer("/plain")
    const isolated = await answer("/isolated")
    expect(isolated).toEqual({ ...plain, body: plain.body.replaceAll("/plain", "/isolated") })
    const expected = {
      "no header": { status: 200, why: null, body: JSON.stringify({ shaped: "/plain", seen: "/plain", complete: true }) },
      "a ModifierError": { status: 403, why: "deny", body: "" },
      "a Respond": { status: 201, why: null, body: JSON.stringify({ mocked: true }) }
    }[_label]
    expect(plain).toEqual(expected)
  })

  it("a client that leaves does not fail the other calls in flight on the same worker", async () => {
    const before = loads()
    const others = Array.from({ length: 3 }, () => fetch(`${gw.url}/slow`).then((r) => r.status))
    const aborted = fetch(`${gw.url}/slow`, { signal: AbortSignal.timeout(200) }).then(() => "answered", () => "aborted")
    expect(await aborted).toBe("aborted")
    expect(await Promise.all(others)).toEqual([200, 200, 200])
    expect(loads()).toBe(before) // the worker was not replaced
  })

  it("a CPU loop answers 500 at its budget; while it spins /__health and another route answer; the next call runs in a fresh worker", async () => {
    const order: Array<string> = []
    const stuck = timed(`${gw.url}/loop`, order, "loop")
    await waitFor(() => existsSync(marker))
    const [health, ok] = await Promise.all([timed(`${gw.url}/__health`, order, "health"), timed(`${gw.url}/ok`, order, "ok")])
    expect(await stuck).toEqual({ status: 500, body: "" })
    expect([health.status, ok.status]).toEqual([200, 200])
    expect(order.indexOf("loop")).toBe(2)
    expect(gw.output()).toContain("plugin spin did not finish within its budget of 300ms")

    // The stuck worker is replaced once it has not answered the abandoned call within its budget.
    await waitFor(() => loads() === 6)
    const again = await timed(`${gw.url}/loop`, order, "loop")
    expect(again).toEqual({ status: 500, body: "" })
    expect(readFileSync(marker, "utf8")).toBe("xx")
  })

  it("a leak hits the worker's memory limit: 500, logged ERR_WORKER_OUT_OF_MEMORY, the gateway stays healthy", async () => {
    const leaked = await fetch(`${gw.url}/leak`)
    expect([leaked.status, await leaked.text()]).toEqual([500, ""])
    await waitFor(() => gw.output().includes("plugin leak's worker failed (ERR_WORKER_OUT_OF_MEMORY)"))
    await waitFor(() => loads() === 7)
    const [health, ok] = await Promise.all([fetch(`${gw.url}/__health`), fetch(`${gw.url}/ok`)])
    expect([health.status, ok.status]).toEqual([200, 200])
    expect(gw.proc.exitCode).toBe(null)
  })
})

describe("isolate needs a module file", () => {
  it("isolate on a plugin passed in code is a config error at the namespace's isolate", async () => {
    const inCode = Plugin.modifier({ name: "in-code", config: Schema.Struct({}), request: (req) => Effect.succeed(req) })
    const error = await run(
      Effect.flip(Testing.make({
        config: {
          version: 3,
          endpoints: [{
            endpoint: "/x",
            extra_config: { "plugin/req-resp-modifier": { name: ["in-code"], isolate: true } },
            backend: [{ host: ["http://b1"], url_pattern: "/ok" }]
          }]
        },
        plugins: [inCode],
        backends: { "http://b1": jsonBackend({ ok: true }) }
      }))
    )
    expect(String(error)).toContain(
      `$.endpoints[0].extra_config["plugin/req-resp-modifier"].isolate: plugin in-code (code) has no module file: only plugins loaded from the plugin folder can be isolated`
    )
  })

  it("isolate on a first-party plugin or on plugin/http-server fails sluice run with exit 1 and the path", async () => {
    const out = await runCli([
      "run",
      "-c",
      writeConfig({
        version: 3,
        extra_config: { "plugin/http-server": { name: ["request-id"], isolate: true } },
        endpoints: [{
          endpoint: "/x",
          backend: [{
            host: ["http://127.0.0.1:9"],
            url_pattern: "/ok",
            extra_config: { "plugin/req-resp-modifier": { name: ["rewrite"], isolate: true } }
          }]
        }]
      }),
      "-p",
      "0",
      "--workers",
      "1"
    ])
    expect(out.code).toBe(1)
    const text = out.stderr + out.stdout
    expect(text).toContain(`$.extra_config["plugin/http-server"].isolate: isolate applies only to plugin/req-resp-modifier`)
    expect(text).toContain(
      `$.endpoints[0].backend[0].extra_config["plugin/req-resp-modifier"].isolate: plugin rewrite (first-party) has no module file`
    )
  })
})
