/**
 * Schemas of KrakenD's telemetry namespaces (krakend-otel, krakend-logstash): the service
 * `telemetry/opentelemetry` (exporters, layers, sampling), its endpoint and backend overrides,
 * and `telemetry/logstash`. What each key does: `src/telemetry/` and docs/config.md "Telemetry".
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Fields from "./Fields.ts"
import * as Shape from "./Shape.ts"

/** A `{ key, value }` static attribute. */
export const StaticAttribute = Schema.Struct({
  key: Schema.String.annotate({ description: "Attribute name (not le, quantile or worker: Prometheus and the cluster scrape use them)" }).check(
    Schema.makeFilter((key: string) =>
      ["le", "quantile", "worker"].includes(key) ? `${JSON.stringify(key)} is a label the Prometheus exposition reserves; choose another name` : true
    )
  ),
  value: Schema.String.annotate({ description: "Attribute value" })
}).annotate({ identifier: "TelemetryStaticAttribute", description: "A fixed attribute added to spans or metrics" })

const attributes = (description: string) => Fields.optional(Schema.Array(StaticAttribute), description)

/** An OTLP exporter (gRPC by default as KrakenD; OTLP/HTTP with `use_http`). */
export const OtlpExporter = Schema.Struct({
  name: Schema.String.annotate({ description: "Unique exporter name (referenced by endpoint exporters_override)" }),
  host: Schema.String.annotate({ description: "Collector host, with http:// or https:// (no scheme: http)" }),
  port: Fields.withDefault(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 65535 })), 4317, "Collector port (4318 for OTLP/HTTP)"),
  use_http: Fields.flag("OTLP/HTTP (default false: OTLP over gRPC)"),
  disable_metrics: Fields.flag("Do not push metrics to this exporter"),
  disable_traces: Fields.flag("Do not send traces to this exporter"),
  custom_metric_reporting_period: Fields.withDefault(Fields.Count, 0, "Metric push period in seconds for this exporter (0: metric_reporting_period)")
}).annotate({ identifier: "TelemetryOtlpExporter", description: "An OTLP collector" })

/** A Prometheus exporter: `GET /metrics` on its own listener. */
export const PrometheusExporter = Schema.Struct({
  name: Schema.String.annotate({ description: "Unique exporter name" }),
  port: Fields.withDefault(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 })), 9090, "Port of the /metrics listener"),
  listen_ip: Fields.optional(Schema.String, "Address of the /metrics listener (default all interfaces)"),
  host: Fields.optional(Schema.String, "Same as listen_ip (what KrakenD's code reads)"),
  process_metrics: Fields.flag("Also expose process metrics (CPU, memory, event loop, heap)"),
  go_metrics: Fields.flag("KrakenD's Go runtime metrics: the Node runtime ones are exposed with process_metrics"),
  disable_metrics: Fields.flag("Serve no metrics"),
  custom_metric_reporting_period: Fields.withDefault(Fields.Count, 0, "Accepted; Prometheus pulls")
}).annotate({ identifier: "TelemetryPrometheusExporter", description: "A Prometheus scrape endpoint" })

/** `layers.global`: the server span and the server metrics. */
export const GlobalLayer = Schema.Struct({
  disable_metrics: Fields.flag("No http.server.* metrics"),
  disable_traces: Fields.flag("No server span"),
  disable_propagation: Fields.flag("Ignore an incoming traceparent (every request starts a trace)"),
  report_headers: Fields.flag("Request and response headers as span attributes (credentials redacted)"),
  skip_headers: Fields.optional(Fields.Strings, "Headers never reported"),
  metrics_static_attributes: attributes("Attributes of every server metric"),
  traces_static_attributes: attributes("Attributes of every server span"),
  semantic_convention: Fields.optional(Schema.Literals(["", "1.27"]), "Metric names: \"\" (KrakenD's default) or \"1.27\"")
}).annotate({ identifier: "TelemetryGlobalLayer", description: "The HTTP server layer" })

/** `layers.proxy` (and an endpoint's `proxy` override): the endpoint pipe span and metric. */
export const ProxyLayer = Schema.Struct({
  disable_metrics: Fields.flag("No krakend.proxy.duration"),
  disable_traces: Fields.flag("No proxy span"),
  report_headers: Fields.flag("Forwarded request headers as span attributes (credentials redacted)"),
  skip_headers: Fields.optional(Fields.Strings, "Headers never reported"),
  metrics_static_attributes: attributes("Attributes of the proxy metric"),
  traces_static_attributes: attributes("Attributes of the proxy span")
}).annotate({ identifier: "TelemetryProxyLayer", description: "The endpoint (proxy) layer" })

const backendPart = {
  disable_stage: Fields.flag("No backend stage span / krakend.backend.duration"),
  round_trip: Fields.flag("The backend-request (client) span / http.client.* metrics"),
  read_payload: Fields.flag("Accepted; the response read is part of the client span"),
  detailed_connection: Fields.flag("Accepted; connection timings are not reported"),
  static_attributes: attributes("Attributes of the backend spans or metrics")
}

/** `layers.backend` (and endpoint / backend `backend` overrides). */
export const BackendLayer = Schema.Struct({
  metrics: Fields.optional(Schema.Struct(backendPart), "Backend metrics (absent: all on)"),
  traces: Fields.optional(
    Schema.Struct({
      ...backendPart,
      report_headers: Fields.flag("Backend request headers as span attributes (credentials redacted)"),
      skip_headers: Fields.optional(Fields.Strings, "Headers never reported")
    }),
    "Backend spans (absent: all on)"
  )
}).annotate({ identifier: "TelemetryBackendLayer", description: "The backend layer" })

/** Service `telemetry/opentelemetry`. */
export const OpenTelemetry = Schema.Struct({
  service_name: Fields.optional(Schema.String, "Resource service.name (default: the root name, else \"KrakenD\")"),
  service_version: Fields.optional(Schema.String, "Resource service.version (default: Sluice's version)"),
  deploy_env: Fields.optional(Schema.String, "Resource deployment.environment"),
  metric_reporting_period: Fields.withDefault(Fields.Count, 30, "OTLP metric push period in seconds"),
  trace_sample_rate: Fields.withDefault(Schema.Finite, 1, "Sampled fraction of new traces; only values strictly between 0 and 1 sample (others: every trace)"),
  skip_paths: Fields.optional(Fields.Strings, "Paths (exact) with no telemetry (default /__health, /__debug/, /__echo/, /__stats/)"),
  exporters: Schema.Struct({
    otlp: Fields.optional(Schema.Array(OtlpExporter), "OTLP collectors"),
    prometheus: Fields.optional(Schema.Array(PrometheusExporter), "Prometheus scrape endpoints")
  }).annotate({ identifier: "TelemetryExporters", description: "Where telemetry goes" }),
  layers: Fields.optional(
    Schema.Struct({
      global: Fields.optional(GlobalLayer, "HTTP server layer"),
      proxy: Fields.optional(ProxyLayer, "Endpoint layer"),
      backend: Fields.optional(BackendLayer, "Backend layer")
    }).annotate({ identifier: "TelemetryLayers", description: "What each layer reports" }),
    "What each layer reports"
  ),
  histograms: Fields.optional(
    Schema.Struct({
      time_buckets: Fields.optional(Schema.Array(Schema.Finite), "Duration histogram boundaries in seconds"),
      size_buckets: Fields.optional(Schema.Array(Schema.Finite), "Size histogram boundaries in bytes")
    }).annotate({ identifier: "TelemetryHistograms", description: "Histogram boundaries" }),
    "Histogram boundaries"
  )
}).annotate({ identifier: "OpenTelemetry", description: "OpenTelemetry traces and metrics (extra_config[\"telemetry/opentelemetry\"])" })

/** Endpoint `telemetry/opentelemetry`: replaces the proxy and backend layer options of this endpoint. */
export const EndpointOpenTelemetry = Schema.Struct({
  proxy: Fields.optional(ProxyLayer, "Replaces layers.proxy for this endpoint"),
  backend: Fields.optional(BackendLayer, "Replaces layers.backend for this endpoint's backends")
}).annotate({ identifier: "EndpointOpenTelemetry", description: "Per-endpoint telemetry (extra_config[\"telemetry/opentelemetry\"])" })

/** Backend `telemetry/opentelemetry`: replaces the backend layer options of this backend. */
export const BackendOpenTelemetry = Schema.Struct({
  backend: Fields.optional(BackendLayer, "Replaces layers.backend for this backend")
}).annotate({ identifier: "BackendOpenTelemetry", description: "Per-backend telemetry (extra_config[\"telemetry/opentelemetry\"])" })

/** Service `telemetry/logstash`: JSON log lines (krakend-logstash). */
export const Logstash = Schema.Struct({
  enabled: Fields.withDefault(Schema.Boolean, true, "Write logstash JSON lines")
}).annotate({ identifier: "Logstash", description: "Logstash JSON log lines (extra_config[\"telemetry/logstash\"])" })

const attributeShape = Shape.of(StaticAttribute)
const proxyShape = Shape.of(ProxyLayer, { arrays: { metrics_static_attributes: attributeShape, traces_static_attributes: attributeShape } })
const backendPartShape = (fields: { readonly fields: object }) => Shape.of(fields, { arrays: { static_attributes: attributeShape } })
const backendShapeOf = Shape.of(BackendLayer, {
  objects: {
    metrics: backendPartShape(BackendLayer.fields.metrics.schema),
    traces: backendPartShape(BackendLayer.fields.traces.schema)
  }
})

/** Shape of the service namespace (for the key check). */
export const serviceShape: Shape.Shape = Shape.of(OpenTelemetry, {
  objects: {
    exporters: Shape.of(OpenTelemetry.fields.exporters, {
      arrays: { otlp: Shape.of(OtlpExporter), prometheus: Shape.of(PrometheusExporter) }
    }),
    layers: Shape.of(OpenTelemetry.fields.layers.schema, {
      objects: {
        global: Shape.of(GlobalLayer, { arrays: { metrics_static_attributes: attributeShape, traces_static_attributes: attributeShape } }),
        proxy: proxyShape,
        backend: backendShapeOf
      }
    }),
    histograms: Shape.of(OpenTelemetry.fields.histograms.schema)
  }
})

/** Shape of the endpoint override. */
export const endpointShape: Shape.Shape = Shape.of(EndpointOpenTelemetry, {
  unimplemented: ["exporters_override", "global"],
  objects: { proxy: proxyShape, backend: backendShapeOf }
})

/** Shape of the backend override. */
export const backendShape: Shape.Shape = Shape.of(BackendOpenTelemetry, { objects: { backend: backendShapeOf } })
