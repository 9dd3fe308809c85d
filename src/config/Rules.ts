/**
 * Cross-field validation rules of a config (KRAKEND-SEMANTICS.md §2.1, RELIABILITY.md G1). Each
 * rule returns the issues it finds, each naming the JSON path and the rule.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as GoDuration from "./GoDuration.ts"
import type { ConfigIssue, ConfigWarning } from "./ConfigError.ts"
import * as JsonPath from "./JsonPath.ts"
import type * as Model from "./Model.ts"

/** Paths that belong to the gateway itself. */
export const RESERVED_PATHS: ReadonlyArray<string> = ["/__health", "/__debug", "/__echo"]

const PARAM = /^\{([^{}/]+)\}$/
const PLACEHOLDER = /\{([^{}]*)\}/g
const SEQUENTIAL_PLACEHOLDER = /^resp\d+_/
const JWT_PLACEHOLDER = /^JWT\../

const describe = (u: unknown): string =>
  u === undefined ? "nothing (the key is missing)" : JSON.stringify(u) ?? String(u)

/** Rule 1: the config format version must be 3. */
export const version = (value: unknown): ReadonlyArray<ConfigIssue> =>
  value === 3
    ? []
    : [{ path: "$.version", message: `Sluice reads KrakenD config version 3; got ${describe(value)}` }]

/** Rule 4: no `{placeholder}` in a host (a client-controlled value must not pick the upstream). */
export const hostPlaceholders = (hosts: ReadonlyArray<string>, path: string): ReadonlyArray<ConfigIssue> =>
  hosts.flatMap((host, i) =>
    host.includes("{") || host.includes("}")
      ? [{
        path: JsonPath.index(path, i),
        message: `placeholders are not allowed in a host (${host}): requests must not choose the upstream`
      }]
      : []
  )

/** The segments of a path (`/users/{id}` → `["users", "{id}"]`). */
const segments = (path: string): ReadonlyArray<string> => path.split("/").slice(1)

/** The param names of an endpoint path: the whole `/{name}` segments. */
export const params = (endpoint: string): ReadonlyArray<string> =>
  segments(endpoint).flatMap((segment) => {
    const match = PARAM.exec(segment)
    return match === null ? [] : [match[1]!]
  })

/** Rules 6 and 9: reserved paths, wildcards, and params that are not whole segments. */
export const endpointPath = (endpoint: string, path: string, healthPath: string): ReadonlyArray<ConfigIssue> => {
  const issues: Array<ConfigIssue> = []
  const at = JsonPath.key(path, "endpoint")
  const reserved = [...new Set([...RESERVED_PATHS, healthPath])]
  const hit = reserved.find((r) => endpoint === r || endpoint.startsWith(r.endsWith("/") ? r : `${r}/`))
  if (hit !== undefined) {
    issues.push({ path: at, message: `${endpoint} is reserved: ${hit} belongs to the gateway` })
  }
  if (endpoint.includes("*")) {
    issues.push({ path: at, message: `${endpoint}: wildcards (*) are not supported in endpoint paths` })
  }
  for (const segment of segments(endpoint)) {
    if ((segment.includes("{") || segment.includes("}")) && !PARAM.test(segment)) {
      issues.push({
        path: at,
        message: `${endpoint}: a param must be a whole path segment like /{id}; got /${segment}`
      })
    }
  }
  return issues
}

/** Rules 2 and 5: at least one backend, and exactly one when the output is `no-op`. */
export const backendCount = (
  count: number,
  outputEncoding: Model.OutputEncoding,
  path: string
): ReadonlyArray<ConfigIssue> => {
  const at = JsonPath.key(path, "backend")
  if (count === 0) return [{ path: at, message: "an endpoint needs at least one backend" }]
  if (outputEncoding === "no-op" && count > 1) {
    return [{
      path: at,
      message: `output_encoding no-op proxies exactly one backend; this endpoint has ${count}`
    }]
  }
  return []
}

/**
 * Rule 3: each `{x}` of a `url_pattern` is a param of the endpoint path, a `{resp<N>_field}` of a
 * sequential proxy or a `{JWT.claim}`.
 */
export const urlPattern = (urlPattern: string, endpoint: string, path: string): ReadonlyArray<ConfigIssue> => {
  const known = new Set(params(endpoint))
  const issues: Array<ConfigIssue> = []
  for (const match of urlPattern.matchAll(PLACEHOLDER)) {
    const name = match[1]!
    if (known.has(name) || SEQUENTIAL_PLACEHOLDER.test(name) || JWT_PLACEHOLDER.test(name)) continue
    issues.push({ path, message: `placeholder {${name}} is not a param of endpoint ${endpoint}` })
  }
  return issues
}

/**
 * A `{JWT.claim}` placeholder needs a validator on its endpoint: without one KrakenD sends the
 * placeholder literally, which is never what was meant (and with a validator `sluice/compat`
 * ignores, the claim would not be checked).
 */
export const jwtPlaceholders = (endpoint: Model.EndpointConfig, path: string): ReadonlyArray<ConfigIssue> => {
  if (endpoint.extra_config["auth/validator"] !== undefined) return []
  return endpoint.backend.flatMap((backend, j) =>
    [...backend.url_pattern.matchAll(PLACEHOLDER)]
      .filter((m) => JWT_PLACEHOLDER.test(m[1]!))
      .map((m) => ({
        path: `${path}.backend[${j}].url_pattern`,
        message: `placeholder ${m[0]} needs an auth/validator on endpoint ${endpoint.endpoint}: without one there is no validated token to fill it`
      }))
  )
}

/**
 * A router rate limit's client key must exist: a `param` that is not a param of the endpoint, or
 * an empty `header` name, would give every request the same missing key (429 for all).
 */
export const rateLimitKey = (endpoint: Model.EndpointConfig, path: string): ReadonlyArray<ConfigIssue> => [
  ...limitKey(endpoint, path, "qos/ratelimit/router"),
  ...limitKey(endpoint, path, "qos/ratelimit/router/redis")
]

const limitKey = (
  endpoint: Model.EndpointConfig,
  path: string,
  ns: "qos/ratelimit/router" | "qos/ratelimit/router/redis"
): ReadonlyArray<ConfigIssue> => {
  const limit = endpoint.extra_config[ns]
  if (limit === undefined || limit.client_max_rate <= 0) return []
  const at = `${path}.extra_config[${JSON.stringify(ns)}].key`
  if (limit.strategy === "header" && limit.key === "") return [{ path: at, message: "the header strategy needs key: the header naming the client" }]
  if (limit.strategy === "param") {
    const names = params(endpoint.endpoint)
    if (!names.some((n) => n.toLowerCase() === limit.key.toLowerCase())) {
      return [{ path: at, message: `${JSON.stringify(limit.key)} is not a param of ${endpoint.endpoint}${names.length > 0 ? ` (params: ${names.join(", ")})` : ""}` }]
    }
  }
  return []
}

/** An endpoint that requires API keys needs the service to list them (no key could ever match). */
export const apiKeys = (endpoints: ReadonlyArray<Located>, serviceKeys: boolean): ReadonlyArray<ConfigIssue> =>
  serviceKeys ? [] : endpoints.filter(({ endpoint }) => endpoint.extra_config["auth/api-keys"] !== undefined).map(({ path }) => ({
    path: `${path}.extra_config["auth/api-keys"]`,
    message: "this endpoint requires an API key but no key is defined: list them in $.extra_config[\"auth/api-keys\"].keys"
  }))

/** An endpoint with the path of its JSON object, for the rules that compare endpoints. */
export interface Located {
  readonly path: string
  readonly endpoint: Model.EndpointConfig
}

/** Rule 7: one endpoint per method and path. */
export const duplicates = (endpoints: ReadonlyArray<Located>): ReadonlyArray<ConfigIssue> => {
  const seen = new Map<string, string>()
  const issues: Array<ConfigIssue> = []
  for (const { endpoint, path } of endpoints) {
    const key = `${endpoint.method} ${endpoint.endpoint}`
    const first = seen.get(key)
    if (first === undefined) seen.set(key, path)
    else issues.push({ path, message: `duplicate endpoint ${key}: already defined at ${first}` })
  }
  return issues
}

/** The first position where two paths put params with different names on the same prefix. */
const collision = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): readonly [string, string] | undefined => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = PARAM.exec(a[i]!)
    const y = PARAM.exec(b[i]!)
    if (x !== null && y !== null) {
      if (x[1] !== y[1]) return [x[1]!, y[1]!]
    } else if (x !== null || y !== null || a[i] !== b[i]) {
      return undefined
    }
  }
  return undefined
}

/**
 * Rule 8: for one method, two paths with params of different names at the same position after
 * the same prefix (`/users/{id}` and `/users/{name}/posts`): gin refuses them, and they are
 * ambiguous. A static segment next to a param is fine.
 */
export const collisions = (endpoints: ReadonlyArray<Located>): ReadonlyArray<ConfigIssue> => {
  const issues: Array<ConfigIssue> = []
  const split = endpoints.map((located) => ({ ...located, segments: segments(located.endpoint.endpoint) }))
  for (let j = 1; j < split.length; j++) {
    const b = split[j]!
    for (let i = 0; i < j; i++) {
      const a = split[i]!
      if (a.endpoint.method !== b.endpoint.method) continue
      const names = collision(a.segments, b.segments)
      if (names === undefined) continue
      issues.push({
        path: JsonPath.key(b.path, "endpoint"),
        message: `${b.endpoint.method} ${b.endpoint.endpoint} collides with ${a.endpoint.endpoint} at ${a.path}: ` +
          `params {${names[1]}} and {${names[0]}} sit at the same position; use one name`
      })
      break
    }
  }
  return issues
}

/** Timeouts above this get a warning (`krakend audit` style): a client rarely waits that long. */
export const LONG_TIMEOUT: Duration.Duration = Duration.seconds(60)

/**
 * Rule 14 (RELIABILITY.md U6, KrakenD's golden rule): an endpoint timeout may not exceed the
 * server's `write_timeout` (the answer would be cut before the backends are given up on). `at`
 * is the path of the timeout that applies (the endpoint's own, or `$.timeout` when inherited).
 */
export const endpointTimeout = (
  timeout: Duration.Duration,
  writeTimeout: Duration.Duration | undefined,
  at: string
): ReadonlyArray<ConfigIssue> =>
  writeTimeout !== undefined && Duration.isGreaterThan(timeout, writeTimeout)
    ? [{
      path: at,
      message: `timeout ${GoDuration.format(timeout)} exceeds write_timeout ${GoDuration.format(writeTimeout)}: ` +
        "the server would cut the answer before the gateway gives up on the backends"
    }]
    : []

/** Rule 14: a backend's own timeout (`sluice/backend.timeout`) may not exceed its endpoint's. */
export const backendTimeout = (
  timeout: Duration.Duration | undefined,
  endpointTimeout: Duration.Duration,
  at: string
): ReadonlyArray<ConfigIssue> =>
  timeout !== undefined && Duration.isGreaterThan(timeout, endpointTimeout)
    ? [{
      path: at,
      message: `backend timeout ${GoDuration.format(timeout)} exceeds the endpoint timeout ${GoDuration.format(endpointTimeout)}`
    }]
    : []

/** A warning for a timeout above `LONG_TIMEOUT`. */
export const longTimeout = (timeout: Duration.Duration, at: string): ReadonlyArray<ConfigWarning> =>
  Duration.isGreaterThan(timeout, LONG_TIMEOUT)
    ? [{ path: at, message: `timeout ${GoDuration.format(timeout)} is above 60s: clients and load balancers usually give up sooner` }]
    : []
