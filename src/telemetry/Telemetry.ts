/**
 * The telemetry of a gateway, built with it (in its scope) from `telemetry/opentelemetry`: the
 * settings, the metric instruments, the exporting tracer (Effect's OTLP tracer, OTLP/HTTP with
 * JSON bodies: Effect's protobuf encoder costs more CPU per span) and the metric pushers and Prometheus listeners. The pipes find it as `TelemetryRuntime`
 * (`undefined` without the namespace: nothing is wrapped, nothing is recorded).
 *
 * Exports never slow requests: spans are batched by the exporter (`maxBatchSize` 512, every 5 s);
 * a collector gets at most two exports at once, each bounded by 10 s — a further export is
 * dropped and counted (`otlp.exporter.dropped_batches`) — and after failed retries Effect's
 * exporter pauses for a minute, dropping what it holds. Several OTLP exporters get the same
 * batches (metrics at the shortest of their periods).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as Tracer from "effect/Tracer"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as OtlpExporter from "effect/observability/OtlpExporter"
import * as OtlpMetrics from "effect/observability/OtlpMetrics"
import * as OtlpSerialization from "effect/observability/OtlpSerialization"
import * as OtlpTracer from "effect/observability/OtlpTracer"
import { ConfigError } from "../config/ConfigError.ts"
import type { GatewayConfig } from "../config/Model.ts"
import * as ClusterScrape from "./ClusterScrape.ts"
import * as GrpcExport from "./GrpcExport.ts"
import * as Instruments from "./Instruments.ts"
import * as Prometheus from "./Prometheus.ts"
import type { Runtime } from "./ServerLayer.ts"
import * as Settings from "./Settings.ts"

/** The gateway's telemetry; `undefined` (the default) means none. */
export const TelemetryRuntime: Context.Reference<Runtime | undefined> = Context.Reference<Runtime | undefined>(
  "sluice/telemetry/TelemetryRuntime",
  { defaultValue: () => undefined }
)

const EXPORT_TIMEOUT = Duration.seconds(10)
const MAX_IN_FLIGHT = 2

/**
 * The HTTP client of the OTLP exporters: each export goes to every target (same path; a gRPC
 * target gets it as a unary call, `GrpcExport`), at most `MAX_IN_FLIGHT` at once and each within
 * `EXPORT_TIMEOUT`; a busy client drops the export. An export succeeds when one collector took it
 * (a dead collector next to a healthy one is not retried into duplicates at the healthy one).
 */
const exportClient = (
  targets: ReadonlyArray<Settings.OtlpTarget>,
  dropped: Instruments.Recorder
): Effect.Effect<HttpClient.HttpClient, never, Scope.Scope> =>
  Effect.gen(function*() {
    const http = yield* Effect.provide(Effect.service(HttpClient.HttpClient), FetchHttpClient.layer)
    const timedOut = (request: HttpClientRequest.HttpClientRequest) =>
      Effect.fail(new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, description: "export timed out" }) }))
    const senders = yield* Effect.forEach(targets, (target) =>
      target.grpc
        ? GrpcExport.client(target.url).pipe(Effect.map((send) => (request: HttpClientRequest.HttpClientRequest, path: string) =>
          send(request, path, Duration.toMillis(EXPORT_TIMEOUT))
        ))
        : Effect.succeed((request: HttpClientRequest.HttpClientRequest, path: string) =>
          http.execute(HttpClientRequest.setUrl(request, `${target.url}${path}`))
        ))
    let inFlight = 0
    return HttpClient.make((request, url) => {
      if (inFlight >= MAX_IN_FLIGHT) {
        dropped.record(1, url.pathname, () => ({ "url.path": url.pathname }))
        return Effect.fail(
          new HttpClientError.HttpClientError({
            reason: new HttpClientError.TransportError({ request, description: "the collector is still busy with earlier exports: dropped" })
          })
        )
      }
      inFlight++
      const sends = senders.map((send) =>
        send(request, url.pathname).pipe(Effect.timeoutOrElse({ duration: EXPORT_TIMEOUT, orElse: () => timedOut(request) }))
      )
      const any = sends.length === 1
        ? sends[0]!
        : Effect.flatMap(Effect.all(sends.map((send) => Effect.result(send)), { concurrency: "unbounded" }), (results) => {
          const ok = results.find((r) => r._tag === "Success")
          return ok !== undefined && ok._tag === "Success" ? Effect.succeed(ok.success) : Effect.fail((results[0] as { readonly failure: HttpClientError.HttpClientError }).failure)
        })
      return Effect.ensuring(any, Effect.sync(() => inFlight--))
    })
  })

/** Builds the telemetry of `config` in the current scope (`undefined` without the namespace). */
export const make = (config: GatewayConfig): Effect.Effect<Runtime | undefined, ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const settings = Settings.fromConfig(config)
    if (settings === undefined) return undefined
    const instruments = settings.metrics ? Instruments.make(settings) : undefined
    const resource = {
      serviceName: settings.serviceName,
      serviceVersion: settings.serviceVersion,
      attributes: {
        "service.instance.id": String(process.pid),
        ...(settings.deployEnv === undefined ? {} : { "deployment.environment": settings.deployEnv })
      }
    }
    const dropped = Instruments.counter("otlp.exporter.dropped_batches", "OTLP exports dropped because the collector was busy")
    // OTLP/JSON is cheaper to encode here; gRPC carries protobuf (an OTLP/HTTP collector next to a
    // gRPC one takes protobuf too)
    const services = (targets: ReadonlyArray<Settings.OtlpTarget>) =>
      Effect.map(exportClient(targets, dropped), (client) =>
        Layer.mergeAll(
          targets.some((t) => t.grpc) ? OtlpSerialization.layerProtobuf : OtlpSerialization.layerJson,
          Layer.succeed(HttpClient.HttpClient, client),
          OtlpExporter.layerFlusher
        ))

    let tracer: Tracer.Tracer | undefined
    const traceTargets = settings.otlp.filter((t) => t.traces)
    if (traceTargets.length > 0) {
      const layer = yield* services(traceTargets)
      tracer = yield* Effect.provide(
        OtlpTracer.make({
          url: `${traceTargets[0]!.url}/v1/traces`,
          resource,
          exportInterval: Duration.seconds(5),
          maxBatchSize: 512,
          shutdownTimeout: Duration.seconds(3)
        }),
        layer
      )
    }
    const metricTargets = instruments === undefined ? [] : settings.otlp.filter((t) => t.metrics)
    if (metricTargets.length > 0) {
      const layer = yield* services(metricTargets)
      yield* Effect.provide(
        OtlpMetrics.make({
          url: `${metricTargets[0]!.url}/v1/metrics`,
          resource,
          exportInterval: Duration.millis(Math.min(...metricTargets.map((t) => t.metricPeriod))),
          shutdownTimeout: Duration.seconds(3)
        }),
        layer
      )
    }
    if (instruments !== undefined && settings.prometheus.length > 0 && ClusterScrape.inWorker()) {
      // with --workers N the primary serves /metrics and asks every worker for its text
      ClusterScrape.answerScrapes(settings.prometheus.some((t) => t.processMetrics) ? Prometheus.processGauges().refresh : undefined)
    }
    for (const target of instruments === undefined || ClusterScrape.inWorker() ? [] : settings.prometheus) {
      yield* Effect.mapError(
        Prometheus.serve(target),
        (error) => new ConfigError({ issues: [{ path: "$.extra_config[\"telemetry/opentelemetry\"].exporters.prometheus", message: error.message }] })
      )
    }
    return { settings, instruments, tracer }
  })
