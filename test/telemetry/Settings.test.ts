/**
 * `telemetry/opentelemetry` and `telemetry/logstash` decoded and resolved with krakend-otel's rules.
 */
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import * as Config from "../../src/config/Config.ts"
import * as Settings from "../../src/telemetry/Settings.ts"

const decode = (service: Record<string, unknown>, endpoint: Record<string, unknown> = {}, backend: Record<string, unknown> = {}) =>
  Effect.runPromise(Config.decode({
    version: 3,
    name: "gw",
    extra_config: service,
    endpoints: [
      { endpoint: "/a/{id}", extra_config: endpoint, backend: [{ host: ["h"], url_pattern: "/b/{id}", extra_config: backend }] },
      { endpoint: "/__other", backend: [{ host: ["h"], url_pattern: "/o" }] }
    ]
  }))

const issues = (service: Record<string, unknown>, endpoint: Record<string, unknown> = {}) =>
  decode(service, endpoint).then(() => [], (e: { readonly issues: ReadonlyArray<{ path: string; message: string }> }) => e.issues)

const otlp = { otlp: [{ name: "c", host: "collector", port: 4318, use_http: true }] }

describe("telemetry/opentelemetry config", () => {
  it("decodes KrakenD's keys without warnings; typos are errors with their path", async () => {
    const { config, warnings } = await decode({
      "telemetry/opentelemetry": {
        service_name: "svc",
        service_version: "1.2",
        deploy_env: "prod",
        metric_reporting_period: 10,
        trace_sample_rate: 0.25,
        skip_paths: ["/healthz"],
        exporters: { ...otlp, prometheus: [{ name: "p", port: 9091, listen_ip: "127.0.0.1", process_metrics: true, go_metrics: true }] },
        layers: {
          global: { disable_propagation: true, report_headers: true, skip_headers: ["X-Secret"], semantic_convention: "1.27", metrics_static_attributes: [{ key: "k", value: "v" }] },
          proxy: { disable_traces: true },
          backend: { metrics: { round_trip: true, detailed_connection: true }, traces: { disable_stage: true, read_payload: true } }
        },
        histograms: { time_buckets: [0.1, 1], size_buckets: [100] }
      }
    })
    expect(warnings).toEqual([])
    expect(config.extra_config["telemetry/opentelemetry"]?.service_name).toBe("svc")
    expect(await issues({ "telemetry/opentelemetry": { exporters: { otlp: [{ name: "c", host: "h", prot: 1 }] } } })).toEqual([{
      path: "$.extra_config[\"telemetry/opentelemetry\"].exporters.otlp[0].prot",
      message: "unknown key; did you mean \"port\"?"
    }])
    expect(await issues({ "telemetry/opentelemetry": {} })).toEqual([{
      path: "$.extra_config[\"telemetry/opentelemetry\"].exporters",
      message: "missing required key"
    }])
  })

  it("a static attribute may not be named le, quantile or worker (labels the exposition reserves)", async () => {
    const found = await issues({ "telemetry/opentelemetry": { exporters: otlp, layers: { global: { metrics_static_attributes: [{ key: "le", value: "x" }] } } } })
    expect(found).toEqual([{
      path: "$.extra_config[\"telemetry/opentelemetry\"].layers.global.metrics_static_attributes[0].key",
      message: "\"le\" is a label the Prometheus exposition reserves; choose another name"
    }])
  })

  it("endpoint and backend overrides decode; Enterprise keys there are warnings", async () => {
    const { warnings } = await decode(
      { "telemetry/opentelemetry": { exporters: otlp } },
      { "telemetry/opentelemetry": { proxy: { disable_metrics: true }, backend: { traces: { round_trip: true } }, exporters_override: {} } },
      { "telemetry/opentelemetry": { backend: { metrics: { disable_stage: true } } } }
    )
    expect(warnings.map((w) => w.path)).toEqual(["$.endpoints[0].extra_config[\"telemetry/opentelemetry\"].exporters_override"])
  })

  it("resolves like krakend-otel: sample rate only strictly between 0 and 1, layers replaced not merged, backend defaults", async () => {
    const rate = async (r: number) =>
      Settings.fromConfig((await decode({ "telemetry/opentelemetry": { trace_sample_rate: r, exporters: otlp } })).config)!.sampleRate
    expect([await rate(0), await rate(0.3), await rate(1), await rate(7)]).toEqual([1, 0.3, 1, 1])

    const { config } = await decode(
      { "telemetry/opentelemetry": { exporters: otlp, layers: { proxy: { report_headers: true }, backend: { metrics: { disable_stage: false } } } } },
      { "telemetry/opentelemetry": { proxy: { disable_traces: true } } }
    )
    const settings = Settings.fromConfig(config)!
    const endpoint = config.endpoints[0]!
    // the endpoint's proxy object replaces layers.proxy entirely: report_headers is gone
    expect(settings.proxy(endpoint)).toMatchObject({ traces: false, metrics: true, reportHeaders: false })
    // layers.backend.metrics present: round_trip off unless set; traces absent: everything on
    expect(settings.backend(endpoint, endpoint.backend[0])).toMatchObject({ stageMetrics: true, clientMetrics: false, stageTraces: true, clientTraces: true })
    expect(settings.serviceName).toBe("gw")
    expect([...settings.skipPaths]).toEqual(Settings.defaultSkipPaths)
    expect(settings.otlp[0]).toMatchObject({ url: "http://collector:4318", grpc: false, metricPeriod: 30_000 })
    expect(Settings.endpointName("/a/{userId}")).toBe("/a/:userId")
    expect(Settings.backendName("/b/{userId}")).toBe("/b/:userid")
  })

  it("an endpoint in skip_paths gets no proxy or backend layer", async () => {
    const { config } = await decode({ "telemetry/opentelemetry": { exporters: otlp, skip_paths: ["/a/{id}"] } })
    const settings = Settings.fromConfig(config)!
    expect(settings.proxy(config.endpoints[0]!)).toBeUndefined()
    expect(settings.backend(config.endpoints[0]!, config.endpoints[0]!.backend[0])).toBeUndefined()
    expect(settings.proxy(config.endpoints[1]!)).toBeDefined()
  })

  it("without the namespace there are no settings (nothing is wrapped)", async () => {
    expect(Settings.fromConfig((await decode({})).config)).toBeUndefined()
  })
})

describe("telemetry/logstash", () => {
  it("enabled (also under its 1.x name) makes the log lines logstash JSON", async () => {
    for (const name of ["telemetry/logstash", "github_com/devopsfaith/krakend-logstash"]) {
      const { config } = await decode({ [name]: { enabled: true }, "telemetry/logging": { level: "INFO" } })
      expect(config.extra_config["telemetry/logging"]?.format).toBe("logstash")
    }
    const { config } = await decode({ "telemetry/logstash": { enabled: true } })
    expect(config.extra_config["telemetry/logging"]).toMatchObject({ level: "INFO", format: "logstash" })
  })
})
