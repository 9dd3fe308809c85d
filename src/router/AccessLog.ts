/**
 * KrakenD's access log: gin's logger line, one per request the router answers, on stdout
 * (KrakenD writes it there whatever `telemetry/logging` says):
 *
 * ```
 * [GIN] 2026/12/07 - 10:05:42 | 200 |     3.27275ms |       127.0.0.1 | GET      "/v1/foo?a=1"
 * ```
 *
 * Fields as gin's default formatter writes them: local time, status, latency as Go prints a
 * `time.Duration` (right-aligned in 13 columns, whole seconds past a minute), client IP
 * (right-aligned in 15), method (left-aligned in 7) and the path with its raw query, Go-quoted.
 * `router.logger_skip_paths` (exact paths, no query) are not written; `router.disable_access_log`
 * turns it off. Values of credential-like query keys are written as `REDACTED`. Lines are encoded
 * into one buffer and written every 20 ms (or at 64 KiB), not one write per request.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import type { GatewayConfig } from "../config/Model.ts"
import * as Logging from "../server/Logging.ts"
import * as ClientIp from "./ClientIp.ts"
import type { HttpApp } from "./Router.ts"

/** Go's `time.Duration.String()` of a duration in nanoseconds (gin truncates past a minute). */
export const goDuration = (nanos: number): string => {
  let ns = Math.max(0, Math.round(nanos))
  if (ns === 0) return "0s"
  if (ns < 1_000) return `${ns}ns`
  if (ns < 1_000_000) return `${fraction(ns, 1_000)}µs`
  if (ns < 1_000_000_000) return `${fraction(ns, 1_000_000)}ms`
  if (ns > 60_000_000_000) ns = Math.floor(ns / 1_000_000_000) * 1_000_000_000
  const hours = Math.floor(ns / 3_600_000_000_000)
  const minutes = Math.floor((ns % 3_600_000_000_000) / 60_000_000_000)
  const seconds = `${fraction(ns % 60_000_000_000, 1_000_000_000)}s`
  if (hours > 0) return `${hours}h${minutes}m${seconds}`
  if (minutes > 0) return `${minutes}m${seconds}`
  return seconds
}

/** `value / unit` with the remainder's digits, trailing zeros trimmed (Go's `fmtFrac`). */
const fraction = (value: number, unit: number): string => {
  const whole = Math.floor(value / unit)
  const rest = value % unit
  if (rest === 0) return String(whole)
  const digits = String(unit).length - 1
  return `${whole}.${String(rest).padStart(digits, "0").replace(/0+$/, "")}`
}

/**
 * The raw query (with its `?`) with the values of credential-like keys (`token`, `api_key`,
 * `password`, …) replaced by `REDACTED` (RELIABILITY.md G7; KrakenD logs them as sent).
 */
export const redactQuery = (query: string): string => {
  if (query.length <= 1) return "" // gin writes `/foo` for `/foo?`
  if (!Logging.credentialLike.test(query) && !query.includes("%")) return query
  return "?" + query.slice(1).split("&").map((pair) => {
    const eq = pair.indexOf("=")
    return eq !== -1 && Logging.credentialLike.test(decodedKey(pair.slice(0, eq))) ? `${pair.slice(0, eq)}=REDACTED` : pair
  }).join("&")
}

/** A query key as the backend reads it (`%74oken` is `token`). */
const decodedKey = (raw: string): string => {
  try {
    return decodeURIComponent(raw.replaceAll("+", " "))
  } catch {
    return raw
  }
}

/** Go's `URL.Path`: the request path percent-decoded (the raw one when it does not decode). */
export const decodedPath = (raw: string): string => {
  if (!raw.includes("%")) return raw
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

/** Go's `%#v` of a string: double-quoted, `"` and `\` escaped, control characters as escapes. */
export const goQuote = (value: string): string => {
  let plain = true
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x20 || c === 0x7f || c === 0x22 || c === 0x5c) {
      plain = false
      break
    }
  }
  if (plain) return `"${value}"`
  let out = "\""
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c === 0x22) out += "\\\""
    else if (c === 0x5c) out += "\\\\"
    else if (c === 0x0a) out += "\\n"
    else if (c === 0x0d) out += "\\r"
    else if (c === 0x09) out += "\\t"
    else if (c === 0x07) out += "\\a"
    else if (c === 0x08) out += "\\b"
    else if (c === 0x0c) out += "\\f"
    else if (c === 0x0b) out += "\\v"
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`
    else out += value[i]
  }
  return `${out}"`
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n))

let stampSecond = -1
let stamp = ""

/** gin's `2006/01/02 - 15:04:05` in local time, formatted once per second. */
export const timestamp = (epochMillis: number): string => {
  const second = Math.floor(epochMillis / 1000)
  if (second !== stampSecond) {
    const d = new Date(epochMillis)
    stamp = `${d.getFullYear()}/${two(d.getMonth() + 1)}/${two(d.getDate())} - ${two(d.getHours())}:${
      two(d.getMinutes())
    }:${two(d.getSeconds())}`
    stampSecond = second
  }
  return stamp
}

/** One access-log line (with its newline). */
export const line = (
  epochMillis: number,
  status: number,
  latencyNanos: number,
  clientIp: string,
  method: string,
  path: string
): string =>
  `[GIN] ${timestamp(epochMillis)} | ${String(status).padStart(3)} | ${goDuration(latencyNanos).padStart(13)} | ${
    clientIp.padStart(15)
  } | ${method.padEnd(7)}  ${goQuote(path)}\n`

/** Where lines go; `process.stdout` by default. */
export interface Sink {
  readonly write: (chunk: string | Uint8Array) => unknown
}

/** Lines wait at most this long (a timer: an immediate would make the event loop poll without blocking). */
const FLUSH_MS = 20
/** Bytes written atomically to a pipe (Linux's PIPE_BUF). */
const PIPE_BUF = 4096
/** Bytes queued before a write. */
const CAPACITY = 64 * 1024

// Lines are encoded into one buffer as they come (no string kept alive), written every FLUSH_MS.
let buffer = Buffer.allocUnsafe(CAPACITY)
let used = 0
let timer: ReturnType<typeof setTimeout> | undefined
let sink: Sink = process.stdout

/** Writes the queued lines now (also done at process exit). */
export const flush = (): void => {
  if (timer !== undefined) clearTimeout(timer)
  timer = undefined
  if (used === 0) return
  const chunk = buffer.subarray(0, used)
  // the sink may keep the chunk (an asynchronous stream): the next lines go to a new buffer
  buffer = Buffer.allocUnsafe(CAPACITY)
  used = 0
  // whole lines, at most PIPE_BUF (4 KiB) per write: with --workers N every worker writes to the
  // same stdout pipe, and only writes of at most PIPE_BUF bytes are never interleaved
  for (let start = 0; start < chunk.length;) {
    let end = chunk.lastIndexOf(0x0a, start + PIPE_BUF - 1) + 1
    if (end <= start) end = chunk.indexOf(0x0a, start) + 1 || chunk.length // a line longer than 4 KiB
    sink.write(chunk.subarray(start, end))
    start = end
  }
}

process.once("exit", flush)

/** Queues a line; the queue is written every 20 ms (or when 64 KiB are waiting), in one write. */
export const write = (text: string): void => {
  if (used + text.length * 3 > CAPACITY) {
    flush()
    if (text.length * 3 > CAPACITY) {
      sink.write(text)
      return
    }
  }
  used += buffer.write(text, used, "utf8")
  if (timer === undefined) {
    timer = setTimeout(flush, FLUSH_MS)
    timer.unref()
  }
}

/** Sends the access log elsewhere (tests, embedding applications); returns the previous sink. */
export const setSink = (next: Sink): Sink => {
  flush()
  const previous = sink
  sink = next
  return previous
}

/**
 * The access-log wrapper of `config` (the identity when `on` is false or `router.disable_access_log`):
 * in the service chain where gin's logger sits, outside `security/http` and load shedding, so their
 * answers are logged too. With the logstash format the line is a logstash record.
 */
export const stage = (config: GatewayConfig, on: boolean) => (app: HttpApp): HttpApp => {
  const router = config.extra_config.router
  if (!on || router.disable_access_log) return app
  const skip = new Set(router.logger_skip_paths)
  const clientIp = ClientIp.make(router)
  const logging = config.extra_config["telemetry/logging"]
  // with logstash logs, the access line is a logstash record too (KrakenD mixes in gin's text)
  const emit = logging?.format === "logstash"
    ? (text: string) => write(Logging.logstashLine(logging.prefix, text.slice(0, -1)))
    : write
  return Effect.flatMap(Effect.service(HttpServerRequest.HttpServerRequest), (request) => {
    const start = performance.now()
    return Effect.map(app, (response) => {
      const url = request.url
      const q = url.indexOf("?")
      const path = decodedPath(q === -1 ? url : url.slice(0, q))
      if (!skip.has(path)) {
        emit(line(
          Date.now(),
          response.status,
          (performance.now() - start) * 1e6,
          clientIp(request),
          request.method,
          q === -1 ? path : path + redactQuery(url.slice(q))
        ))
      }
      return response
    })
  })
}
