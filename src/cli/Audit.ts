/**
 * `sluice audit -c gateway.json`: security recommendations for a config, in the spirit of
 * KrakenD's `krakend audit` (which KrakenD ships as a separate command): each rule has an id, a
 * severity and the JSON path it points at. `--ignore` drops rules by id; the command exits 1
 * when a finding is at or above `--fail-on` (default `high`).
 *
 * @since 0.3.0
 */
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as JsonPath from "../config/JsonPath.ts"
import * as Report from "./Report.ts"
import type { GatewayConfig } from "../config/Model.ts"

/** How bad a finding is. */
export type Severity = "low" | "medium" | "high" | "critical"

const order: ReadonlyArray<Severity> = ["low", "medium", "high", "critical"]

/** One recommendation. */
export interface Finding {
  readonly id: string
  readonly severity: Severity
  readonly path: string
  readonly message: string
}

/** A rule: its id, severity, what it checks, and its findings for a config. */
export interface Rule {
  readonly id: string
  readonly severity: Severity
  readonly description: string
  readonly check: (config: GatewayConfig, options: Options) => ReadonlyArray<Omit<Finding, "id" | "severity">>
}

/** Thresholds of the rules. */
export interface Options {
  /** Endpoint timeouts above this are reported. */
  readonly maxTimeout: Duration.Duration
  /** Request bodies allowed above this many bytes are reported. */
  readonly maxBody: number
}

export const defaults: Options = { maxTimeout: Duration.seconds(30), maxBody: 100 * 1024 * 1024 }

const endpointPath = (i: number) => JsonPath.index(JsonPath.key(JsonPath.root, "endpoints"), i)
const extra = (path: string, ns: string) => JsonPath.key(JsonPath.key(path, "extra_config"), ns)
const service = (ns: string) => extra(JsonPath.root, ns)

const credentialHeaders = new Set(["authorization", "cookie", "proxy-authorization", "x-api-key"])
const isLoopback = (host: string): boolean => /^https?:\/\/(127\.|localhost[:/]|localhost$|\[::1\])/i.test(host)

/** Every rule, in report order. */
export const rules: ReadonlyArray<Rule> = [
  {
    id: "debug-endpoints",
    severity: "high",
    description: "/__debug/ or /__echo/ is served: it reflects requests (headers included) to anyone",
    check: (c) => [
      ...(c.debug_endpoint ? [{ path: JsonPath.key(JsonPath.root, "debug_endpoint"), message: "debug_endpoint is on: /__debug/ answers anyone" }] : []),
      ...(c.echo_endpoint ? [{ path: JsonPath.key(JsonPath.root, "echo_endpoint"), message: "echo_endpoint is on: /__echo/ reflects every request, credentials included" }] : [])
    ]
  },
  {
    id: "input-headers-wildcard",
    severity: "high",
    description: "input_headers [\"*\"] forwards every client header (cookies, credentials, spoofable X-Forwarded-*) to the backends",
    check: (c) =>
      c.endpoints.flatMap((e, i) =>
        e.input_headers.includes("*") ? [{ path: JsonPath.key(endpointPath(i), "input_headers"), message: `${e.method} ${e.endpoint} forwards every client header` }] : []
      )
  },
  {
    id: "credentials-over-plain-http",
    severity: "high",
    description: "Authorization, Cookie or an API key forwarded to a backend over plain http (not loopback)",
    check: (c) =>
      c.endpoints.flatMap((e, i) => {
        const forwarded = e.input_headers.filter((h) => h === "*" || credentialHeaders.has(h.toLowerCase()))
        if (forwarded.length === 0) return []
        return e.backend.flatMap((b, j) =>
          b.host.filter((h) => h.toLowerCase().startsWith("http://") && !isLoopback(h)).map((h) => ({
            path: JsonPath.key(JsonPath.index(JsonPath.key(endpointPath(i), "backend"), j), "host"),
            message: `${e.method} ${e.endpoint} forwards ${forwarded.join(", ")} to ${h} in clear text`
          }))
        )
      })
  },
  {
    id: "cors-wildcard-credentials",
    severity: "high",
    description: "CORS allows any origin while allowing credential headers",
    check: (c) => {
      const cors = c.extra_config["security/cors"]
      if (cors === undefined || !cors.allow_origins.includes("*")) return []
      const risky = cors.allow_headers.filter((h) => h === "*" || credentialHeaders.has(h.toLowerCase()))
      return risky.length === 0 ? [] : [{ path: JsonPath.key(service("security/cors"), "allow_headers"), message: `any origin may send ${risky.join(", ")}` }]
    }
  },
  {
    id: "endpoint-unprotected",
    severity: "medium",
    description: "an endpoint with neither authentication nor a rate limit",
    check: (c) => {
      const serviceWide = c.extra_config["qos/ratelimit/service/redis"] !== undefined
      return c.endpoints.flatMap((e, i) => {
        const x = e.extra_config
        const guarded = x["auth/validator"] !== undefined || x["auth/api-keys"] !== undefined || x["qos/ratelimit/router"] !== undefined ||
          x["qos/ratelimit/router/redis"] !== undefined || serviceWide
        return guarded ? [] : [{ path: endpointPath(i), message: `${e.method} ${e.endpoint} has no auth/validator, auth/api-keys or rate limit` }]
      })
    }
  },
  {
    id: "no-tls",
    severity: "medium",
    description: "the gateway listens on plain HTTP (fine behind a TLS-terminating load balancer)",
    check: (c) => (c.tls === undefined ? [{ path: JsonPath.root, message: "no tls: clients reach the gateway over plain HTTP" }] : [])
  },
  {
    id: "return-error-msg",
    severity: "medium",
    description: "backend and script error texts are sent to clients",
    check: (c) =>
      c.extra_config.router.return_error_msg
        ? [{ path: JsonPath.key(service("router"), "return_error_msg"), message: "error texts (backend URLs, script lines) reach clients: turn it off in production" }]
        : []
  },
  {
    id: "long-timeout",
    severity: "low",
    description: "an endpoint timeout above the threshold holds connections and backends long",
    check: (c, o) =>
      c.endpoints.flatMap((e, i) =>
        Duration.isGreaterThan(e.timeout, o.maxTimeout)
          ? [{ path: JsonPath.key(endpointPath(i), "timeout"), message: `${e.method} ${e.endpoint} waits up to ${Duration.format(e.timeout)} (above ${Duration.format(o.maxTimeout)})` }]
          : []
      )
  },
  {
    id: "large-bodies",
    severity: "low",
    description: "request bodies allowed above the threshold (memory per request)",
    check: (c, o) => {
      const limit = c.extra_config["sluice/server"]?.max_body_size
      const found: Array<Omit<Finding, "id" | "severity">> = []
      if (limit !== undefined && (limit <= 0 || limit > o.maxBody)) {
        found.push({ path: JsonPath.key(service("sluice/server"), "max_body_size"), message: limit <= 0 ? "request bodies are unbounded" : `request bodies up to ${limit} bytes` })
      }
      c.endpoints.forEach((e, i) => {
        const own = e.extra_config["sluice/endpoint"]?.max_body_size
        if (own !== undefined && (own <= 0 || own > o.maxBody)) {
          found.push({ path: JsonPath.key(extra(endpointPath(i), "sluice/endpoint"), "max_body_size"), message: `${e.method} ${e.endpoint} accepts bodies up to ${own <= 0 ? "any size" : `${own} bytes`}` })
        }
      })
      return found
    }
  }
]

/** The findings of a config, the ignored rules left out. */
export const audit = (config: GatewayConfig, ignore: ReadonlyArray<string> = [], options: Options = defaults): ReadonlyArray<Finding> =>
  rules.filter((r) => !ignore.includes(r.id)).flatMap((r) => r.check(config, options).map((f) => ({ id: r.id, severity: r.severity, ...f })))

/** Whether `severity` is at or above `threshold`. */
export const atLeast = (severity: Severity, threshold: Severity): boolean => order.indexOf(severity) >= order.indexOf(threshold)

const severities = ["low", "medium", "high", "critical"] as const

/** `sluice audit`. */
export const command = Command.make(
  "audit",
  {
    config: Report.configFlag,
    ignore: Flag.String("ignore").pipe(Flag.withDefault(""), Flag.withDescription("rule ids to skip, comma-separated")),
    failOn: Flag.Literals("fail-on", severities).pipe(Flag.withDefault("high" as Severity), Flag.withDescription("exit 1 when a finding is at or above this severity")),
    json: Flag.Boolean("json").pipe(Flag.withDefault(false), Flag.withDescription("print the findings as JSON"))
  },
  Effect.fnUntraced(function*({ config: file, ignore, failOn, json }) {
    const { config } = yield* Report.load(file)
    const ignored = ignore.split(",").map((s) => s.trim()).filter((s) => s !== "")
    const unknown = ignored.filter((id) => !rules.some((r) => r.id === id))
    if (unknown.length > 0) yield* Console.error(`unknown rule id(s) in --ignore: ${unknown.join(", ")} (known: ${rules.map((r) => r.id).join(", ")})`)
    const findings = audit(config, ignored)
    if (json) yield* Console.log(JSON.stringify(findings, null, 2))
    else if (findings.length === 0) yield* Console.log("No findings.")
    else {
      yield* Console.log(
        `${findings.length} finding(s):\n${findings.map((f) => `  ${f.severity.toUpperCase().padEnd(8)} ${f.id.padEnd(28)} ${f.path}: ${f.message}`).join("\n")}`
      )
    }
    const failing = findings.filter((f) => atLeast(f.severity, failOn))
    if (failing.length > 0) {
      yield* Console.error(`${failing.length} finding(s) at or above ${failOn}`)
      return yield* Effect.fail(new AuditFailed({ count: failing.length }))
    }
  })
).pipe(Command.withDescription("security recommendations for a config: exit 1 at or above --fail-on"))

/** The audit found something at or above its threshold (exit code 1). */
export class AuditFailed extends Error {
  readonly count: number
  constructor(options: { readonly count: number }) {
    super(`${options.count} finding(s)`)
    this.count = options.count
  }
}
