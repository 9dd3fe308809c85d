/**
 * krakend-otel's metrics, as Effect metrics in the process registry (what the Prometheus and OTLP
 * exporters read): names per `semantic_convention`, durations in seconds, sizes in bytes. A
 * recording is a synchronous `updateUnsafe` on a metric bound to its attribute set; bound metrics
 * are cached by attribute key, so a request allocates no attribute objects once its combination
 * has been seen.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Metric from "effect/Metric"
import type { Attributes, Settings } from "./Settings.ts"

const empty: Context.Context<never> = Context.empty()

/** A metric of one attribute set at a time, bound on first use. */
export interface Recorder {
  readonly record: (value: number, key: string, attributes: () => Attributes) => void
}

/** A recorder over `metric`; `add` records by adding to the current value (an up-down gauge). */
export const recorder = (metric: Metric.Metric<number, unknown>, add = false): Recorder => {
  const bound = new Map<string, Metric.Metric<number, unknown>>()
  return {
    record: (value, key, attributes) => {
      let m = bound.get(key)
      if (m === undefined) {
        m = Metric.withAttributes(metric, attributes())
        bound.set(key, m)
      }
      if (add) m.modifyUnsafe(value, empty)
      else m.updateUnsafe(value, empty)
    }
  }
}

/** A monotonic counter recorder (a counter in Prometheus, a monotonic sum in OTLP). */
export const counter = (name: string, description: string): Recorder =>
  recorder(Metric.counter(name, { description, incremental: true }))

/** The instruments of a gateway (created once per gateway; the registry keeps one per name). */
export interface Instruments {
  readonly serverDuration: Recorder
  readonly serverResponseSize: Recorder
  readonly serverActive: Recorder
  readonly proxyDuration: Recorder
  readonly backendDuration: Recorder
  readonly clientStarted: Recorder
  readonly clientFailed: Recorder
  readonly clientCanceled: Recorder
  readonly clientTimedOut: Recorder
  readonly clientDuration: Recorder
  readonly clientResponseSize: Recorder
  readonly clientNoContentLength: Recorder
}

/** The instruments for `settings` (KrakenD's names; OpenTelemetry 1.27 names with `semantic_convention: "1.27"`). */
export const make = (settings: Settings): Instruments => {
  const semconv = settings.global.semconv127
  const time = settings.timeBuckets
  const size = settings.sizeBuckets
  const histogram = (name: string, boundaries: ReadonlyArray<number>, description: string) =>
    recorder(Metric.histogram(name, { boundaries, description }))
  return {
    serverDuration: histogram(semconv ? "http.server.request.duration" : "http.server.duration", time, "Duration of HTTP server requests (s)"),
    serverResponseSize: histogram(semconv ? "http.server.response.body.size" : "http.server.response.size", size, "Size of HTTP server response bodies (bytes)"),
    serverActive: recorder(Metric.gauge("http.server.active_requests", { description: "HTTP server requests in flight" }), true),
    proxyDuration: histogram("krakend.proxy.duration", time, "Duration of the endpoint (proxy) pipe (s)"),
    backendDuration: histogram("krakend.backend.duration", time, "Duration of a backend stage (s)"),
    clientStarted: counter("http.client.request.started.count", "Backend requests started"),
    clientFailed: counter("http.client.request.failed.count", "Backend requests that failed (timeouts included)"),
    clientCanceled: counter("http.client.request.canceled.count", "Backend requests canceled"),
    clientTimedOut: counter("http.client.request.timedout.count", "Backend requests timed out"),
    clientDuration: histogram(semconv ? "http.client.request.duration" : "http.client.duration", time, "Duration of backend requests (s)"),
    clientResponseSize: histogram(
      semconv ? "http.client.response.body.size" : "http.client.response.size",
      size,
      "Size of backend response bodies (bytes)"
    ),
    clientNoContentLength: counter("http.client.response.no-content-length", "Backend responses without Content-Length")
  }
}
