/**
 * `telemetry/logging.format: "logstash"`: every line of `sluice run` is one JSON object with
 * krakend-logstash's fields (`@timestamp` with microseconds and offset, `@version` 1, `host`,
 * `level`, `message`, `module` = the prefix), credentials still redacted (G7).
 */
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { hostname } from "node:os"
import { describe, expect, it } from "vitest"
import * as Logging from "../../src/server/Logging.ts"
import * as Backend from "../support/Backend.ts"
import { startSluice } from "../support/Sluice.ts"

describe("logstash log lines", () => {
  it("sluice run writes JSON lines with krakend-logstash's fields", async () => {
    const backend = await Backend.start((_req, res) => Backend.json(res, 500, {}))
    const gw = await startSluice({
      version: 3,
      extra_config: { "telemetry/logging": { level: "INFO", prefix: "[GW]", format: "logstash" } },
      endpoints: [{ endpoint: "/x", backend: [{ host: [backend.url], url_pattern: "/x" }] }]
    })
    try {
      expect((await fetch(`${gw.url}/x`)).status).toBe(500)
      await new Promise((resolve) => setTimeout(resolve, 100))
      const lines = gw.output().trim().split("\n")
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
      expect(records.length).toBeGreaterThanOrEqual(2)
      for (const record of records) {
        expect(record).toMatchObject({ "@version": 1, host: hostname(), module: "[GW]" })
        expect(record["@timestamp"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d$/)
        expect(["INFO", "WARNING", "ERROR"]).toContain(record["level"])
      }
      expect(records.some((r) => typeof r["message"] === "string" && (r["message"] as string).includes("listening on"))).toBe(true)
      expect(records.some((r) => r["level"] === "ERROR" && (r["message"] as string).includes("[ENDPOINT: /x]"))).toBe(true)
      // the access log line is a record too, its message gin's line
      expect(records.some((r) => r["level"] === "INFO" && /^\[GIN\] .* \| 500 \| .* \| GET      "\/x"$/.test(r["message"] as string))).toBe(true)
    } finally {
      await gw.stop()
      await backend.close()
    }
  })

  it("annotations become fields; credential values are redacted", () => {
    const lines: Array<string> = []
    const logger = Logging.makeLogstash("", (line) => lines.push(line))
    Effect.runSync(
      Effect.logWarning("request", { headers: { Authorization: "Bearer secret", "X-Ok": "1" } }).pipe(
        Effect.annotateLogs({ plugin: "p1" }),
        Effect.provide(Logger.layer([logger]))
      )
    )
    const record = JSON.parse(lines[0]!) as Record<string, unknown>
    expect(record).toMatchObject({ level: "WARNING", module: "SLUICE", plugin: "p1" })
    expect(record["message"]).toContain("\"Authorization\":\"[REDACTED]\"")
    expect(record["message"]).toContain("\"X-Ok\":\"1\"")
    expect(lines[0]).not.toContain("secret")
  })
})
