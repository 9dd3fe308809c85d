/**
 * `sluice plugin-init FOLDER`: a plugin folder outside the project type-checks against the running
 * Sluice with `tsc -p FOLDER` (a type error in a plugin is reported at its line), and the folder
 * still loads as a plugin folder (its node_modules is not scanned).
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { runCli, startSluice } from "../support/Sluice.ts"

const tsc = new URL("../../node_modules/.bin/tsc", import.meta.url).pathname

const typecheck = (dir: string): { readonly code: number; readonly out: string } => {
  try {
    return { code: 0, out: execFileSync(tsc, ["-p", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }) }
  } catch (e) {
    const failure = e as { readonly status: number; readonly stdout: string }
    return { code: failure.status, out: failure.stdout }
  }
}

const good = `import { Effect, Plugin, Schema } from "sluice/plugin"
import * as Option from "effect/Option"

export default Plugin.modifier({
  name: "tag",
  config: Schema.Struct({ value: Schema.String }),
  response: (res, _req, config) => Effect.succeed({ ...res, data: { ...res.data, tag: Option.getOrElse(Option.some(config.value), () => "") } })
})
`

const js = `import { Effect, Plugin, Schema } from "sluice/plugin"
export default Plugin.modifier({
  name: "js-tag",
  config: Schema.Struct({ value: Schema.String }),
  response: (res, _req, config) => Effect.succeed({ ...res, data: { ...res.data, js: config.value } })
})
`

const bad = `import { Effect, Plugin, Schema } from "sluice/plugin"
export default Plugin.modifier({
  name: "bad",
  config: Schema.Struct({ value: Schema.Number }),
  request: (req, config) => Effect.succeed({ ...req, headers: { ...req.headers, "X-V": config.value } })
})
`

describe("sluice plugin-init", () => {
  it("writes a folder that tsc type-checks against this Sluice, and that still loads at run time", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "sluice-init-")), "plugins")
    const init = await runCli(["plugin-init", dir])
    expect(init.code).toBe(0)
    expect(init.stdout).toContain("tsconfig.json")
    expect(init.stdout).toContain(`-p ${dir}`)
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))).toEqual({ private: true, type: "module" })

    writeFileSync(join(dir, "good.plugin.ts"), good)
    writeFileSync(join(dir, "js.plugin.mjs"), js)
    expect(typecheck(dir)).toEqual({ code: 0, out: "" })

    writeFileSync(join(dir, "bad.plugin.ts"), bad)
    const failed = typecheck(dir)
    expect(failed.code).not.toBe(0)
    expect(failed.out).toMatch(/bad\.plugin\.ts\(5,3\): error TS2322/)
    expect(failed.out).toContain("Type 'number' is not assignable to type 'readonly string[]'")
    rmSync(join(dir, "bad.plugin.ts"))

    // a second run keeps the JSON files and replaces the links
    writeFileSync(join(dir, "tsconfig.json"), readFileSync(join(dir, "tsconfig.json"), "utf8").replace("\"strict\": true", "\"strict\": true "))
    const again = await runCli(["plugin-init", dir])
    expect(again.code).toBe(0)
    expect(again.stdout).not.toContain("tsconfig.json\n")
    expect(typecheck(dir).code).toBe(0)

    const backend = await Backend.start((_req, res) => Backend.json(res, 200, { a: 1 }))
    const gw = await startSluice({
      version: 3,
      plugin: { folder: dir, pattern: ".plugin." },
      endpoints: [{
        endpoint: "/e",
        extra_config: { "plugin/req-resp-modifier": { name: ["tag", "js-tag"], tag: { value: "t" }, "js-tag": { value: "j" } } },
        backend: [{ host: [backend.url], url_pattern: "/" }]
      }]
    })
    try {
      expect(await (await fetch(`${gw.url}/e`)).json()).toEqual({ a: 1, tag: "t", js: "j" })
    } finally {
      await gw.stop()
      await backend.close()
    }
  }, 60_000)
})
