/**
 * The gateway's application log, configured by `telemetry/logging` (level, prefix) like KrakenD's
 * (`2026/11/25 15:03:55 SLUICE INFO: [prefix] message`). `-d` lowers the level to DEBUG.
 * Credentials (`Authorization`, `Cookie`, `Set-Cookie`, …) in logged objects are redacted.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"
import * as References from "effect/References"
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
    write(`${head}${text(message)}${failure}${extra}\n`)
  })

/** The log layer for a gateway: level and prefix from `telemetry/logging`, DEBUG with `-d`. */
export const layer = (options: LoggingOptions | undefined, debug: boolean): Layer.Layer<never> => {
  const level: LogLevel.LogLevel = debug ? "Debug" : levels[options?.level ?? "INFO"]
  return Layer.mergeAll(
    Logger.layer([make(options?.prefix ?? "")]),
    Layer.succeed(References.MinimumLogLevel, level)
  )
}
