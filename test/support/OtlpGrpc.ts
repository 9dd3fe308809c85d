/**
 * An OTLP collector over gRPC on 127.0.0.1 for telemetry tests: a real `@grpc/grpc-js` server with
 * the collector's `TraceService/Export` and `MetricsService/Export`, decoding the protobuf bodies
 * with the OpenTelemetry proto definitions `@opentelemetry/otlp-transformer` ships (generated
 * protobufjs code). What it receives lands in the same `Collector` shape as the OTLP/HTTP one.
 * `failures` makes the next exports answer `UNAVAILABLE`.
 */
import * as grpc from "@grpc/grpc-js"
import { createRequire } from "node:module"
import type { Collector } from "./Otlp.ts"
import { ingestMetrics, ingestTraces } from "./Otlp.ts"

interface MessageType {
  decode(bytes: Uint8Array): unknown
  encode(message: unknown): { finish(): Uint8Array }
  toObject(message: unknown, options: Record<string, unknown>): Record<string, unknown>
}

interface Service {
  readonly request: MessageType
  readonly response: MessageType
}

const root = createRequire(import.meta.url)("@opentelemetry/otlp-transformer/build/src/generated/root.js") as {
  opentelemetry: { proto: { collector: Record<string, { v1: Record<string, MessageType> }> } }
}
const collectorProto = root.opentelemetry.proto.collector
const services: Record<"trace" | "metrics", Service> = {
  trace: {
    request: collectorProto["trace"]!.v1["ExportTraceServiceRequest"]!,
    response: collectorProto["trace"]!.v1["ExportTraceServiceResponse"]!
  },
  metrics: {
    request: collectorProto["metrics"]!.v1["ExportMetricsServiceRequest"]!,
    response: collectorProto["metrics"]!.v1["ExportMetricsServiceResponse"]!
  }
}

/** protobuf bytes (base64 in `toObject`) → the hex ids of OTLP's JSON mapping. */
const hexIds = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(hexIds)
  if (value === null || typeof value !== "object") return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    out[k] = (k === "traceId" || k === "spanId" || k === "parentSpanId") && typeof v === "string"
      ? Buffer.from(v, "base64").toString("hex")
      : hexIds(v)
  }
  return out
}

export interface GrpcCollector extends Collector {
  /** gRPC calls received, by method path. */
  readonly calls: Array<string>
  /** How many of the next calls answer `UNAVAILABLE`. */
  failures: number
}

export const start = async (credentials: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure()): Promise<GrpcCollector> => {
  const server = new grpc.Server()
  const collector: GrpcCollector = {
    url: "",
    port: 0,
    spans: [],
    resources: [],
    metricNames: new Set(),
    metrics: [],
    requests: [],
    calls: [],
    failures: 0,
    mode: "answer",
    close: async () => undefined
  }
  for (const [name, service] of Object.entries(services) as Array<["trace" | "metrics", Service]>) {
    const path = `/opentelemetry.proto.collector.${name}.v1.${name === "trace" ? "TraceService" : "MetricsService"}/Export`
    const definition: grpc.ServiceDefinition = {
      Export: {
        path,
        requestStream: false,
        responseStream: false,
        requestSerialize: (message: unknown) => Buffer.from(service.request.encode(message).finish()),
        requestDeserialize: (bytes: Buffer) => service.request.decode(bytes),
        responseSerialize: (message: unknown) => Buffer.from(service.response.encode(message).finish()),
        responseDeserialize: (bytes: Buffer) => service.response.decode(bytes)
      }
    }
    server.addService(definition, {
      Export: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        collector.calls.push(path)
        collector.requests.push({ path, contentType: "application/grpc" })
        if (collector.failures > 0) {
          collector.failures--
          callback({ code: grpc.status.UNAVAILABLE, details: "collector overloaded" })
          return
        }
        const decoded = hexIds(service.request.toObject(call.request, { longs: String, bytes: String, enums: Number })) as Record<string, unknown>
        if (name === "trace") ingestTraces(collector, decoded)
        else ingestMetrics(collector, decoded)
        callback(null, {})
      }
    })
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials, (error, bound) => (error === null ? resolve(bound) : reject(error)))
  )
  return Object.assign(collector, {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve()))
  })
}
