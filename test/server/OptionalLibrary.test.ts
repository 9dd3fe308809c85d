/**
 * The libraries only some configs need are loaded when a feature that uses them is built, never
 * at start (`src/OptionalLibrary.ts`): a `sluice run` whose config uses none of JWT, CEL, Lua,
 * JSON Schema, YAML, XML, the HTTP cache or Redis resolves none of their packages, even after
 * serving; one that configures CEL and JSON Schema resolves those two and still not the others.
 */
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { startSluice } from "../support/Sluice.ts"

const hook = new URL("../support/loaded-packages.mjs", import.meta.url).pathname
const optional = ["jose", "@marcbachmann/cel-js", "wasmoon", "ajv", "ajv-formats", "ajv-draft-04", "yaml", "fast-xml-parser", "http-cache-semantics", "ioredis"]

/** Runs the config, sends `paths`, stops, and returns the package specifiers the process resolved. */
const packagesLoaded = async (config: unknown, paths: ReadonlyArray<string>): Promise<ReadonlyArray<string>> => {
  const out = join(mkdtempSync(join(tmpdir(), "sluice-loaded-")), "packages.txt")
  const gw = await startSluice(config, [], { env: { NODE_OPTIONS: `--import ${hook}`, SLUICE_LOADED_OUT: out } })
  try {
    for (const path of paths) expect((await fetch(`${gw.url}${path}`)).status).toBe(200)
  } finally {
    await gw.stop()
  }
  return readFileSync(out, "utf8").split("\n")
}

const loadedOf = (specifiers: ReadonlyArray<string>) => optional.filter((name) => specifiers.some((s) => s === name || s.startsWith(`${name}/`)))

describe("optional libraries", () => {
  let backend: Backend.Backend
  beforeAll(async () => {
    backend = await Backend.start((_req, res) => Backend.json(res, 200, { id: 1 }))
  })
  afterAll(() => backend.close())

  it("a gateway that configures none of their features loads none of them, serving included", async () => {
    const loaded = await packagesLoaded({
      version: 3,
      extra_config: { security: { cors: { allow_origins: ["*"] } }, router: { disable_access_log: true } },
      endpoints: [
        { endpoint: "/json", backend: [{ host: [backend.url], url_pattern: "/a" }], extra_config: { "qos/ratelimit/router": { max_rate: 100 } } },
        { endpoint: "/noop", output_encoding: "no-op", backend: [{ host: [backend.url], url_pattern: "/a" }] }
      ]
    }, ["/json", "/noop"])
    expect(loaded).toContain("undici") // the hook saw the process's packages
    expect(loadedOf(loaded)).toEqual([])
  })

  it("CEL and JSON Schema load their own libraries, and only those", async () => {
    const loaded = await packagesLoaded({
      version: 3,
      extra_config: { router: { disable_access_log: true } },
      endpoints: [{
        endpoint: "/checked",
        backend: [{ host: [backend.url], url_pattern: "/a" }],
        extra_config: {
          "validation/cel": [{ check_expr: "req_method == 'GET'" }],
          "validation/json-schema": { type: "object" }
        }
      }]
    }, [])
    expect(loadedOf(loaded)).toEqual(["@marcbachmann/cel-js", "ajv"]) // a 2020-12 schema: no formats, no draft-04
  })
})
