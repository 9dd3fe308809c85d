/**
 * An OTLP/HTTP collector on 127.0.0.1 for telemetry tests: it reads the OTLP/JSON the gateway
 * posts to `/v1/traces` and `/v1/metrics` (OTLP's JSON mapping: hex ids, numeric span kinds) and
 * refuses any other content type with 415. `mode: "hang"` accepts requests and never answers (a
 * stuck collector).
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"

/** A decoded attribute value. */
export type AttributeValue = string | number | boolean | ReadonlyArray<AttributeValue> | undefined

/** A span as received, with its attributes flattened. */
export interface ReceivedSpan {
  readonly name: string
  readonly kind: string
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string
  readonly attributes: Readonly<Record<string, AttributeValue>>
}

/** OTLP/JSON carries the span kind as a number. */
const kinds: Record<number, string> = { 0: "SPAN_KIND_UNSPECIFIED", 1: "SPAN_KIND_INTERNAL", 2: "SPAN_KIND_SERVER", 3: "SPAN_KIND_CLIENT", 4: "SPAN_KIND_PRODUCER", 5: "SPAN_KIND_CONSUMER" }

const valueOf = (v: Record<string, unknown> | undefined): AttributeValue => {
  if (v === undefined) return undefined
  if ("stringValue" in v) return v["stringValue"] as string
  if ("intValue" in v) return Number(v["intValue"])
  if ("doubleValue" in v) return v["doubleValue"] as number
  if ("boolValue" in v) return v["boolValue"] as boolean
  if ("arrayValue" in v) {
    const values = ((v["arrayValue"] as { values?: Array<Record<string, unknown>> }).values ?? [])
    return values.map(valueOf)
  }
  return undefined
}

const attributesOf = (list: unknown): Record<string, AttributeValue> => {
  const out: Record<string, AttributeValue> = {}
  for (const a of (list ?? []) as Array<{ key: string; value?: Record<string, unknown> }>) out[a.key] = valueOf(a.value)
  return out
}

export interface Collector {
  readonly url: string
  readonly port: number
  readonly spans: Array<ReceivedSpan>
  /** Resource attributes of the span batches. */
  readonly resources: Array<Record<string, AttributeValue>>
  /** Metric names (as sent) of every metrics export. */
  readonly metricNames: Set<string>
  /** Raw decoded metric exports. */
  readonly metrics: Array<Record<string, unknown>>
  readonly requests: Array<{ readonly path: string; readonly contentType: string | undefined }>
  mode: "answer" | "hang"
  readonly close: () => Promise<void>
}

/** Adds an OTLP/JSON-mapped trace export (hex ids, numeric kinds) to the collector. */
export const ingestTraces = (collector: Collector, decoded: Record<string, unknown>): void => {
  const id = (value: unknown) => String(value ?? "")
  for (const rs of (decoded["resourceSpans"] ?? []) as Array<Record<string, unknown>>) {
    collector.resources.push(attributesOf((rs["resource"] as { attributes?: unknown } | undefined)?.attributes))
    for (const ss of (rs["scopeSpans"] ?? []) as Array<Record<string, unknown>>) {
      for (const s of (ss["spans"] ?? []) as Array<Record<string, unknown>>) {
        collector.spans.push({
          name: s["name"] as string,
          kind: kinds[s["kind"] as number] ?? String(s["kind"]),
          traceId: id(s["traceId"]),
          spanId: id(s["spanId"]),
          parentSpanId: id(s["parentSpanId"]),
          attributes: attributesOf(s["attributes"])
        })
      }
    }
  }
}

/** Adds an OTLP/JSON-mapped metrics export to the collector. */
export const ingestMetrics = (collector: Collector, decoded: Record<string, unknown>): void => {
  collector.metrics.push(decoded)
  for (const rm of (decoded["resourceMetrics"] ?? []) as Array<Record<string, unknown>>) {
    for (const sm of (rm["scopeMetrics"] ?? []) as Array<Record<string, unknown>>) {
      for (const m of (sm["metrics"] ?? []) as Array<Record<string, unknown>>) collector.metricNames.add(m["name"] as string)
    }
  }
}

export const start = async (): Promise<Collector> => {
  const hanging: Array<() => void> = []
  const collector = {
    url: "",
    port: 0,
    spans: [] as Array<ReceivedSpan>,
    resources: [] as Array<Record<string, AttributeValue>>,
    metricNames: new Set<string>(),
    metrics: [] as Array<Record<string, unknown>>,
    requests: [] as Array<{ readonly path: string; readonly contentType: string | undefined }>,
    mode: "answer" as "answer" | "hang",
    close: async () => undefined
  }
  const server: Server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      collector.requests.push({ path: req.url ?? "", contentType: req.headers["content-type"] })
      if (collector.mode === "hang") {
        hanging.push(() => res.destroy())
        return
      }
      const body = Buffer.concat(chunks)
      if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
        res.writeHead(415).end()
        return
      }
      if (req.url === "/v1/traces") ingestTraces(collector, JSON.parse(body.toString()) as Record<string, unknown>)
      else if (req.url === "/v1/metrics") ingestMetrics(collector, JSON.parse(body.toString()) as Record<string, unknown>)
      res.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return Object.assign(collector, {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const h of hanging) h()
        server.closeAllConnections()
        server.close(() => resolve())
      })
  })
}
