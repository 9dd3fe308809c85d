/**
 * U6 — the timeout hierarchy is validated in config: backend (`sluice/backend.timeout`) ≤
 * endpoint ≤ `write_timeout` (fixtures in test/config/fixtures/invalid/14-*), and timeouts above
 * 60 s are accepted with a warning.
 */
import { describe, expect, it } from "vitest"
import * as Config from "../../src/config/Config.ts"

const decode = (json: Record<string, unknown>) => Config.decodeResult({ version: 3, host: ["h"], ...json })

describe("U6 timeout hierarchy", () => {
  it("U6 a timeout above 60 s is accepted with a warning at its path (once for the inherited service timeout)", () => {
    const r = decode({
      timeout: "90s",
      endpoints: [
        { endpoint: "/a", backend: [{ url_pattern: "/a" }] },
        { endpoint: "/b", backend: [{ url_pattern: "/b" }] },
        { endpoint: "/c", timeout: "2m", backend: [{ url_pattern: "/c" }] },
        { endpoint: "/d", timeout: "60s", backend: [{ url_pattern: "/d" }] }
      ]
    })
    expect(r._tag).toBe("Success")
    const warnings = r._tag === "Success" ? r.decoded.warnings.filter((w) => w.message.includes("above 60s")) : []
    expect(warnings.map((w) => w.path)).toEqual(["$.timeout", "$.endpoints[2].timeout"])
  })

  it("U6 equal timeouts are fine: endpoint = write_timeout, backend = endpoint", () => {
    const r = decode({
      write_timeout: "5s",
      endpoints: [{
        endpoint: "/a",
        timeout: "5s",
        backend: [{ url_pattern: "/a", extra_config: { "sluice/backend": { timeout: "5s" } } }]
      }]
    })
    expect(r._tag).toBe("Success")
  })

  it("U6 each violation is an error naming the path and both values", () => {
    const r = decode({
      write_timeout: "5s",
      endpoints: [{
        endpoint: "/a",
        timeout: "6s",
        backend: [{ url_pattern: "/a", extra_config: { "sluice/backend": { timeout: "7s" } } }]
      }]
    })
    expect(r._tag).toBe("Failure")
    const issues = r._tag === "Failure" ? r.issues : []
    expect(issues.map((i) => [i.path, i.message.split(":")[0]])).toEqual([
      ["$.endpoints[0].timeout", "timeout 6s exceeds write_timeout 5s"],
      ["$.endpoints[0].backend[0].extra_config[\"sluice/backend\"].timeout", "backend timeout 7s exceeds the endpoint timeout 6s"]
    ])
  })
})
