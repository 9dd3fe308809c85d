/**
 * The README's "Writing plugins" examples run: each `ts` block (a plugin module) is written
 * unmodified (its `import ... from "sluice/plugin"` included) into a temp folder outside the
 * repository, which `sluice plugins` and `sluice run` load as the config's plugin folder, with the
 * `json` block that follows each module.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { runCli, type RunningSluice, startSluice, writeConfig } from "../support/Sluice.ts"

const root = new URL("../../", import.meta.url)
const readme = readFileSync(new URL("README.md", root), "utf8")
const section = readme.slice(readme.indexOf("## Writing plugins"), readme.indexOf("\n## ", readme.indexOf("## Writing plugins") + 5))
const blocks = [...section.matchAll(/```(ts|json)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, code: m[2]! }))
const pairs = blocks.flatMap((b, i) => (b.lang === "ts" && blocks[i + 1]?.lang === "json" ? [[b.code, blocks[i + 1]!.code] as const] : []))

const folder = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-readme-"))
  pairs.forEach(([code], i) => writeFileSync(join(dir, `example${i}.plugin.mjs`), code))
  return dir
}

const configFor = (dir: string, backendUrl: string) => {
  const [server, modifier, client] = pairs.map(([, json]) => (JSON.parse(`{${json}}`) as { extra_config: Record<string, unknown> }).extra_config)
  return {
    version: 3,
    plugin: { folder: dir, pattern: ".plugin." },
    extra_config: server,
    endpoints: [
      { endpoint: "/m", input_headers: ["X-Block"], extra_config: modifier, backend: [{ host: [backendUrl], url_pattern: "/b" }] },
      { endpoint: "/c", backend: [{ host: ["http://hello"], url_pattern: "/p/1", extra_config: client }] }
    ]
  }
}

describe("README: Writing plugins", () => {
  let backend: Backend.Backend
  let dir: string
  let gw: RunningSluice
  beforeAll(async () => {
    backend = await Backend.start((req, res) => Backend.json(res, 200, { path: req.url }))
    dir = folder()
    gw = await startSluice(configFor(dir, backend.url))
  })
  afterAll(async () => {
    await gw?.stop()
    await backend?.close()
  })

  it("has one example of each kind, each importing \"sluice/plugin\" and followed by its config", () => {
    expect(pairs.map(([code]) => /^import \{[^}]*\} from "sluice\/plugin"$/m.test(code))).toEqual([true, true, true])
  })

  it("sluice plugins loads the unmodified modules from a folder outside the repo and accepts their configs", async () => {
    const out = await runCli(["plugins", "-c", writeConfig(configFor(dir, backend.url))])
    expect(out.code).toBe(0)
    expect(out.stdout).toContain("handler   powered-by")
    expect(out.stdout).toContain("modifier  tag")
    expect(out.stdout).toContain("client    hello")
    expect(out.stdout).toContain(`[OK] $.extra_config["plugin/http-server"]["powered-by"]`)
    expect(out.stdout).toContain(`[OK] $.endpoints[0].extra_config["plugin/req-resp-modifier"].tag`)
    expect(out.stdout).toContain(`[OK] $.endpoints[1].backend[0].extra_config["plugin/http-client"].hello`)
  })

  it("the three examples work together in sluice run", async () => {
    const m = await fetch(`${gw.url}/m`)
    expect([m.status, m.headers.get("x-powered-by"), await m.json()]).toEqual([200, "sluice", { path: "/b", tag: "v1" }])
    const blocked = await fetch(`${gw.url}/m`, { headers: { "x-block": "1" } })
    expect(blocked.status).toBe(403)
    const c = await fetch(`${gw.url}/c`)
    expect([c.status, await c.json()]).toEqual([200, { greeting: "hi", path: "/p/1" }])
    expect(backend.requests.map((r) => r.url)).toEqual(["/b"])
  })

  it("the handler answers JSON by itself and also sees /__health", async () => {
    const v = await fetch(`${gw.url}/version`)
    expect([v.status, v.headers.get("content-type"), await v.json()]).toEqual([200, "application/json", { version: "sluice" }])
    const health = await fetch(`${gw.url}/__health`)
    expect([health.status, health.headers.get("x-powered-by")]).toEqual([200, "sluice"])
  })
})
