/**
 * End to end: `sluice run` loads a plugin module (a separate `.mjs` file in a temp folder outside
 * the repository, importing the public API as the README shows: `from "sluice/plugin"`) and uses
 * each kind; a bad plugin setting
 * fails the start with its path; `sluice plugins` lists and checks plugins.
 */
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { runCli, type RunningSluice, startSluice, writeConfig } from "../support/Sluice.ts"

const pluginModule = `
import { Plugin, Effect, Schema, HttpServerResponse, HttpServerRequest } from "sluice/plugin"

const stamp = Plugin.handler({
  name: "stamp",
  config: Schema.Struct({ value: Schema.String }),
  make: (config) => Effect.succeed((app) =>
    Effect.flatMap(Effect.service(HttpServerRequest.HttpServerRequest), (req) =>
      req.url === "/short" ? Effect.succeed(HttpServerResponse.text("from plugin", { status: 202 }))
        : Effect.map(app, (res) => HttpServerResponse.setHeader(res, "x-stamp", config.value))))
})

const suffix = Plugin.modifier({
  name: "suffix",
  config: Schema.Struct({ field: Schema.String, value: Schema.String }),
  response: (res, _req, config) => Effect.succeed({ ...res, data: { ...res.data, [config.field]: config.value } })
})

const canned = Plugin.client({
  name: "canned",
  config: Schema.Struct({ body: Schema.Record(Schema.String, Schema.Unknown) }),
  make: (config) => Effect.succeed(Plugin.fetchClient((request) => Response.json({ ...config.body, path: new URL(request.url).pathname })))
})

export default [stamp, suffix, canned]
`

const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-plugins-"))
  writeFileSync(join(dir, "kinds.plugin.mjs"), pluginModule)
  writeFileSync(join(dir, "ignored.mjs"), "export default 42\n")
  return dir
}

const configFor = (dir: string, backendUrl: string, suffixSettings: unknown = { field: "via", value: "suffix" }) => ({
  version: 3,
  plugin: { folder: dir, pattern: ".plugin." },
  extra_config: { "plugin/http-server": { name: ["stamp"], stamp: { value: "s1" } } },
  endpoints: [
    {
      endpoint: "/mix",
      extra_config: { "plugin/req-resp-modifier": { name: ["suffix"], suffix: suffixSettings } },
      backend: [
        { host: ["http://canned.invalid"], url_pattern: "/c/1", extra_config: { "plugin/http-client": { name: "canned", canned: { body: { canned: true } } } } },
        { host: [backendUrl], url_pattern: "/real" }
      ]
    }
  ]
})

describe("sluice run with a plugin folder", () => {
  let real: Backend.Backend
  let gw: RunningSluice
  let dir: string
  beforeAll(async () => {
    real = await Backend.start((_req, res) => Backend.json(res, 200, { real: 1 }))
    dir = folder()
    gw = await startSluice(configFor(dir, real.url))
  })
  afterAll(async () => {
    await gw?.stop()
    await real?.close()
  })

  it("the three kinds from the .mjs module: handler header, modifier field, client answer next to a default-client sibling", async () => {
    const res = await fetch(`${gw.url}/mix`)
    expect(res.status).toBe(200)
    expect(res.headers.get("x-stamp")).toBe("s1")
    expect(await res.json()).toEqual({ canned: true, path: "/c/1", real: 1, via: "suffix" })
    expect(real.requests.map((r) => r.url)).toEqual(["/real"])
  })

  it("the handler answers by itself and sees /__health", async () => {
    const short = await fetch(`${gw.url}/short`)
    expect([short.status, await short.text()]).toEqual([202, "from plugin"])
    const health = await fetch(`${gw.url}/__health`)
    expect([health.status, health.headers.get("x-stamp")]).toEqual([200, "s1"])
  })

  it("a bad plugin setting fails the start with exit 1 and the field's path", async () => {
    const out = await runCli(["run", "-c", writeConfig(configFor(dir, real.url, { field: 1, value: "x" })), "-p", "0", "--workers", "1"])
    expect(out.code).toBe(1)
    expect(out.stderr + out.stdout).toContain(
      "$.endpoints[0].extra_config[\"plugin/req-resp-modifier\"].suffix.field: plugin suffix: Expected string, got 1"
    )
  })

  it("sluice plugins lists the plugins with their kind and checks every configured use", async () => {
    const ok = await runCli(["plugins", "-c", writeConfig(configFor(dir, real.url))])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain(`handler   stamp`)
    expect(ok.stdout).toContain(`modifier  suffix`)
    expect(ok.stdout).toContain(`client    canned`)
    expect(ok.stdout).toContain(`[OK] $.endpoints[0].extra_config["plugin/req-resp-modifier"].suffix`)
    const bad = await runCli(["plugins", "-c", writeConfig(configFor(dir, real.url, { field: "f" }))])
    expect(bad.code).toBe(1)
    expect(bad.stdout).toContain(`[KO] $.endpoints[0].extra_config["plugin/req-resp-modifier"].suffix`)
    expect(bad.stdout).toContain(`$.endpoints[0].extra_config["plugin/req-resp-modifier"].suffix.value: plugin suffix: missing required key`)
  })
})

describe("a plugin folder or module that cannot be loaded (KrakenD's loader: logged and left out)", () => {
  let real: Backend.Backend
  let dir: string
  beforeAll(async () => {
    real = await Backend.start((_req, res) => Backend.json(res, 200, { real: 1 }))
    dir = folder()
    writeFileSync(join(dir, "broken.plugin.mjs"), `throw new Error("boom while loading")\n`)
    writeFileSync(join(dir, "wrong.plugin.mjs"), `export default { name: "not-a-plugin" }\n`)
  })
  afterAll(async () => {
    await real?.close()
  })

  it("the start goes on with the modules that load; each failing module is a WARNING naming the file and the cause", async () => {
    const gw = await startSluice(configFor(dir, real.url))
    try {
      const res = await fetch(`${gw.url}/mix`)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ canned: true, path: "/c/1", real: 1, via: "suffix" })
      const out = gw.output()
      expect(out).toMatch(/WARN[^\n]*cannot load plugin module [^\n]*broken\.plugin\.mjs: boom while loading; its plugins are not loaded/)
      expect(out).toMatch(/WARN[^\n]*wrong\.plugin\.mjs: the default export must be a plugin/)
    } finally {
      await gw.stop()
    }
  })

  it("a missing folder starts with a WARNING when no plugin is used", async () => {
    const config = { version: 3, plugin: { folder: join(dir, "does-not-exist"), pattern: ".so" }, endpoints: [{ endpoint: "/r", backend: [{ host: [real.url], url_pattern: "/real" }] }] }
    const gw = await startSluice(config)
    try {
      expect((await fetch(`${gw.url}/r`)).status).toBe(200)
      expect(gw.output()).toMatch(/WARN[^\n]*cannot read plugin folder [^\n]*does-not-exist[^\n]*; no plugin is loaded from it/)
    } finally {
      await gw.stop()
    }
  })

  it("using a plugin that did not load still fails the start with the path (fail closed)", async () => {
    const config = {
      ...configFor(join(dir, "does-not-exist"), real.url),
      extra_config: {}
    }
    const out = await runCli(["run", "-c", writeConfig(config), "-p", "0", "--workers", "1"])
    expect(out.code).toBe(1)
    expect(out.stderr + out.stdout).toContain(`$.endpoints[0].extra_config["plugin/req-resp-modifier"].name`)
    expect(out.stderr + out.stdout).toContain("suffix")
  })
})
