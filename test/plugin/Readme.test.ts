/**
 * The README's "Writing plugins" examples run: each `ts` block (a plugin module) is imported as
 * written (its `sluice/plugin` import pointed at the source) and used with the `json` block that
 * follows it.
 */
import * as Effect from "effect/Effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import type { Plugin } from "../../src/plugin/Plugin.ts"
import { echoBackend, withGateway } from "./Support.ts"

const root = new URL("../../", import.meta.url)
const readme = readFileSync(new URL("README.md", root), "utf8")
const section = readme.slice(readme.indexOf("## Writing plugins"), readme.indexOf("\n## ", readme.indexOf("## Writing plugins") + 5))
const blocks = [...section.matchAll(/```(ts|json)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, code: m[2]! }))
const pairs = blocks.flatMap((b, i) => (b.lang === "ts" && blocks[i + 1]?.lang === "json" ? [[b.code, blocks[i + 1]!.code] as const] : []))

const load = async (code: string): Promise<Plugin.Any> => {
  const source = code.replaceAll("\"sluice/plugin\"", JSON.stringify(new URL("src/plugin/Plugin.ts", root).href))
  const module = await import(`data:text/javascript;base64,${Buffer.from(source).toString("base64")}`) as { default: Plugin.Any }
  return module.default
}

describe("README: Writing plugins", () => {
  it("has one example of each kind, each with its config", async () => {
    const kinds = await Promise.all(pairs.map(([code]) => load(code).then((p) => p.kind)))
    expect(kinds).toEqual(["handler", "modifier", "client"])
  })

  it("the three examples work together in a gateway", async () => {
    const plugins = await Promise.all(pairs.map(([code]) => load(code)))
    const [server, modifier, client] = pairs.map(([, json]) => (JSON.parse(`{${json}}`) as { extra_config: Record<string, unknown> }).extra_config)
    const config = {
      version: 3,
      extra_config: server,
      endpoints: [
        { endpoint: "/m", input_headers: ["X-Block"], extra_config: modifier, backend: [{ host: ["http://b1"], url_pattern: "/b" }] },
        { endpoint: "/c", backend: [{ host: ["http://hello"], url_pattern: "/p/1", extra_config: client }] }
      ]
    }
    await withGateway({ config, plugins, backends: { "http://b1": echoBackend } }, (gw) =>
      Effect.gen(function*() {
        const m = yield* gw.request("/m")
        expect([m.status, m.headers["x-powered-by"], (m.json() as { tag: string }).tag]).toEqual([200, "sluice", "v1"])
        const blocked = yield* gw.request("/m", { headers: { "x-block": "1" } })
        expect(blocked.status).toBe(403)
        const c = yield* gw.request("/c")
        expect([c.status, c.json()]).toEqual([200, { greeting: "hi", path: "/p/1" }])
      }))
  })
})
