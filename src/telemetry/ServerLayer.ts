/**
 * krakend-otel's global layer, around the whole HTTP app (outermost in `ServiceStack.ts`): the
 * server span (named by the raw path, kind SERVER, child of an incoming `traceparent`), the
 * `http.server.*` metrics and the in-flight count. The router writes the matched endpoint pattern
 * into the request state (`http.route`); unmatched requests are named by their status
 * (`404 Not Found`). Paths in `skip_paths` get nothing.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Tracer from "effect/Tracer"
import { STATUS_CODES } from "node:http"
import type { HttpApp } from "../router/Router.ts"
import { credentialLike, redactedNames } from "../server/Logging.ts"
import type { Instruments } from "./Instruments.ts"
import type { Attributes, Settings } from "./Settings.ts"
import * as Tracing from "./Tracing.ts"

/** What the server layer needs besides the settings. */
export interface Runtime {
  readonly settings: Settings
  readonly instruments: Instruments | undefined
  /** The exporting tracer, when some exporter takes traces. */
  readonly tracer: Tracer.Tracer | undefined
}

const routeOf = (state: Tracing.RequestState, status: number): string =>
  state.route ?? `${status} ${STATUS_CODES[status] ?? ""}`.trimEnd()

const sizeOf = (response: HttpServerResponse.HttpServerResponse): number | undefined => {
  const body = response.body
  if (body._tag === "Uint8Array") return body.contentLength
  if (body._tag === "Empty") return 0
  const length = response.headers["content-length"]
  return length === undefined ? undefined : Number(length)
}

/** `http.request.header.<name>` attributes (credentials and `skip` left out). */
export const headerAttributes = (
  prefix: string,
  headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>,
  skip: ReadonlySet<string>
): Record<string, ReadonlyArray<string>> => {
  const out: Record<string, ReadonlyArray<string>> = {}
  for (const name in headers) {
    const lower = name.toLowerCase()
    const value = headers[name]
    if (value === undefined || skip.has(lower) || redactedNames.has(lower) || credentialLike.test(lower)) continue
    out[`${prefix}${lower}`] = typeof value === "string" ? [value] : value
  }
  return out
}

/** The global layer of `runtime` (the identity when it reports nothing). */
export const make = (runtime: Runtime, scheme: "http" | "https") => (app: HttpApp): HttpApp => {
  const { instruments, settings, tracer } = runtime
  const global = settings.global
  const spans = global.traces && tracer !== undefined
  const allMetrics = global.metrics && instruments !== undefined ? instruments : undefined
  // without a trace exporter the caller's context is still forwarded as it came (krakend-otel's no-op provider)
  const propagate = global.propagation
  if (tracer === undefined && allMetrics === undefined && !propagate) return app
  const staticMetric: Attributes = global.metricAttributes

  return Effect.withFiber((fiber) => {
    const request = Context.getUnsafe(fiber.context, HttpServerRequest.HttpServerRequest)
    const query = request.url.indexOf("?")
    const path = query === -1 ? request.url : request.url.slice(0, query)
    // a skipped path gets no server span and no server metrics; its endpoint's layers still report
    const skipped = settings.skipPaths.has(path)
    const metrics = skipped ? undefined : allMetrics
    const started = performance.now()
    const caller = propagate ? Tracing.incoming(request.headers) : undefined
    // nothing to report and no trace to carry on: the app as it is
    if (skipped && tracer === undefined && caller === undefined) return app
    const state: Tracing.RequestState = { route: undefined, tracestate: caller === undefined ? undefined : request.headers["tracestate"] }
    metrics?.serverActive.record(1, request.method, () => ({ ...staticMetric, "http.request.method": request.method }))

    const record = (response: HttpServerResponse.HttpServerResponse | undefined) => {
      if (metrics === undefined) return
      metrics.serverActive.record(-1, request.method, () => ({ ...staticMetric, "http.request.method": request.method }))
      if (response === undefined) return
      const route = routeOf(state, response.status)
      const key = `${request.method} ${route} ${response.status}`
      const attributes = () => ({
        ...staticMetric,
        "http.request.method": request.method,
        "url.scheme": scheme,
        "http.route": route,
        "http.response.status_code": String(response.status)
      })
      metrics.serverDuration.record((performance.now() - started) / 1000, key, attributes)
      const size = sizeOf(response)
      if (size !== undefined) metrics.serverResponseSize.record(size, key, attributes)
    }

    let inner: HttpApp = Effect.provideService(app, Tracing.RequestTelemetry, state)
    if (tracer === undefined) {
      if (caller !== undefined) inner = Effect.withParentSpan(inner, caller, { captureStackTrace: false })
    } else {
      const parent = Tracing.parentOf(caller, settings.sampleRate)
      if (spans && !skipped && parent?.sampled !== false) {
        const host = request.headers["host"] ?? ""
        const length = request.headers["content-length"]
        const attributes: Record<string, unknown> = {
          ...global.traceAttributes,
          "krakend.stage": "global",
          "url.full": `${scheme}://${host}${path}`,
          "url.path": path,
          "server.address": host,
          "http.request.method": request.method,
          "user_agent.original": request.headers["user-agent"] ?? "",
          ...(length === undefined ? {} : { "http.request.body.size": Number(length) }),
          ...(global.reportHeaders ? headerAttributes("http.request.header.", request.headers, global.skipHeaders) : {})
        }
        const served = inner
        inner = Effect.useSpan(path, { kind: "server", parent, attributes }, (span) =>
          Effect.withParentSpan(
            Effect.map(served, (response) => {
              span.attribute("http.route", routeOf(state, response.status))
              span.attribute("http.response.status_code", response.status)
              const size = sizeOf(response)
              if (size !== undefined) span.attribute("http.response.body.size", size)
              if (global.reportHeaders) {
                const reported = headerAttributes("http.response.header.", response.headers, global.skipHeaders)
                for (const key in reported) span.attribute(key, reported[key])
              }
              return response
            }),
            span,
            { captureStackTrace: false }
          ))
      } else if (parent !== undefined) {
        inner = Effect.withParentSpan(inner, parent, { captureStackTrace: false })
      }
      inner = Effect.provideService(inner, Tracer.Tracer, tracer)
    }
    return metrics === undefined
      ? inner
      : Effect.onExit(inner, (exit) => Effect.sync(() => record(Exit.isSuccess(exit) ? exit.value : undefined)))
  })
}
