/**
 * Trace context of a request: the parent span continued from an incoming W3C `traceparent`
 * (krakend-otel's default propagator: tracecontext), the sampling of new traces
 * (`ParentBased(TraceIDRatio)`: a rate strictly between 0 and 1 samples that share of new traces,
 * an incoming decision is kept), and the `traceparent` / `tracestate` written on backend requests.
 * Spans themselves are Effect spans; the exporter is Effect's OTLP tracer.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import * as HttpTraceContext from "effect/http/HttpTraceContext"
import type * as Headers from "effect/http/Headers"
import { randomBytes } from "node:crypto"

/** What one traced request carries from the server layer to the router and the backend calls. */
export interface RequestState {
  /** The matched endpoint pattern (`/users/:id`), set by the router. */
  route: string | undefined
  /** The incoming `tracestate`, passed on to the backends. */
  readonly tracestate: string | undefined
}

/** The request state, provided by the server layer (absent when telemetry is off). */
export class RequestTelemetry extends Context.Service<RequestTelemetry, RequestState>()("sluice/telemetry/RequestTelemetry") {}

const hex = (bytes: number): string => randomBytes(bytes).toString("hex")

/** The caller's span from a valid W3C `traceparent` (krakend-otel's default propagator; no b3). */
export const incoming = (headers: Headers.Headers): Tracer.ExternalSpan | undefined => {
  const span = HttpTraceContext.w3c(headers)
  return Option.isSome(span) ? span.value : undefined
}

/**
 * The parent of a request's spans. With the caller's span: a rate strictly between 0 and 1 keeps
 * its sampling decision (parent-based), any other rate samples it anyway (krakend-otel's
 * AlwaysSample). A new trace the sampler drops gets an unsampled root, so nothing below it is
 * exported and backends get `-00` flags; a sampled new trace has no parent (`undefined`).
 */
export const parentOf = (caller: Tracer.ExternalSpan | undefined, sampleRate: number): Tracer.AnySpan | undefined => {
  if (caller !== undefined) {
    return caller.sampled || sampleRate < 1 ? caller : Tracer.externalSpan({ traceId: caller.traceId, spanId: caller.spanId, sampled: true })
  }
  if (sampleRate >= 1 || Math.random() < sampleRate) return undefined
  return Tracer.externalSpan({ traceId: hex(16), spanId: hex(8), sampled: false })
}

/** The W3C `traceparent` of a span (ids padded to W3C's lengths). */
export const traceparent = (span: Tracer.AnySpan): string =>
  `00-${span.traceId.padStart(32, "0")}-${span.spanId.padStart(16, "0")}-${span.sampled ? "01" : "00"}`

/** The current span of a fiber context, if any. */
export const currentSpan = (context: Context.Context<never>): Tracer.AnySpan | undefined =>
  Context.getOrUndefined(context, Tracer.ParentSpan)
