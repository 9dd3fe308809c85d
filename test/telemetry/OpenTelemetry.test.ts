/**
 * `telemetry/opentelemetry` through `sluice run`, with real components: an OTLP/HTTP collector
 * on loopback decoding the OTLP/JSON the gateway sends, a backend reading the `traceparent` it
 * gets, and the Prometheus endpoint scraped and parsed with a text-format parser.
 */
import parsePrometheus from "parse-prometheus-text-format"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import * as Otlp from "../support/Otlp.ts"
import { freePort, type RunningSluice, startSluice } from "../support/Sluice.ts"

const traceparentRe = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/

/**
 * The scrape as samples by name (`http_server_duration_count`, …) with their labels, and the
 * declared TYPE of each family. The parser reads every sample line (labels, escapes, values); HELP
 * and TYPE lines are left to a regular expression because the parser merges the series of a
 * labelled histogram into one.
 */
const scrape = async (port: number) => {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`)
  expect(res.status).toBe(200)
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8")
  const text = await res.text()
  const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const))
  // without HELP/TYPE lines every run of sample lines of one name is its own family
  const samples = parsePrometheus(text.split("\n").filter((line) => !line.startsWith("#")).join("\n"))
  return { types, samples }
}

type Scrape = Awaited<ReturnType<typeof scrape>>

/** The samples named `name` whose labels include `labels`. */
const samples = (scraped: Scrape, name: string, labels: Record<string, string> = {}) =>
  scraped.samples.filter((f) => f.name === name).flatMap((f) => f.metrics).filter((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)
  )

const value = (scraped: Scrape, name: string, labels: Record<string, string> = {}): number =>
  samples(scraped, name, labels).reduce((n, m) => n + Number(m.value), 0)

describe("telemetry/opentelemetry: traces to an OTLP collector, metrics to Prometheus and OTLP", () => {
  let collector: Otlp.Collector
  let backend: Backend.Backend
  let gw: RunningSluice
  let promPort: number

  beforeAll(async () => {
    collector = await Otlp.start()
    backend = await Backend.start((req, res) => Backend.json(res, req.url === "/u/missing" ? 404 : 200, { id: req.url }))
    promPort = await freePort()
    gw = await startSluice({
      version: 3,
      name: "otel-test",
      extra_config: {
        "telemetry/opentelemetry": {
          service_name: "sluice-under-test",
          metric_reporting_period: 1,
          exporters: {
            otlp: [{ name: "local", host: "http://127.0.0.1", port: collector.port, use_http: true }],
            prometheus: [{ name: "prom", port: promPort, listen_ip: "127.0.0.1", process_metrics: true }]
          },
          layers: { global: { traces_static_attributes: [{ key: "team", value: "edge" }] } }
        }
      },
      endpoints: [
        { endpoint: "/users/{id}", backend: [{ host: [backend.url], url_pattern: "/u/{id}" }] },
        { endpoint: "/quiet", extra_config: { "telemetry/opentelemetry": { proxy: { disable_traces: true, disable_metrics: true } } }, backend: [{ host: [backend.url], url_pattern: "/q" }] }
      ]
    })
  })
  afterAll(async () => {
    await gw?.stop()
    await backend?.close()
    await collector?.close()
  })

  it("continues the caller's trace: server → proxy → backend stage → client span, and the backend gets the client span as parent", async () => {
    const callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
    const callerSpan = "00f067aa0ba902b7"
    const res = await fetch(`${gw.url}/users/7?x=secret`, { headers: { traceparent: `00-${callerTrace}-${callerSpan}-01`, tracestate: "vendor=1" } })
    expect(res.status).toBe(200)
    const seen = backend.requests.find((r) => r.url === "/u/7")!
    const sent = traceparentRe.exec(String(seen.headers["traceparent"]))
    expect(sent?.[1]).toBe(callerTrace)
    expect(sent?.[3]).toBe("01")
    expect(seen.headers["tracestate"]).toBe("vendor=1")
    expect(seen.headers["b3"]).toBeUndefined()

    // a log line written inside a traced request names its trace and span
    const failing = "0af7651916cd43dd8448eb211c80319c"
    expect((await fetch(`${gw.url}/users/missing`, { headers: { traceparent: `00-${failing}-b7ad6b7169203331-01` } })).status).toBe(500)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(gw.output()).toMatch(new RegExp(`ERROR: \\[ENDPOINT: /users/\\{id\\}\\][^\\n]*trace_id=${failing} span_id=[0-9a-f]{16}`))

    // the spans are exported at the latest when the gateway drains
    const exited = await gw.stop()
    expect(exited).toBe(0)
    const trace = collector.spans.filter((s) => s.traceId === callerTrace)
    const byName = (name: string, kind: string) => trace.find((s) => s.name === name && s.kind === kind)!
    const server = byName("/users/7", "SPAN_KIND_SERVER")
    const proxy = byName("/users/:id", "SPAN_KIND_INTERNAL")
    const stage = byName("/u/:id", "SPAN_KIND_INTERNAL")
    const client = byName("/u/:id", "SPAN_KIND_CLIENT")
    expect(server.parentSpanId).toBe(callerSpan)
    expect(proxy.parentSpanId).toBe(server.spanId)
    expect(stage.parentSpanId).toBe(proxy.spanId)
    expect(client.parentSpanId).toBe(stage.spanId)
    expect(sent?.[2]).toBe(client.spanId)
    expect(server.attributes).toMatchObject({
      "krakend.stage": "global",
      "http.request.method": "GET",
      "http.route": "/users/:id",
      "http.response.status_code": 200,
      team: "edge"
    })
    expect(String(server.attributes["url.full"])).not.toContain("secret")
    expect(proxy.attributes).toMatchObject({ "krakend.stage": "proxy", "http.route": "/users/:id", complete: true, "http.response.status_code": 200 })
    expect(stage.attributes).toMatchObject({ "krakend.stage": "backend", "krakend.endpoint.route": "/users/:id" })
    expect(client.attributes).toMatchObject({ "krakend.stage": "backend-request", "http.response.status_code": 200, "url.full": `${backend.url}/u/7` })
    expect(collector.resources[0]).toMatchObject({ "service.name": "sluice-under-test" })
    expect(collector.requests.every((r) => r.contentType === "application/json")).toBe(true)
  }, 30_000)
})

describe("telemetry/opentelemetry metrics", () => {
  let collector: Otlp.Collector
  let backend: Backend.Backend
  let gw: RunningSluice
  let promPort: number

  beforeAll(async () => {
    collector = await Otlp.start()
    backend = await Backend.start((req, res) => Backend.json(res, req.url === "/u/missing" ? 404 : 200, { id: req.url }))
    promPort = await freePort()
    gw = await startSluice({
      version: 3,
      extra_config: {
        "telemetry/opentelemetry": {
          metric_reporting_period: 1,
          exporters: {
            otlp: [{ name: "local", host: "127.0.0.1", port: collector.port, use_http: true, disable_traces: true }],
            prometheus: [{ name: "prom", port: promPort, listen_ip: "127.0.0.1", process_metrics: true }]
          }
        }
      },
      endpoints: [
        { endpoint: "/users/{id}", backend: [{ host: [backend.url], url_pattern: "/u/{id}" }] },
        { endpoint: "/other", backend: [{ host: [backend.url], url_pattern: "/o" }] }
      ]
    })
  })
  afterAll(async () => {
    await gw?.stop()
    await backend?.close()
    await collector?.close()
  })

  it("Prometheus: request and backend histograms by route and status, in-flight count, process metrics; no traceparent without traces", async () => {
    for (let i = 0; i < 3; i++) expect((await fetch(`${gw.url}/users/${i}`)).status).toBe(200)
    for (let i = 0; i < 2; i++) expect((await fetch(`${gw.url}/other`)).status).toBe(200)
    expect((await fetch(`${gw.url}/users/missing`)).status).toBe(500)
    expect((await fetch(`${gw.url}/nowhere`)).status).toBe(404)
    expect(backend.requests.every((r) => r.headers["traceparent"] === undefined)).toBe(true)

    const scraped = await scrape(promPort)
    expect(scraped.types.get("http_server_duration")).toBe("histogram")
    expect(scraped.types.get("http_client_request_started_count")).toBe("counter")
    expect(scraped.types.get("http_server_active_requests")).toBe("gauge")
    // two endpoints and their backends on one host keep their own series
    expect(value(scraped, "krakend_proxy_duration_count", { http_route: "/other" })).toBe(2)
    expect(value(scraped, "krakend_backend_duration_count", { http_route: "/o" })).toBe(2)
    expect(value(scraped, "http_client_request_started_count", { clientname: "/o" })).toBe(2)
    const users = { http_route: "/users/:id", http_request_method: "GET", url_scheme: "http" }
    expect(value(scraped, "http_server_duration_count", { ...users, http_response_status_code: "200" })).toBe(3)
    expect(value(scraped, "http_server_duration_bucket", { ...users, http_response_status_code: "200", le: "+Inf" })).toBe(3)
    expect(value(scraped, "http_server_duration_count", { ...users, http_response_status_code: "500" })).toBe(1)
    expect(value(scraped, "http_server_duration_count", { http_route: "404 Not Found", http_response_status_code: "404" })).toBe(1)
    expect(value(scraped, "http_server_response_size_count", { ...users, http_response_status_code: "200" })).toBe(3)
    expect(value(scraped, "krakend_proxy_duration_count", { http_route: "/users/:id", complete: "true" })).toBe(3)
    expect(value(scraped, "krakend_proxy_duration_count", { http_route: "/users/:id", error: "true" })).toBe(1)
    expect(value(scraped, "krakend_backend_duration_count", { http_route: "/u/:id", "krakend_endpoint_route": "/users/:id" })).toBe(4)
    expect(value(scraped, "http_client_duration_count", { http_response_status_code: "404", clientname: "/u/{id}" })).toBe(1)
    expect(value(scraped, "http_client_request_started_count", { server_address: "127.0.0.1", clientname: "/u/{id}" })).toBe(4)
    expect(value(scraped, "http_server_active_requests")).toBe(0)
    expect(value(scraped, "process_resident_memory_bytes")).toBeGreaterThan(10_000_000)
    expect(samples(scraped, "nodejs_eventloop_lag_seconds")).toHaveLength(1)
  })

  it("OTLP: the same metrics are pushed every metric_reporting_period", async () => {
    const deadline = Date.now() + 8_000
    while (!collector.metricNames.has("http.server.duration") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    expect([...collector.metricNames]).toEqual(expect.arrayContaining(["http.server.duration", "krakend.proxy.duration", "http.client.duration"]))
    // counters are monotonic sums
    const started = JSON.stringify(collector.metrics).match(/"name":"http\.client\.request\.started\.count".*?"isMonotonic":(true|false)/)
    expect(started?.[1]).toBe("true")
  }, 15_000)
})

describe("telemetry/opentelemetry with a collector that is down or stuck", () => {
  it("requests are served as usual; exports that cannot go out are dropped and counted", async () => {
    const stuck = await Otlp.start()
    stuck.mode = "hang"
    const backend = await Backend.start((_req, res) => Backend.json(res, 200, { ok: true }))
    const promPort = await freePort()
    const downPort = await freePort() // nothing listens there
    const gw = await startSluice({
      version: 3,
      extra_config: {
        "telemetry/opentelemetry": {
          exporters: {
            otlp: [{ name: "stuck", host: "127.0.0.1", port: stuck.port, use_http: true, disable_metrics: true }],
            prometheus: [{ name: "prom", port: promPort, listen_ip: "127.0.0.1" }]
          }
        }
      },
      endpoints: [{ endpoint: "/x", backend: [{ host: [backend.url], url_pattern: "/x" }] }]
    })
    const down = await startSluice({
      version: 3,
      extra_config: { "telemetry/opentelemetry": { exporters: { otlp: [{ name: "down", host: "127.0.0.1", port: downPort, use_http: true }] } } },
      endpoints: [{ endpoint: "/x", backend: [{ host: [backend.url], url_pattern: "/x" }] }]
    })
    try {
      // 4 spans per request, batches of 512: ~640 requests force 5 exports; two stay stuck, the rest are dropped
      const statuses: Array<number> = []
      for (let i = 0; i < 80; i++) {
        statuses.push(...(await Promise.all(Array.from({ length: 8 }, () => fetch(`${gw.url}/x`).then((r) => r.status)))))
      }
      expect(statuses.every((s) => s === 200)).toBe(true)
      expect(value(await scrape(promPort), "otlp_exporter_dropped_batches")).toBeGreaterThanOrEqual(1)
      expect(stuck.requests.length).toBeGreaterThanOrEqual(2)
      const downStatuses = await Promise.all(Array.from({ length: 20 }, () => fetch(`${down.url}/x`).then((r) => r.status)))
      expect(downStatuses.every((s) => s === 200)).toBe(true)
    } finally {
      await Promise.all([gw.stop(), down.stop()])
      await backend.close()
      await stuck.close()
    }
  }, 60_000)
})
