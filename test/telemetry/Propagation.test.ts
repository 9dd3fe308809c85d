/**
 * Trace context edge cases through `sluice run`, with a loopback OTLP collector and a backend that
 * records what it gets: header case and duplicates, b3, tracestate, an unsampled caller at rate 1,
 * skipped raw paths, metrics-only gateways, several collectors with one down, and credentials that
 * must never reach a span.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import * as Otlp from "../support/Otlp.ts"
import { freePort, type RunningSluice, startSluice } from "../support/Sluice.ts"

const caller = "4bf92f3577b34da6a3ce929d0e0e4736"
const callerSpan = "00f067aa0ba902b7"

const rawHeader = (r: Backend.RecordedRequest, name: string): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (let i = 0; i < r.rawHeaders.length; i += 2) if (r.rawHeaders[i]!.toLowerCase() === name) out.push(r.rawHeaders[i + 1]!)
  return out
}

describe("trace context", () => {
  let collector: Otlp.Collector
  let backend: Backend.Backend
  let gw: RunningSluice

  beforeAll(async () => {
    collector = await Otlp.start()
    backend = await Backend.start((req, res) => Backend.json(res, 200, { path: req.url }))
    gw = await startSluice({
      version: 3,
      extra_config: {
        "telemetry/opentelemetry": {
          skip_paths: ["/skip/1"],
          exporters: { otlp: [{ name: "c", host: "127.0.0.1", port: collector.port, use_http: true, disable_metrics: true }] },
          layers: { global: { report_headers: true }, backend: { traces: { round_trip: true, report_headers: true } } }
        },
        "auth/api-keys": { identifier: "X-Key", keys: [{ key: "s3cr3t-key", roles: ["user"] }] }
      },
      endpoints: [
        { endpoint: "/all", input_headers: ["*"], backend: [{ host: [backend.url], url_pattern: "/all" }] },
        { endpoint: "/skip/{id}", backend: [{ host: [backend.url], url_pattern: "/skip/{id}" }] },
        { endpoint: "/keyed", input_headers: ["*"], extra_config: { "auth/api-keys": { roles: ["user"] } }, backend: [{ host: [backend.url], url_pattern: "/keyed?token=abc" }] },
        { endpoint: "/userinfo", backend: [{ host: [backend.url.replace("http://", "http://user:pw@")], url_pattern: "/userinfo" }] }
      ]
    })
  })
  afterAll(async () => {
    await gw?.stop()
    await backend?.close()
    await collector?.close()
  })

  const last = (path: string) => [...backend.requests].reverse().find((r) => r.url.startsWith(path))!

  it("one traceparent and one tracestate reach the backend, whatever the client sent and input_headers pass", async () => {
    await fetch(`${gw.url}/all`, { headers: { Traceparent: `00-${caller}-${callerSpan}-01`, TraceState: "a=b" } })
    const r = last("/all")
    expect(rawHeader(r, "traceparent")).toHaveLength(1)
    expect(rawHeader(r, "traceparent")[0]).toMatch(new RegExp(`^00-${caller}-[0-9a-f]{16}-01$`))
    expect(rawHeader(r, "traceparent")[0]).not.toContain(callerSpan)
    expect(rawHeader(r, "tracestate")).toEqual(["a=b"])
  })

  it("b3 headers start a new trace (W3C trace context only); a tracestate without a valid traceparent is dropped", async () => {
    await fetch(`${gw.url}/all`, { headers: { b3: "80f198ee56343ba8-e457b5a2e4d86bd1-1", tracestate: "x=1" } })
    const b3 = last("/all")
    expect(rawHeader(b3, "traceparent")[0]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    expect(rawHeader(b3, "traceparent")[0]).not.toContain("80f198ee56343ba8")
    expect(rawHeader(b3, "tracestate")).toEqual([])
    await fetch(`${gw.url}/all`, { headers: { traceparent: "garbage", tracestate: "x=1" } })
    expect(rawHeader(last("/all"), "tracestate")).toEqual([])
  })

  it("at the default rate (1) an unsampled caller's trace is sampled anyway (krakend-otel's AlwaysSample)", async () => {
    const trace = "11111111111111111111111111111111"
    await fetch(`${gw.url}/all`, { headers: { traceparent: `00-${trace}-${callerSpan}-00` } })
    expect(rawHeader(last("/all"), "traceparent")[0]).toMatch(new RegExp(`^00-${trace}-[0-9a-f]{16}-01$`))
  })

  it("a raw path in skip_paths has no server span, but its endpoint's spans are still exported", async () => {
    const trace = "22222222222222222222222222222222"
    await fetch(`${gw.url}/skip/1`, { headers: { traceparent: `00-${trace}-${callerSpan}-01` } })
    await fetch(`${gw.url}/keyed`, { headers: { "x-key": "s3cr3t-key", "x-auth-token": "t0ken", cookie: "c=1", "x-fine": "yes" } })
    await fetch(`${gw.url}/userinfo`)
    await gw.stop()
    const skipped = collector.spans.filter((s) => s.traceId === trace)
    expect(skipped.map((s) => s.name).sort()).toEqual(["/skip/:id", "/skip/:id", "/skip/:id"])
    expect(skipped.some((s) => s.kind === "SPAN_KIND_SERVER")).toBe(false)

    // credentials never reach a span: configured API-key header, token-like headers, cookies, URL userinfo, url_pattern queries
    const all = JSON.stringify(collector.spans)
    for (const secret of ["s3cr3t-key", "t0ken", "c=1", "user:pw", "token=abc"]) expect(all).not.toContain(secret)
    const keyed = collector.spans.find((s) => s.kind === "SPAN_KIND_SERVER" && s.name === "/keyed")!
    expect(keyed.attributes["http.request.header.x-fine"]).toEqual(["yes"])
    expect(collector.spans.find((s) => s.kind === "SPAN_KIND_CLIENT" && s.attributes["krakend.endpoint.route"] === "/userinfo")?.attributes["url.full"]).toBe(
      `${backend.url}/userinfo`
    )
  })
})

describe("telemetry without a trace exporter, and with two collectors of which one is down", () => {
  it("metrics only: the caller's traceparent is forwarded as it came; none is made up", async () => {
    const backend = await Backend.start((req, res) => Backend.json(res, 200, { path: req.url }))
    const gw = await startSluice({
      version: 3,
      extra_config: { "telemetry/opentelemetry": { exporters: { prometheus: [{ name: "p", port: await freePort(), listen_ip: "127.0.0.1" }] } } },
      endpoints: [{ endpoint: "/x", backend: [{ host: [backend.url], url_pattern: "/x" }] }]
    })
    try {
      await fetch(`${gw.url}/x`, { headers: { traceparent: `00-${caller}-${callerSpan}-01`, tracestate: "k=v" } })
      await fetch(`${gw.url}/x`)
      expect(backend.requests.map((r) => [rawHeader(r, "traceparent"), rawHeader(r, "tracestate")])).toEqual([
        [[`00-${caller}-${callerSpan}-01`], ["k=v"]],
        [[], []]
      ])
    } finally {
      await gw.stop()
      await backend.close()
    }
  })

  it("metrics only, a raw path in skip_paths: no server metrics, its endpoint's still, a caller's traceparent still forwarded", async () => {
    const backend = await Backend.start((req, res) => Backend.json(res, 200, { path: req.url }))
    const promPort = await freePort()
    const gw = await startSluice({
      version: 3,
      extra_config: { "telemetry/opentelemetry": { skip_paths: ["/skip/1"], exporters: { prometheus: [{ name: "p", port: promPort, listen_ip: "127.0.0.1" }] } } },
      endpoints: [
        { endpoint: "/x", backend: [{ host: [backend.url], url_pattern: "/x" }] },
        { endpoint: "/skip/{id}", backend: [{ host: [backend.url], url_pattern: "/skip/{id}" }] }
      ]
    })
    try {
      expect((await fetch(`${gw.url}/skip/1`)).status).toBe(200)
      expect((await fetch(`${gw.url}/skip/1`, { headers: { traceparent: `00-${caller}-${callerSpan}-01` } })).status).toBe(200)
      expect((await fetch(`${gw.url}/skip/2`)).status).toBe(200)
      expect((await fetch(`${gw.url}/x`)).status).toBe(200)
      expect(backend.requests.map((r) => rawHeader(r, "traceparent"))).toEqual([[], [`00-${caller}-${callerSpan}-01`], [], []])
      const scrape = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text()
      const count = (name: string, route: string) =>
        scrape.split("\n").filter((l) => l.startsWith(`${name}{`) && l.includes(`http_route="${route}"`)).reduce((n, l) => n + Number(l.split(" ").pop()), 0)
      expect(count("http_server_duration_count", "/x")).toBe(1)
      expect(count("http_server_duration_count", "/skip/:id")).toBe(1) // /skip/2 only
      expect(count("krakend_proxy_duration_count", "/skip/:id")).toBe(3)
    } finally {
      await gw.stop()
      await backend.close()
    }
  })

  it("each span reaches the healthy collector exactly once", async () => {
    const good = await Otlp.start()
    const backend = await Backend.start((_req, res) => Backend.json(res, 200, { ok: true }))
    const gw = await startSluice({
      version: 3,
      extra_config: {
        "telemetry/opentelemetry": {
          exporters: {
            otlp: [
              { name: "down", host: "127.0.0.1", port: await freePort(), use_http: true, disable_metrics: true },
              { name: "good", host: "127.0.0.1", port: good.port, use_http: true, disable_metrics: true }
            ]
          }
        }
      },
      endpoints: [{ endpoint: "/x", backend: [{ host: [backend.url], url_pattern: "/x" }] }]
    })
    try {
      for (let i = 0; i < 3; i++) expect((await fetch(`${gw.url}/x`)).status).toBe(200)
      await gw.stop()
      expect(good.spans).toHaveLength(12)
      expect(new Set(good.spans.map((s) => s.spanId)).size).toBe(12)
    } finally {
      await gw.stop()
      await backend.close()
      await good.close()
    }
  }, 20_000)
})
