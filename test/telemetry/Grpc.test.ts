/**
 * OTLP over gRPC (KrakenD's default `use_http: false`) through `sluice run` over real HTTP: a real
 * grpc-js collector decodes the protobuf spans and metrics the gateway exports; a collector that
 * answers `UNAVAILABLE` gets the export again; TLS with a private CA when the host is `https://`.
 */
import * as grpc from "@grpc/grpc-js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import * as Certs from "../support/Certs.ts"
import * as OtlpGrpc from "../support/OtlpGrpc.ts"
import { startSluice } from "../support/Sluice.ts"

const traceparentRe = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/

let backend: Backend.Backend
beforeAll(async () => {
  backend = await Backend.start((req, res) => Backend.json(res, 200, { id: req.url }))
})
afterAll(() => backend.close())

const config = (host: string, port: number) => ({
  version: 3,
  extra_config: {
    "telemetry/opentelemetry": {
      service_name: "sluice-grpc",
      metric_reporting_period: 1,
      // no use_http: gRPC, as KrakenD
      exporters: { otlp: [{ name: "collector", host, port }] }
    }
  },
  endpoints: [{ endpoint: "/users/{id}", backend: [{ host: [backend.url], url_pattern: "/u/{id}" }] }]
})

const until = async (what: () => boolean, ms: number) => {
  const deadline = Date.now() + ms
  while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
}

describe("OTLP over gRPC", () => {
  it("spans and metrics reach a gRPC collector as protobuf; the backend's traceparent is the client span", async () => {
    const collector = await OtlpGrpc.start()
    const gw = await startSluice(config("127.0.0.1", collector.port))
    try {
      expect((await fetch(`${gw.url}/users/7`)).status).toBe(200)
      await until(() => collector.metricNames.has("http.server.duration"), 10_000)
      expect([...collector.metricNames]).toEqual(expect.arrayContaining(["http.server.duration", "http.client.duration"]))
      expect(await gw.stop()).toBe(0) // the spans are flushed when the gateway drains
      const sent = traceparentRe.exec(String(backend.requests.find((r) => r.url === "/u/7")?.headers["traceparent"]))
      const trace = collector.spans.filter((s) => s.traceId === sent?.[1])
      const server = trace.find((s) => s.kind === "SPAN_KIND_SERVER")
      const client = trace.find((s) => s.kind === "SPAN_KIND_CLIENT")
      expect(server).toMatchObject({ name: "/users/7", parentSpanId: "" })
      expect(server?.attributes).toMatchObject({ "http.route": "/users/:id", "http.response.status_code": 200 })
      expect(client?.spanId).toBe(sent?.[2])
      expect(collector.resources[0]).toMatchObject({ "service.name": "sluice-grpc" })
      expect(new Set(collector.calls)).toEqual(new Set([
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
      ]))
    } finally {
      await gw.stop()
      await collector.close()
    }
  }, 30_000)

  it("an UNAVAILABLE answer is retried; requests never wait for the collector", async () => {
    const collector = await OtlpGrpc.start()
    collector.failures = 1
    const gw = await startSluice(config("127.0.0.1", collector.port))
    try {
      expect((await fetch(`${gw.url}/users/8`)).status).toBe(200)
      await until(() => collector.metricNames.has("http.server.duration"), 10_000)
      const metricCalls = collector.calls.filter((c) => c.includes("MetricsService"))
      // the first metrics export was refused, the retry delivered
      expect(metricCalls.length).toBeGreaterThanOrEqual(2)
      expect(collector.metricNames.has("http.server.duration")).toBe(true)
    } finally {
      await gw.stop()
      await collector.close()
    }
  }, 30_000)

  it("https:// hosts use TLS (a private CA trusted through NODE_EXTRA_CA_CERTS)", async () => {
    const ca = Certs.authority(Certs.folder(), "otel-ca")
    const cert = ca.issue("collector", { dns: ["localhost"] })
    const collector = await OtlpGrpc.start(
      grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(cert.certPem), private_key: Buffer.from(cert.keyPem) }])
    )
    const gw = await startSluice(config("https://127.0.0.1", collector.port), [], { env: { NODE_EXTRA_CA_CERTS: ca.cert } })
    try {
      expect((await fetch(`${gw.url}/users/9`)).status).toBe(200)
      await until(() => collector.metricNames.has("http.server.duration"), 10_000)
      expect(collector.metricNames.has("http.server.duration")).toBe(true)
    } finally {
      await gw.stop()
      await collector.close()
    }
  }, 30_000)
})
