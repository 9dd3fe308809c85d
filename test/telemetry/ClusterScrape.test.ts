/**
 * Prometheus with `--workers 2`: the primary serves /metrics and merges every worker's scrape,
 * each sample labelled with its `worker`, each family declared once.
 */
import { request } from "node:http"
import { describe, expect, it } from "vitest"
import * as ClusterScrape from "../../src/telemetry/ClusterScrape.ts"
import * as Backend from "../support/Backend.ts"
import { freePort, startSluice } from "../support/Sluice.ts"

describe("ClusterScrape.merge", () => {
  it("keeps each family together, declared once, every sample with its worker label", () => {
    const one = "# HELP a A\n# TYPE a counter\na{x=\"1\"} 1\n# TYPE b gauge\nb 5\n"
    const two = "# HELP a A\n# TYPE a counter\na{x=\"1\"} 2\na{x=\"2\"} 3\n# TYPE b gauge\nb 7\n"
    expect(ClusterScrape.merge([["1", one], ["2", two]])).toBe(
      [
        "# HELP a A",
        "# TYPE a counter",
        "a{worker=\"1\",x=\"1\"} 1",
        "a{worker=\"2\",x=\"1\"} 2",
        "a{worker=\"2\",x=\"2\"} 3",
        "# TYPE b gauge",
        "b{worker=\"1\"} 5",
        "b{worker=\"2\"} 7",
        ""
      ].join("\n")
    )
    expect(ClusterScrape.merge([])).toBe("")
  })
})

/** A request on a fresh connection (the cluster spreads connections over the workers). */
const once = (url: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: "close" } }, (res) => {
      res.resume()
      res.on("end", () => resolve(res.statusCode ?? 0))
    })
    req.on("error", reject)
    req.end()
  })

describe("sluice run --workers 2 with a Prometheus exporter", () => {
  it("one scrape holds both workers' metrics, told apart by the worker label", async () => {
    const backend = await Backend.start((_req, res) => Backend.json(res, 200, { ok: true }))
    const promPort = await freePort()
    const port = await freePort()
    const gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      extra_config: { "telemetry/opentelemetry": { exporters: { prometheus: [{ name: "p", port: promPort, listen_ip: "127.0.0.1", process_metrics: true }] } } },
      endpoints: [{ endpoint: "/x", backend: [{ host: [backend.url], url_pattern: "/x" }] }]
    }, ["--workers", "2"], { port })
    try {
      // both workers are up once the scrape names two of them
      let text = ""
      const deadline = Date.now() + 10_000
      while (Date.now() < deadline) {
        text = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text()
        if ((text.match(/^process_resident_memory_bytes\{worker="\d+"\}/gm) ?? []).length === 2) break
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      expect(text.match(/^process_resident_memory_bytes\{worker="\d+"\} \d+/gm)).toHaveLength(2)
      expect(text.match(/^# TYPE process_resident_memory_bytes gauge$/gm)).toHaveLength(1)
      const statuses = await Promise.all(Array.from({ length: 20 }, () => once(`http://127.0.0.1:${port}/x`)))
      expect(statuses.every((s) => s === 200)).toBe(true)
      text = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text()
      const counts = [...text.matchAll(/^http_server_duration_count\{worker="\d+",[^}]*http_route="\/x"[^}]*\} (\d+)$/gm)].map((m) => Number(m[1]))
      expect(counts.reduce((a, b) => a + b, 0)).toBe(20)
    } finally {
      await gw.stop()
      await backend.close()
    }
  }, 30_000)
})
