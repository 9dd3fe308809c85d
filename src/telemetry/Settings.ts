/**
 * `telemetry/opentelemetry` resolved once, when the gateway is built (krakend-otel's rules): which
 * layer reports what for each endpoint and backend, the sampler, the skipped paths and the
 * exporters. `fromConfig` is `undefined` without the namespace: then no stage is wrapped and the
 * request path does no telemetry work at all.
 *
 * @since 0.1.0
 */
import type { BackendConfig, EndpointConfig, GatewayConfig, OpenTelemetryOptions } from "../config/Model.ts"
import type * as TelemetryNamespaces from "../config/TelemetryNamespaces.ts"
import * as Version from "../Version.ts"

type Attribute = typeof TelemetryNamespaces.StaticAttribute.Type
type BackendLayer = typeof TelemetryNamespaces.BackendLayer.Type
type ProxyLayer = typeof TelemetryNamespaces.ProxyLayer.Type

/** Static attributes as a record. */
export type Attributes = Readonly<Record<string, string>>

/** What the HTTP server layer reports. */
export interface GlobalSettings {
  readonly traces: boolean
  readonly metrics: boolean
  /** Continue an incoming `traceparent`. */
  readonly propagation: boolean
  readonly reportHeaders: boolean
  readonly skipHeaders: ReadonlySet<string>
  readonly metricAttributes: Attributes
  readonly traceAttributes: Attributes
  /** `"1.27"`: OpenTelemetry 1.27 metric names. */
  readonly semconv127: boolean
}

/** What the proxy (endpoint) layer reports for one endpoint. */
export interface ProxySettings {
  readonly traces: boolean
  readonly metrics: boolean
  readonly reportHeaders: boolean
  readonly skipHeaders: ReadonlySet<string>
  readonly metricAttributes: Attributes
  readonly traceAttributes: Attributes
}

/** What the backend layer reports for one backend. */
export interface BackendSettings {
  /** The backend stage span / `krakend.backend.duration`. */
  readonly stageTraces: boolean
  readonly stageMetrics: boolean
  /** The backend-request (client) span / `http.client.*`. */
  readonly clientTraces: boolean
  readonly clientMetrics: boolean
  readonly reportHeaders: boolean
  readonly skipHeaders: ReadonlySet<string>
  readonly metricAttributes: Attributes
  readonly traceAttributes: Attributes
}

/** An OTLP destination. */
export interface OtlpTarget {
  readonly name: string
  /** `http(s)://host:port` (no scheme in the config: http). */
  readonly url: string
  readonly traces: boolean
  readonly metrics: boolean
  /** Metric push period in milliseconds. */
  readonly metricPeriod: number
  /** OTLP over gRPC (`use_http: false`, KrakenD's default), else OTLP/HTTP. */
  readonly grpc: boolean
}

/** A Prometheus `/metrics` listener. */
export interface PrometheusTarget {
  readonly name: string
  readonly port: number
  readonly host: string
  readonly processMetrics: boolean
}

/** The resolved telemetry of a gateway. */
export interface Settings {
  readonly serviceName: string
  readonly serviceVersion: string
  readonly deployEnv: string | undefined
  /** Strictly between 0 and 1: the ratio of new traces sampled; otherwise every trace is. */
  readonly sampleRate: number
  /** Paths (exact) with no telemetry: raw request paths for the server layer, endpoint patterns for the others. */
  readonly skipPaths: ReadonlySet<string>
  /** Some exporter takes traces / metrics. */
  readonly traces: boolean
  readonly metrics: boolean
  readonly global: GlobalSettings
  readonly otlp: ReadonlyArray<OtlpTarget>
  readonly prometheus: ReadonlyArray<PrometheusTarget>
  readonly timeBuckets: ReadonlyArray<number>
  readonly sizeBuckets: ReadonlyArray<number>
  /** The proxy layer of an endpoint (`undefined`: nothing to report). */
  readonly proxy: (endpoint: EndpointConfig) => ProxySettings | undefined
  /** The backend layer of a backend (`undefined`: nothing to report). */
  readonly backend: (endpoint: EndpointConfig, backend: BackendConfig) => BackendSettings | undefined
}

/** krakend-otel's duration buckets (seconds). */
export const defaultTimeBuckets: ReadonlyArray<number> = [
  0.01, 0.02, 0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2, 0.25, 0.3, 0.35, 0.5, 0.75, 1, 1.5, 2, 3.5, 5, 10
]

/** krakend-otel's size buckets (bytes). */
export const defaultSizeBuckets: ReadonlyArray<number> = [
  128, 256, 512, 1024, 4096, 8192, 16384, 32768, 65536, 262144, 524288, 1048576, 4194304, 16777216, 67108864
]

/** krakend-otel's default `skip_paths`. */
export const defaultSkipPaths: ReadonlyArray<string> = ["/__health", "/__debug/", "/__echo/", "/__stats/"]

const attributes = (list: ReadonlyArray<Attribute> | undefined): Attributes => {
  const out: Record<string, string> = {}
  for (const { key, value } of list ?? []) out[key] = value
  return out
}

const lower = (names: ReadonlyArray<string> | undefined): ReadonlySet<string> => new Set((names ?? []).map((n) => n.toLowerCase()))

const otlpUrl = (host: string, port: number): string => {
  const withScheme = /^https?:\/\//i.test(host) ? host : `http://${host}`
  return `${withScheme.replace(/\/+$/, "")}:${port}`
}

const proxySettings = (layer: ProxyLayer | undefined, traces: boolean, metrics: boolean): ProxySettings | undefined => {
  const settings: ProxySettings = {
    traces: traces && layer?.disable_traces !== true,
    metrics: metrics && layer?.disable_metrics !== true,
    reportHeaders: layer?.report_headers === true,
    skipHeaders: lower(layer?.skip_headers),
    metricAttributes: attributes(layer?.metrics_static_attributes),
    traceAttributes: attributes(layer?.traces_static_attributes)
  }
  return settings.traces || settings.metrics ? settings : undefined
}

/**
 * The backend layer: when `metrics` / `traces` is absent KrakenD turns everything on; when it is
 * present, only what it says (`round_trip` false unless set).
 */
const backendSettings = (layer: BackendLayer | undefined, traces: boolean, metrics: boolean): BackendSettings | undefined => {
  const m = layer?.metrics
  const t = layer?.traces
  const settings: BackendSettings = {
    stageTraces: traces && t?.disable_stage !== true,
    stageMetrics: metrics && m?.disable_stage !== true,
    clientTraces: traces && (t === undefined || t.round_trip),
    clientMetrics: metrics && (m === undefined || m.round_trip),
    reportHeaders: t?.report_headers === true,
    skipHeaders: lower(t?.skip_headers),
    metricAttributes: attributes(m?.static_attributes),
    traceAttributes: attributes(t?.static_attributes)
  }
  return settings.stageTraces || settings.stageMetrics || settings.clientTraces || settings.clientMetrics ? settings : undefined
}

/** The resolved settings of `options` (the service namespace) for `config`. */
export const resolve = (config: GatewayConfig, options: OpenTelemetryOptions): Settings => {
  const otlp: Array<OtlpTarget> = (options.exporters.otlp ?? []).map((e) => ({
    name: e.name,
    url: otlpUrl(e.host, e.port),
    traces: !e.disable_traces,
    metrics: !e.disable_metrics,
    metricPeriod: 1000 * (e.custom_metric_reporting_period > 0 ? e.custom_metric_reporting_period : options.metric_reporting_period || 30),
    grpc: !e.use_http
  }))
  const prometheus: Array<PrometheusTarget> = (options.exporters.prometheus ?? []).filter((e) => !e.disable_metrics).map((e) => ({
    name: e.name,
    port: e.port,
    host: e.listen_ip ?? e.host ?? "0.0.0.0",
    processMetrics: e.process_metrics || e.go_metrics
  }))
  const traces = otlp.some((e) => e.traces)
  const metrics = otlp.some((e) => e.metrics) || prometheus.length > 0
  const layers = options.layers
  const g = layers?.global
  const global: GlobalSettings = {
    traces: traces && g?.disable_traces !== true,
    metrics: metrics && g?.disable_metrics !== true,
    propagation: g?.disable_propagation !== true,
    reportHeaders: g?.report_headers === true,
    skipHeaders: lower(g?.skip_headers),
    metricAttributes: attributes(g?.metrics_static_attributes),
    traceAttributes: attributes(g?.traces_static_attributes),
    semconv127: g?.semantic_convention === "1.27"
  }
  const skipPaths = new Set(options.skip_paths === undefined || options.skip_paths.length === 0 ? defaultSkipPaths : options.skip_paths)
  const rate = options.trace_sample_rate
  return {
    serviceName: options.service_name ?? (config.name === "" ? "KrakenD" : config.name),
    serviceVersion: options.service_version ?? Version.version,
    deployEnv: options.deploy_env === "" ? undefined : options.deploy_env,
    sampleRate: rate > 0 && rate < 1 ? rate : 1,
    skipPaths,
    traces,
    metrics,
    global,
    otlp,
    prometheus,
    timeBuckets: options.histograms?.time_buckets ?? defaultTimeBuckets,
    sizeBuckets: options.histograms?.size_buckets ?? defaultSizeBuckets,
    proxy: (endpoint) =>
      skipPaths.has(endpoint.endpoint)
        ? undefined
        : proxySettings(endpoint.extra_config["telemetry/opentelemetry"]?.proxy ?? layers?.proxy, traces, metrics),
    backend: (endpoint, backend) =>
      skipPaths.has(endpoint.endpoint)
        ? undefined
        : backendSettings(
          backend.extra_config["telemetry/opentelemetry"]?.backend ?? endpoint.extra_config["telemetry/opentelemetry"]?.backend ??
            layers?.backend,
          traces,
          metrics
        )
  }
}

/** The settings of a config, `undefined` when it has no `telemetry/opentelemetry`. */
export const fromConfig = (config: GatewayConfig): Settings | undefined => {
  const options = config.extra_config["telemetry/opentelemetry"]
  return options === undefined ? undefined : resolve(config, options)
}

/** An endpoint as KrakenD names it in telemetry: its gin route (`/users/{userId}` → `/users/:userId`). */
export const endpointName = (pattern: string): string => pattern.replace(/\{([^}]+)\}/g, (_, name: string) => `:${name}`)

/** A pattern without its query (which may hold a secret: `/data?token=…`). */
export const withoutQuery = (pattern: string): string => {
  const query = pattern.indexOf("?")
  return query === -1 ? pattern : pattern.slice(0, query)
}

/** A `url_pattern` as krakend-otel names it: lura's template, normalised (`{userId}` → `:userid`), without its query. */
export const backendName = (pattern: string): string =>
  withoutQuery(pattern).replace(/\{([^}]+)\}/g, (_, name: string) => `:${name.toLowerCase()}`)
