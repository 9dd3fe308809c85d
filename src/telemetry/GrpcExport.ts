/**
 * OTLP over gRPC (KrakenD's default, `use_http: false`): the OTLP exporters' HTTP requests
 * (`POST /v1/traces`, `/v1/metrics` with a protobuf body from Effect's OTLP serialisation) sent
 * as unary calls of the collector's `TraceService/Export` and `MetricsService/Export` through
 * `@grpc/grpc-js` (loaded only when a gRPC exporter is configured). The gRPC status becomes an
 * HTTP status for the exporter's retry rules: OTLP's retryable codes 503 (`RESOURCE_EXHAUSTED`
 * 429, `DEADLINE_EXCEEDED` 504), other failures 400 (not retried). As krakend-otel: `https://` hosts
 * use TLS (Node's trusted CAs, `NODE_EXTRA_CA_CERTS` included), hosts without a scheme or with
 * `http://` connect in plain text.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import { getCACertificates } from "node:tls"

/** The gRPC method of each OTLP/HTTP path. */
const methods: Readonly<Record<string, string>> = {
  "/v1/traces": "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
  "/v1/metrics": "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
  "/v1/logs": "/opentelemetry.proto.collector.logs.v1.LogsService/Export"
}

/** OTLP's retryable codes (CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS). */
const httpStatus = (code: number): number =>
  code === 8 ? 429 : code === 4 ? 504 : code === 1 || code === 10 || code === 11 || code === 14 || code === 15 ? 503 : 400

type GrpcModule = typeof import("@grpc/grpc-js")

const identity = (value: Buffer): Buffer => value

/** Sends one export to a collector at `url` (`http(s)://host:port`). */
export type Send = (
  request: HttpClientRequest.HttpClientRequest,
  path: string,
  timeoutMs: number
) => Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>

/** A gRPC client for the collector at `url`, closed with the scope. */
export const client = (url: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const grpc: GrpcModule = await import("@grpc/grpc-js")
      const parsed = new URL(url)
      // Node's default trust (bundled roots and NODE_EXTRA_CA_CERTS), which grpc-js alone does not apply
      const credentials = parsed.protocol === "https:"
        ? grpc.credentials.createSsl(Buffer.from(getCACertificates("default").join("\n")))
        : grpc.credentials.createInsecure()
      // the port always written out: a URL drops its scheme's default port, which gRPC would not assume
      const port = parsed.port === "" ? (parsed.protocol === "https:" ? "443" : "80") : parsed.port
      return { grpc, channel: new grpc.Client(`${parsed.hostname}:${port}`, credentials) }
    }),
    ({ channel }) => Effect.sync(() => channel.close())
  ).pipe(Effect.map(({ grpc, channel }): Send => (request, path, timeoutMs) => {
    const fail = (description: string) =>
      Effect.fail(new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, description }) }))
    const method = methods[path]
    if (method === undefined) return fail(`no OTLP gRPC method for ${path}`)
    const body = request.body
    if (body._tag !== "Uint8Array") return fail("an OTLP gRPC export needs a protobuf body")
    return Effect.callback<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
      const call = channel.makeUnaryRequest(
        method,
        identity,
        identity,
        Buffer.from(body.body.buffer, body.body.byteOffset, body.body.byteLength),
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (error) => {
          const status = error === null ? 200 : httpStatus(error.code)
          resume(Effect.succeed(HttpClientResponse.fromWeb(request, new Response(null, { status }))))
        }
      )
      return Effect.sync(() => call.cancel())
    })
  }))
