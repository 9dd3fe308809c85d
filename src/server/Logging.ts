/**
 * The gateway's application log, configured by `telemetry/logging` (level, prefix, format) like
 * KrakenD's: `default` text lines (`2026/11/25 15:03:55 SLUICE INFO: [prefix] message`) or
 * `logstash` JSON lines (krakend-logstash's fields: `@timestamp`, `@version`, `host`, `level`,
 * `message`, `module` = the prefix or `SLUICE`, plus the log annotations). A line written inside a
 * traced request carries its `trace_id` and `span_id`. `-d` lowers the level to DEBUG.
 * Credentials (`Authorization`, `Cookie`, `Set-Cookie`, …) in logged objects are redacted.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"
import * as References from "effect/References"
import * as Tracer from "effect/Tracer"
import { hostname } from "node:os"
import type { LoggingOptions } from "../config/Model.ts"

const levels: Record<LoggingOptions["level"], LogLevel.LogLevel> = {
  DEBUG: "Debug",
  INFO: "Info",
  WARNING: "Warn",
  ERROR: "Error",
  CRITICAL: "Fatal"
}

const labels: Partial<Record<LogLevel.LogLevel, string>> = {
  Trace: "DEBUG",
  Debug: "DEBUG",
  Info: "INFO",
  Warn: "WARNING",
  Error: "ERROR",
  Fatal: "CRITICAL"
}

const pad = (n: number): string => (n < 10 ? `0${n}` : String(n))

const stamp = (d: Date): string =>
  `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${
    pad(d.getSeconds())
  }`

/** Header names whose values never reach a log line (RELIABILITY.md G7), lower case. */
export const redactedNames: ReadonlySet<string> = new Set([
  "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"
])

/** Names (headers, query keys) that look like a credential: their values are never logged or traced. */
export const credentialLike: RegExp = /auth|token|key|secret|session|cookie|password|passwd|credential|signature/i

/** `JSON.stringify` replacer hiding the values of `redactedNames` keys, in any case. */
const redact = (key: string, value: unknown): unknown =>
  key !== "" && redactedNames.has(key.toLowerCase()) ? "[REDACTED]" : value

const text = (message: unknown): string => {
  if (Array.isArray(message)) return message.map(text).join(" ")
  if (typeof message === "string") return message
  if (message instanceof Error) return message.message
  try {
    return JSON.stringify(message, redact)
  } catch {
    return String(message)
  }
}

/** A line logger writing `date SLUICE LEVEL: [prefix] message` to a sink (stdout by default). */
export const make = (prefix: string, write: (line: string) => void = (l) => process.stdout.write(l)) =>
  Logger.make<unknown, void>(({ cause, date, fiber, logLevel, message }) => {
    const head = `${stamp(date)} SLUICE ${labels[logLevel] ?? logLevel}: ${prefix === "" ? "" : `${prefix} `}`
    const failure = cause.reasons.length === 0 ? "" : ` ${Cause.pretty(cause).split("\n")[0] ?? ""}`
    const annotations = fiber.getRef(References.CurrentLogAnnotations)
    let extra = ""
    for (const key in annotations) extra += ` ${key}=${text(annotations[key])}`
    const span = traced(fiber.context)
    if (span !== undefined) extra += ` trace_id=${span.traceId} span_id=${span.spanId}`
    write(`${head}${text(message)}${failure}${extra}\n`)
  })

/** The span a log line is written in, when the request is traced (`telemetry/opentelemetry`). */
const traced = (context: Context.Context<never>): Tracer.AnySpan | undefined => {
  const span = Context.getOrUndefined(context, Tracer.ParentSpan)
  return span !== undefined && span.sampled ? span : undefined
}

const host = hostname()

/** krakend-logstash's timestamp: `2006-01-02T15:04:05.000000-07:00` (microseconds, local offset). */
const isoStamp = (d: Date): string => {
  const offset = -d.getTimezoneOffset()
  const sign = offset >= 0 ? "+" : "-"
  const abs = Math.abs(offset)
  const ms = String(d.getMilliseconds()).padStart(3, "0")
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${
    pad(d.getSeconds())
  }.${ms}000${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

/** A logstash JSON-line logger (krakend-logstash's record), annotations and trace ids as fields. */
export const makeLogstash = (prefix: string, write: (line: string) => void = (l) => process.stdout.write(l)) =>
  Logger.make<unknown, void>(({ cause, date, fiber, logLevel, message }) => {
    const record: Record<string, unknown> = {}
    const annotations = fiber.getRef(References.CurrentLogAnnotations)
    for (const key in annotations) record[key] = annotations[key]
    const span = traced(fiber.context)
    if (span !== undefined) {
      record["trace_id"] = span.traceId
      record["span_id"] = span.spanId
    }
    const failure = cause.reasons.length === 0 ? "" : ` ${Cause.pretty(cause).split("\n")[0] ?? ""}`
    record["@version"] = 1
    record["@timestamp"] = isoStamp(date)
    record["module"] = prefix === "" ? "SLUICE" : prefix
    record["host"] = host
    record["message"] = text(message) + failure
    record["level"] = labels[logLevel] ?? logLevel
    let line: string
    try {
      line = JSON.stringify(record, redact)
    } catch {
      line = JSON.stringify({ ...record, message: String(record["message"]) }, (key, value) => typeof value === "bigint" ? String(value) : redact(key, value))
    }
    write(`${line}\n`)
  })

/** A krakend-logstash record line (with its newline) for text written outside a logger: the access log. */
export const logstashLine = (prefix: string, message: string): string =>
  `${
    JSON.stringify({
      "@version": 1,
      "@timestamp": isoStamp(new Date()),
      module: prefix === "" ? "SLUICE" : prefix,
      host,
      message,
      level: "INFO"
    })
  }\n`

/** The log layer for a gateway: level and prefix from `telemetry/logging`, DEBUG with `-d`. */
export const layer = (options: LoggingOptions | undefined, debug: boolean): Layer.Layer<never> => {
  const level: LogLevel.LogLevel = debug ? "Debug" : levels[options?.level ?? "INFO"]
  const logger = options?.format === "logstash" ? makeLogstash(options.prefix) : make(options?.prefix ?? "")
  return Layer.mergeAll(
    Logger.layer([logger]),
    Layer.succeed(References.MinimumLogLevel, level)
  )
}
