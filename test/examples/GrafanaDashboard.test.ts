/**
 * `examples/grafana-dashboard.json` against a real scrape: every metric a panel queries is one a
 * running `sluice run` exports (after answered, failed, timed-out and canceled backend calls), and
 * every label a panel groups or filters by is on that metric's samples.
 */
import parsePrometheus from "parse-prometheus-text-format"
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { freePort, type RunningSluice, startSluice } from "../support/Sluice.ts"

interface Dashboard {
  readonly panels: ReadonlyArray<{ readonly title: string; readonly targets: ReadonlyArray<{ readonly expr: string }> }>
}

const dashboard = JSON.parse(readFileSync(new URL("../../examples/grafana-dashboard.json", import.meta.url), "utf8")) as Dashboard

/** Labels Prometheus adds itself (`job`, `instance`), the histogram's `le`, and `worker` (only with --workers N). */
const added = new Set(["job", "instance", "le", "worker"])

/** The metric names and labels one PromQL expression uses. */
const uses = (expr: string) => {
  const metrics = [...expr.matchAll(/([a-z_][a-z0-9_]*)\{([^}]*)\}/g)].map((m) => ({
    name: m[1]!,
    labels: [...m[2]!.matchAll(/([a-z_]+)\s*=~?/g)].map((l) => l[1]!)
  }))
  const grouped = [...expr.matchAll(/by \(([^)]*)\)/g)].flatMap((m) => m[1]!.split(",").map((l) => l.trim()))
  return { metrics, grouped }
}

let backend: Backend.Backend
let gw: RunningSluice
let promPort: number

beforeAll(async () => {
  backend = await Backend.start((req, res) => {
    if (req.url === "/slow") setTimeout(() => Backend.json(res, 200, {}), 1_000)
    else Backend.json(res, req.url === "/fail" ? 500 : 200, { ok: true })
  })
  promPort = await freePort()
  gw = await startSluice({
    version: 3,
    host: [backend.url],
    extra_config: {
      "telemetry/opentelemetry": {
        exporters: { prometheus: [{ name: "scrape", port: promPort, listen_ip: "127.0.0.1", process_metrics: true }] }
      }
    },
    endpoints: [
      { endpoint: "/ok", backend: [{ url_pattern: "/ok" }] },
      { endpoint: "/fail", backend: [{ url_pattern: "/fail" }] },
      { endpoint: "/timeout", timeout: "100ms", backend: [{ url_pattern: "/slow" }] },
      { endpoint: "/cancel", backend: [{ url_pattern: "/slow" }] }
    ]
  })
})
afterAll(async () => {
  await gw?.stop()
  await backend?.close()
})

describe("examples/grafana-dashboard.json", () => {
  it("queries only metrics and labels a running gateway exports", async () => {
    expect((await fetch(`${gw.url}/ok`)).status).toBe(200)
    expect((await fetch(`${gw.url}/fail`)).status).toBe(500)
    expect((await fetch(`${gw.url}/timeout`)).status).toBe(500)
    const aborted = new AbortController()
    const cancelled = fetch(`${gw.url}/cancel`, { signal: aborted.signal }).catch(() => "aborted")
    // the backend got both slow calls (the timed-out one and this one)
    while (backend.requests.filter((r) => r.url === "/slow").length < 2) {
      await new Promise((r) => setTimeout(r, 20))
    }
    aborted.abort()
    expect(await cancelled).toBe("aborted")
    await new Promise((r) => setTimeout(r, 200))

    const text = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text()
    const families = parsePrometheus(text.split("\n").filter((line) => !line.startsWith("#")).join("\n"))
    const labelsOf = new Map<string, Set<string>>()
    for (const family of families) {
      const labels = labelsOf.get(family.name) ?? new Set<string>()
      for (const sample of family.metrics) for (const l of Object.keys(sample.labels ?? {})) labels.add(l)
      labelsOf.set(family.name, labels)
    }

    const queried = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, ...uses(t.expr) })))
    expect(queried.length).toBeGreaterThanOrEqual(10)
    for (const { panel, metrics, grouped } of queried) {
      expect(metrics.length, panel).toBeGreaterThan(0)
      for (const metric of metrics) {
        const labels = labelsOf.get(metric.name)
        expect(labels, `${panel}: ${metric.name} is not exported`).toBeDefined()
        for (const label of [...metric.labels, ...grouped].filter((l) => !added.has(l))) {
          expect(labels?.has(label), `${panel}: ${metric.name} has no label ${label}`).toBe(true)
        }
      }
    }
  }, 20_000)
})
