/**
 * `examples/telemetry.json`: the example with telemetry on, pointed at a loopback collector and a
 * free Prometheus port. A request continued from a caller's `traceparent` is sampled whatever the
 * 10% rate says (parent-based), reaches the collector, and shows in the scrape.
 */
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Otlp from "../support/Otlp.ts"
import { freePort, type RunningSluice, startSluice } from "../support/Sluice.ts"

describe("examples/telemetry.json", () => {
  let collector: Otlp.Collector
  let gw: RunningSluice
  let promPort: number

  beforeAll(async () => {
    collector = await Otlp.start()
    promPort = await freePort()
    const port = await freePort()
    const config = JSON.parse(readFileSync(new URL("../../examples/telemetry.json", import.meta.url), "utf8")) as {
      extra_config: { "telemetry/opentelemetry": { exporters: { otlp: Array<Record<string, unknown>>; prometheus: Array<Record<string, unknown>> } } }
    }
    const otel = config.extra_config["telemetry/opentelemetry"]
    otel.exporters.otlp[0]!["port"] = collector.port
    otel.exporters.prometheus[0]!["port"] = promPort
    gw = await startSluice({ ...config, port, listen_ip: "127.0.0.1", host: [`http://127.0.0.1:${port}`] }, ["-p", String(port)])
  })
  afterAll(async () => {
    await gw?.stop()
    await collector?.close()
  })

  it("a sampled caller's trace reaches the collector; the backend sees the traceparent; metrics are scraped", async () => {
    const trace = "5bf92f3577b34da6a3ce929d0e0e4736"
    const res = await fetch(`${gw.url}/users/3`, { headers: { traceparent: `00-${trace}-00f067aa0ba902b7-01` } })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { req_headers: { Traceparent: Array<string> } }
    expect(body.req_headers.Traceparent[0]).toMatch(new RegExp(`^00-${trace}-[0-9a-f]{16}-01$`))
    const scrape = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text()
    expect(scrape).toMatch(/^http_server_duration_count\{[^}]*http_route="\/users\/:id"[^}]*\} 1$/m)
    expect(scrape).toMatch(/^process_resident_memory_bytes \d+/m)
    await gw.stop()
    expect(collector.spans.filter((s) => s.traceId === trace).map((s) => s.name)).toEqual(
      expect.arrayContaining(["/users/3", "/users/:id", "/__echo/users/:id"])
    )
    // logstash lines with the trace id of the request's log lines (none here are errors): every line is JSON
    for (const line of gw.output().trim().split("\n")) expect(() => JSON.parse(line)).not.toThrow()
  }, 20_000)
})
