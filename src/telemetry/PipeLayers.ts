/**
 * krakend-otel's proxy and backend layers, as stages of the pipes (`Factory.ts`): the proxy span
 * and `krakend.proxy.duration` around an endpoint's pipe, the backend stage span and
 * `krakend.backend.duration` around a backend's stack, and the backend-request (CLIENT) span and
 * `http.client.*` metrics around the call itself, which writes the W3C `traceparent` (and the
 * incoming `tracestate`) on the backend request — also for client plugins, which send the
 * request's headers. Each returns `undefined` when its layer reports nothing, and the stage is
 * then not built at all.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Cause from "effect/Cause"
import type { BackendConfig, EndpointConfig } from "../config/Model.ts"
import type { Executor, RawResponse } from "../proxy/Executor.ts"
import type { Middleware, ProxyRequest } from "../proxy/Proxy.ts"
import type { BackendError } from "../proxy/ProxyError.ts"
import type { Recorder } from "./Instruments.ts"
import { headerAttributes, type Runtime } from "./ServerLayer.ts"
import * as Settings from "./Settings.ts"
import * as Tracing from "./Tracing.ts"
import * as NullRecord from "../NullRecord.ts"

const failureAttributes = (cause: Cause.Cause<unknown>): Record<string, unknown> =>
  Cause.hasInterruptsOnly(cause)
    ? { canceled: true, "http.response.status_code": 500 }
    : { error: Cause.pretty(cause).split("\n")[0] ?? "error", "http.response.status_code": 500 }

/** A prefix unique to each built stage, so that its metric series are its own. */
let stages = 0
const pipeId = (): string => `${++stages}:`

/** Span and metric of one pipe stage (proxy or backend stage). */
const stage = (
  runtime: Runtime,
  name: string,
  traces: boolean,
  metric: ((seconds: number, attributes: () => Record<string, string>, key: string) => void) | undefined,
  fixed: Record<string, string>,
  traceAttributes: Record<string, string>,
  reportHeaders: { readonly on: boolean; readonly skip: ReadonlySet<string> }
): Middleware | undefined => {
  const spans = traces && runtime.tracer !== undefined
  if (!spans && metric === undefined) return undefined
  const id = pipeId()
  return (next) => (req) => {
    const started = performance.now()
    const measured = metric === undefined
      ? next(req)
      : Effect.onExit(next(req), (exit) =>
        Effect.sync(() => {
          const canceled = Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)
          const failed = Exit.isFailure(exit) && !canceled
          const complete = Exit.isSuccess(exit) && exit.value.isComplete
          metric((performance.now() - started) / 1000, () => ({
            ...fixed,
            error: String(failed),
            canceled: String(canceled),
            complete: String(complete)
          }), id + (failed ? "e" : canceled ? "c" : complete ? "t" : "f"))
        }))
    if (!spans) return measured
    return Effect.withFiber((fiber) => {
      // below an unsampled span nothing is exported: no span objects at all
      if (Tracing.currentSpan(fiber.context)?.sampled === false) return measured
      const attributes: Record<string, unknown> = {
        ...traceAttributes,
        ...fixed,
        ...(reportHeaders.on ? headerAttributes("http.request.header.", req.headers, reportHeaders.skip) : {})
      }
      return Effect.useSpan(name, { kind: "internal", attributes }, (span) =>
      Effect.withParentSpan(
        Effect.onExit(measured, (exit) =>
          Effect.sync(() => {
            if (Exit.isSuccess(exit)) {
              span.attribute("http.response.status_code", exit.value.metadata.status)
              span.attribute("complete", exit.value.isComplete)
            } else {
              const attrs = failureAttributes(exit.cause)
              for (const key in attrs) span.attribute(key, attrs[key])
              span.attribute("complete", false)
            }
          })),
        span,
        { captureStackTrace: false }
      ))
    })
  }
}

/** A stage's duration metric on `recorder` with the layer's static attributes (`undefined`: off). */
const durationMetric = (recorder: Recorder | undefined, staticAttributes: Record<string, string>) =>
  recorder === undefined
    ? undefined
    : (seconds: number, attributes: () => Record<string, string>, key: string) =>
      recorder.record(seconds, key, () => ({ ...staticAttributes, ...attributes() }))

/** The proxy layer of an endpoint, outermost in its pipe. */
export const proxy = (runtime: Runtime, endpoint: EndpointConfig): Middleware | undefined => {
  const settings = runtime.settings.proxy(endpoint)
  if (settings === undefined) return undefined
  const route = Settings.endpointName(endpoint.endpoint)
  const fixed = { "http.request.method": endpoint.method, "http.route": route, "krakend.stage": "proxy" }
  const metric = durationMetric(settings.metrics ? runtime.instruments?.proxyDuration : undefined, settings.metricAttributes)
  return stage(runtime, route, settings.traces, metric, fixed, settings.traceAttributes, { on: settings.reportHeaders, skip: settings.skipHeaders })
}

/** The fixed attributes of a backend's spans and metrics (stage and client layers). */
const backendAttributes = (endpoint: EndpointConfig, backend: BackendConfig, route: string) => ({
  "http.request.method": backend.method,
  "http.route": route,
  "krakend.endpoint.route": Settings.endpointName(endpoint.endpoint),
  "krakend.endpoint.method": endpoint.method
})

/** The backend stage of a backend, outermost in its stack. */
export const backendStage = (runtime: Runtime, endpoint: EndpointConfig, backend: BackendConfig): Middleware | undefined => {
  const settings = runtime.settings.backend(endpoint, backend)
  if (settings === undefined) return undefined
  const route = Settings.backendName(backend.url_pattern)
  const fixed = { ...backendAttributes(endpoint, backend, route), "krakend.stage": "backend" }
  const metric = durationMetric(settings.stageMetrics ? runtime.instruments?.backendDuration : undefined, settings.metricAttributes)
  return stage(runtime, route, settings.stageTraces, metric, fixed, settings.traceAttributes, { on: settings.reportHeaders, skip: settings.skipHeaders })
}

const bodySize = (raw: RawResponse): number | undefined => {
  if (raw.body !== undefined) return raw.body.byteLength
  const length = raw.headers["content-length"]
  return length === undefined ? undefined : Number(length)
}

interface Target {
  /** `scheme://host[:port]` as the URL has it. */
  readonly origin: string
  readonly host: string
  readonly port: string
}

const origins = new Map<string, Target>()

/** The origin of a backend URL, parsed once per origin (a bounded cache: backends have few). */
const targetOf = (url: string | undefined): Target => {
  const u = url ?? ""
  const end = u.indexOf("/", u.indexOf("//") + 2)
  const origin = end === -1 ? u : u.slice(0, end)
  let target = origins.get(origin)
  if (target === undefined) {
    try {
      const parsed = new URL(origin)
      target = { origin, host: parsed.hostname, port: parsed.port === "" ? (parsed.protocol === "https:" ? "443" : "80") : parsed.port }
    } catch {
      target = { origin, host: "", port: "" }
    }
    if (origins.size > 1000) origins.clear()
    origins.set(origin, target)
  }
  return target
}

/** The URL a span may show: without the query (it may hold secrets) and without `user:password@`. */
const fullUrl = (url: string | undefined): string => {
  const u = url ?? ""
  const query = u.indexOf("?")
  const noQuery = query === -1 ? u : u.slice(0, query)
  const authority = noQuery.indexOf("//") + 2
  const end = noQuery.indexOf("/", authority)
  const at = noQuery.lastIndexOf("@", end === -1 ? noQuery.length : end)
  return at >= authority ? noQuery.slice(0, authority) + noQuery.slice(at + 1) : noQuery
}

/** Request headers with `traceparent` / `tracestate` (any case) replaced by Sluice's. */
const withTraceHeaders = (headers: ProxyRequest["headers"], traceparent: string, tracestate: string | undefined): ProxyRequest["headers"] => {
  const out: Record<string, ReadonlyArray<string>> = NullRecord.make()
  for (const name in headers) {
    const lower = name.toLowerCase()
    if (lower !== "traceparent" && lower !== "tracestate") out[name] = headers[name]!
  }
  out["traceparent"] = [traceparent]
  if (tracestate !== undefined) out["tracestate"] = [tracestate]
  return out
}

/**
 * The backend-request layer around a backend's executor: the CLIENT span (its context written on
 * the request as `traceparent`), the `http.client.*` metrics. With tracing on and this span off,
 * the backend still gets the `traceparent` of the current span.
 */
export const client = (runtime: Runtime, endpoint: EndpointConfig, backend: BackendConfig): ((executor: Executor) => Executor) | undefined => {
  const settings = runtime.settings.backend(endpoint, backend)
  // a caller's trace context is forwarded even without a trace exporter (unless propagation is off)
  const tracing = runtime.tracer !== undefined || runtime.settings.global.propagation
  const spans = runtime.tracer !== undefined && settings?.clientTraces === true
  const instruments = settings?.clientMetrics === true ? runtime.instruments : undefined
  if (!tracing && instruments === undefined) return undefined
  const route = Settings.backendName(backend.url_pattern)
  const fixed = {
    ...backendAttributes(endpoint, backend, route),
    clientname: Settings.withoutQuery(backend.url_pattern)
  }
  const metricAttributes = settings?.metricAttributes ?? {}
  const id = pipeId()

  const inject = (req: ProxyRequest, context: Context.Context<never>, span = Tracing.currentSpan(context)): ProxyRequest => {
    if (span === undefined) return req
    const state = Context.getOrUndefined(context, Tracing.RequestTelemetry)
    return { ...req, headers: withTraceHeaders(req.headers, Tracing.traceparent(span), state?.tracestate) }
  }

  const measure = (call: Effect.Effect<RawResponse, BackendError>, req: ProxyRequest): Effect.Effect<RawResponse, BackendError> => {
    if (instruments === undefined) return call
    const started = performance.now()
    const target = targetOf(req.url)
    const key = id + target.origin
    const base = () => ({ ...metricAttributes, ...fixed, "server.address": target.host, "server.port": target.port })
    instruments.clientStarted.record(1, key, base)
    return Effect.onExit(call, (exit) =>
      Effect.sync(() => {
        if (Exit.isFailure(exit)) {
          if (Cause.hasInterruptsOnly(exit.cause)) instruments.clientCanceled.record(1, key, base)
          else {
            instruments.clientFailed.record(1, key, base)
            const error = Cause.findError(exit.cause)
            if (error._tag === "Success" && error.success.reason === "Timeout") instruments.clientTimedOut.record(1, key, base)
          }
          return
        }
        const status = exit.value.status
        const withStatus = `${key} ${status}`
        const attributes = () => ({ ...base(), "http.response.status_code": String(status) })
        instruments.clientDuration.record((performance.now() - started) / 1000, withStatus, attributes)
        const size = bodySize(exit.value)
        if (size === undefined) instruments.clientNoContentLength.record(1, withStatus, attributes)
        else instruments.clientResponseSize.record(size, withStatus, attributes)
      }))
  }

  return (executor) => (req) => {
    if (!tracing) return measure(executor(req), req)
    return Effect.withFiber((fiber) =>
      !spans || Tracing.currentSpan(fiber.context)?.sampled === false
        ? measure(executor(inject(req, fiber.context)), req)
        : clientSpan(executor, req)
    )
  }

  function clientSpan(executor: Executor, req: ProxyRequest): Effect.Effect<RawResponse, BackendError> {
    const target = targetOf(req.url)
    const attributes: Record<string, unknown> = {
      ...settings?.traceAttributes,
      ...fixed,
      "krakend.stage": "backend-request",
      "url.full": fullUrl(req.url),
      "server.address": target.host,
      ...(req.body === undefined ? {} : { "http.request.body.size": req.body.byteLength }),
      ...(settings?.reportHeaders === true ? headerAttributes("http.request.header.", req.headers, settings.skipHeaders) : {})
    }
    return Effect.useSpan(route, { kind: "client", attributes }, (span) =>
      Effect.withFiber((fiber) => {
        const sent = inject(req, fiber.context, span)
        return Effect.onExit(measure(executor(sent), sent), (exit) =>
          Effect.sync(() => {
            if (Exit.isSuccess(exit)) {
              span.attribute("http.response.status_code", exit.value.status)
              const size = bodySize(exit.value)
              if (size !== undefined) span.attribute("http.response.body.size", size)
            } else {
              const attrs = failureAttributes(exit.cause)
              for (const key in attrs) span.attribute(key, attrs[key])
            }
          }))
      }))
  }
}

/** Composes optional middlewares (skipping the absent ones), the first outermost. */
export const present = (...stages: ReadonlyArray<Middleware | undefined>): ReadonlyArray<Middleware> =>
  stages.filter((s): s is Middleware => s !== undefined)
