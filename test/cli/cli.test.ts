import { describe, expect, it } from "vitest"
import { runCli, writeConfig } from "../support/Sluice.ts"

describe("sluice check", () => {
  it("exits 0 on the example gateway and lists nothing fatal", async () => {
    const r = await runCli(["check", "-c", "examples/gateway.json"])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("Syntax OK!")
  })

  it("exits 1 and names the JSON path of every error", async () => {
    const file = writeConfig({
      version: 3,
      endpoints: [
        { endpoint: "/a/{id}", backend: [{ host: ["http://127.0.0.1:1"], url_pattern: "/x/{nope}" }] },
        { endpoint: "/b", backend: [{ host: ["http://127.0.0.1:1"], url_patern: "/b" }] }
      ]
    })
    const r = await runCli(["check", "-c", file])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("$.endpoints[0].backend[0].url_pattern")
    expect(r.stderr).toContain("$.endpoints[1].backend[0].url_patern")
    expect(r.stderr).toContain('did you mean "url_pattern"')
  })

  it("lists namespaces Sluice does not implement yet, with their path, and still exits 0", async () => {
    const file = writeConfig({
      version: 3,
      extra_config: { "telemetry/influx": { db: "x" } },
      endpoints: [{ endpoint: "/a", backend: [{ host: ["http://127.0.0.1:1"], url_pattern: "/a" }] }]
    })
    const r = await runCli(["check", "-c", file])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("$.extra_config[\"telemetry/influx\"]")
  })

  it("exits 1 on a config with version 2", async () => {
    const file = writeConfig({ version: 2, endpoints: [] })
    const r = await runCli(["check", "-c", file])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("$.version")
  })
})

describe("sluice run", () => {
  it("refuses to start on a bad config, before listening, exit 1", async () => {
    const file = writeConfig({ version: 3, endpoints: [{ endpoint: "/a", backend: [] }] })
    const r = await runCli(["run", "-c", file, "-p", "0"])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("$.endpoints[0].backend")
    expect(r.stdout).not.toContain("listening")
  })
})

describe("sluice schema", () => {
  it("prints a JSON Schema of the config", async () => {
    const r = await runCli(["schema"])
    expect(r.code).toBe(0)
    const schema = JSON.parse(r.stdout) as { properties?: Record<string, unknown> }
    expect(schema.properties).toHaveProperty("endpoints")
    expect(schema.properties).toHaveProperty("version")
  })
})

describe("sluice check with plugins", () => {
  it("exits 1 on a plugin use that does not decode, naming its path", async () => {
    const file = writeConfig({
      version: 3,
      endpoints: [
        {
          endpoint: "/a",
          extra_config: { "plugin/req-resp-modifier": { name: ["rewrite"], rewrite: { reject_if: { header: "X", status: 200, message: "no" } } } },
          backend: [
            {
              host: ["http://127.0.0.1:1"],
              url_pattern: "/a",
              extra_config: { "plugin/http-client": { name: "helo" } }
            }
          ]
        }
      ]
    })
    const r = await runCli(["check", "-c", file])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('$.endpoints[0].extra_config["plugin/req-resp-modifier"].rewrite.reject_if.status')
    expect(r.stderr).toContain("helo")
    expect(r.stdout).not.toContain("Syntax OK")
  })
})
