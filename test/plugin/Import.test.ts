/**
 * Sluice as an installed package: `npm run build` compiles src/ and plugins/ into dist/, `npm pack`
 * packs it, and the tarball is unpacked into `node_modules/sluice` of a temp project (its
 * dependencies symlinked from this repository's node_modules, so no network). There, Node imports
 * `sluice`, `sluice/plugin` and `sluice/testing` (from dist/: Node does not strip types under
 * node_modules), the installed `sluice` bin runs, and a plugin folder elsewhere importing
 * `sluice/plugin` resolves to that installed copy. In this repository, `sluice` resolves to the sources.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { Plugin } from "sluice"
import * as Source from "../../src/plugin/Plugin.ts"

const root = new URL("../../", import.meta.url).pathname
const npm = (args: ReadonlyArray<string>, cwd: string) =>
  execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })

const node = (args: ReadonlyArray<string>, cwd: string) =>
  execFileSync(process.execPath, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })

const consumer = `
import * as Effect from "effect/Effect"
import { Config, Gateway, Plugin, version } from "sluice"
import * as P from "sluice/plugin"
import * as Testing from "sluice/testing"

const decoded = await Effect.runPromise(Config.decode({
  version: 3,
  endpoints: [{ endpoint: "/users/{id}", backend: [{ host: ["http://users"], url_pattern: "/u/{id}" }] }]
}))
console.log(JSON.stringify({
  version,
  endpoint: decoded.config.endpoints[0].endpoint,
  backend: decoded.config.endpoints[0].backend[0].url_pattern,
  gateway: typeof Gateway.makeApp,
  samePlugin: P.Plugin === Plugin,
  testing: Object.keys(Testing).length > 0
}))
`

const pluginModule = `
import { Effect, HttpServerResponse, Plugin, Schema } from "sluice/plugin"
export default Plugin.handler({
  name: "installed",
  config: Schema.Struct({ value: Schema.String }),
  make: (config) => Effect.succeed((app) => Effect.map(app, (res) => HttpServerResponse.setHeader(res, "x-v", config.value)))
})
`

describe("sluice as an installed package", () => {
  let project: string
  beforeAll(() => {
    npm(["run", "build", "--silent"], root)
    const packs = mkdtempSync(join(tmpdir(), "sluice-pack-"))
    const tarball = join(packs, npm(["pack", "--ignore-scripts", "--silent", "--pack-destination", packs], root).trim().split("\n").at(-1)!)
    project = mkdtempSync(join(tmpdir(), "sluice-consumer-"))
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }))
    const modules = join(project, "node_modules")
    mkdirSync(join(modules, "sluice"), { recursive: true })
    execFileSync("tar", ["-xzf", tarball, "-C", join(modules, "sluice"), "--strip-components=1"])
    for (const name of readdirSync(join(root, "node_modules"))) {
      if (name !== "sluice" && name !== ".bin") symlinkSync(join(root, "node_modules", name), join(modules, name))
    }
  }, 60_000)

  it("imports sluice, sluice/plugin and sluice/testing from dist and decodes a config", () => {
    writeFileSync(join(project, "consumer.mjs"), consumer)
    expect(JSON.parse(node(["consumer.mjs"], project))).toEqual({
      version: "0.1.0",
      endpoint: "/users/{id}",
      backend: "/u/{id}",
      gateway: "function",
      samePlugin: true,
      testing: true
    })
  })

  it("the installed bin runs the built CLI and loads a plugin folder (outside the project) importing sluice/plugin", () => {
    const plugins = mkdtempSync(join(tmpdir(), "sluice-plugs-"))
    writeFileSync(join(plugins, "v.plugin.mjs"), pluginModule)
    writeFileSync(join(project, "gateway.json"), JSON.stringify({
      version: 3,
      plugin: { folder: plugins, pattern: ".plugin." },
      extra_config: { "plugin/http-server": { name: ["installed"], installed: { value: "1" } } },
      endpoints: []
    }))
    const out = node([join(project, "node_modules/sluice/bin/sluice.mjs"), "plugins", "-c", "gateway.json"], project)
    expect(out).toContain("handler   installed")
    expect(out).toContain(`[OK] $.extra_config["plugin/http-server"].installed`)
  })

  it("the packed files hold dist/ JavaScript with declarations, not only TypeScript sources", () => {
    const dist = readdirSync(join(project, "node_modules/sluice/dist/src"))
    expect(dist).toContain("index.js")
    expect(dist).toContain("index.d.ts")
  })

  it("in this repository, sluice resolves to the sources (one module instance with src/)", () => {
    expect(Plugin.handler).toBe(Source.handler)
  })
})
