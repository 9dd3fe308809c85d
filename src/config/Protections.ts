/**
 * The fail-closed rule, in one place: a setting that restricts who gets in or protects traffic
 * and that Sluice does not implement where it is written stops the start with its JSON path.
 * A gateway must never be more open than its config says.
 *
 * - Protecting namespaces: `auth/*`, `security/*` (but `security/cors`, whose absence only takes
 *   permissions away from browsers), `validation/*`, `modifier/lua-*`, `qos/ratelimit/*`,
 *   `governance/*` (Enterprise quotas).
 * - The root keys `tls` and `client_tls` were protections too until Sluice implemented them; they
 *   stay valid `ignore` entries (that then ignore nothing).
 * - The escape hatch: service `"sluice/compat": { "ignore": ["auth/signer"] }` names
 *   each protection to run without; every ignored use is a warning. There is no global switch,
 *   and an implemented protection can never be ignored.
 *
 * Everything else that Sluice does not implement stays a warning.
 *
 * @since 0.2.0
 */
import type { ConfigIssue, ConfigWarning } from "./ConfigError.ts"
import * as Aliases from "./Aliases.ts"
import * as JsonPath from "./JsonPath.ts"
import * as Suggest from "./Suggest.ts"

/** Where an `extra_config` is. */
export type Level = "service" | "endpoint" | "backend" | "async_agent"

/** Levels at which KrakenD reads each protecting namespace (CE, and Enterprise where noted). */
export const readAt: Readonly<Record<string, ReadonlyArray<Level>>> = {
  "auth/validator": ["endpoint", "service"],
  "auth/signer": ["endpoint"],
  "auth/revoker": ["service"],
  "auth/api-keys": ["service", "endpoint"],
  "auth/client-credentials": ["backend"],
  "security/http": ["service"],
  "security/bot-detector": ["service", "endpoint"],
  "security/policies": ["service", "endpoint", "backend"],
  "validation/cel": ["endpoint", "backend"],
  "validation/json-schema": ["endpoint"],
  "modifier/lua-endpoint": ["service", "endpoint"],
  "modifier/lua-proxy": ["endpoint"],
  "modifier/lua-backend": ["backend"],
  "qos/ratelimit/router": ["endpoint"],
  "qos/ratelimit/proxy": ["backend"],
  "qos/ratelimit/router/redis": ["endpoint"],
  "qos/ratelimit/service": ["service"],
  "qos/ratelimit/service/redis": ["service"],
  "qos/ratelimit/tiered": ["endpoint"]
}

/** Root keys that protect traffic (implemented; still accepted in `ignore`). */
export const rootKeys: ReadonlyArray<string> = ["tls", "client_tls"]

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** Whether a namespace name (current spelling) is a protection, whatever its value. */
export const isProtecting = (namespace: string): boolean =>
  namespace.startsWith("auth/") ||
  (namespace.startsWith("security/") && namespace !== "security/cors") ||
  namespace.startsWith("validation/") ||
  namespace.startsWith("modifier/lua-") ||
  namespace.startsWith("qos/ratelimit/") ||
  namespace.startsWith("governance/")


/** The namespace a current, legacy or retired (1.x) name stands for. */
const target = (name: string): string => Aliases.own(Aliases.legacy, name) ?? Aliases.own(Aliases.retired, name)?.current ?? name

/**
 * The names the loose near-miss rule compares against: current, legacy and retired (1.x) names
 * of the protecting namespaces.
 */
const protectingNames: ReadonlyArray<string> = [
  ...new Set([
    ...Object.keys(readAt),
    ...Aliases.known.filter(isProtecting),
    ...[...Object.keys(Aliases.legacy), ...Object.keys(Aliases.retired)].filter((name) => isProtecting(target(name)))
  ])
]

/**
 * The protecting namespace an unknown name is a near miss of (`_` and `.` alike, any case), e.g.
 * `github_com/devopsfaith/krakend-jose/validator` → `github.com/devopsfaith/krakend-jose/validator`,
 * `Auth/Basic` → `auth/basic`.
 */
export const nearMiss = (name: string): string | undefined => {
  const loose = Aliases.loose(name)
  const known = protectingNames.find((n) => n !== name && Aliases.loose(n) === loose)
  if (known !== undefined) return known
  const lower = name.toLowerCase()
  return lower !== name && isProtecting(lower) ? lower : undefined
}

/** What running without a protection at a level means. */
export const subject: Readonly<Record<Level, string>> = {
  service: "the gateway would serve every endpoint without it",
  endpoint: "the endpoint would be served without it",
  backend: "the backend would be called without it",
  async_agent: "the async agent would run without it"
}

/** The `sluice/compat.ignore` list as the key check uses it. */
export interface Compat {
  /** Current name → where the user listed it, and whether a use was ignored. */
  readonly ignore: Map<string, { readonly path: string; used: boolean }>
}

const COMPAT_PATH = JsonPath.key(JsonPath.key(JsonPath.root, "extra_config"), "sluice/compat")

const hatch = (name: string): string =>
  `refusing to start (fail closed); to run without it anyway, list ${JSON.stringify(name)} in ${
    JsonPath.key(COMPAT_PATH, "ignore")
  }`

/** What the key check collects. */
export interface Sink {
  readonly issues: Array<ConfigIssue>
  readonly warnings: Array<ConfigWarning>
  readonly compat: Compat
}

/** Records the ignored use, or the refusal, of a protection Sluice does not implement here. */
const refuseOrIgnore = (sink: Sink, name: string, at: string, reason: string): void => {
  const entry = sink.compat.ignore.get(name)
  if (entry === undefined) {
    sink.issues.push({ path: at, message: `${reason}; ${hatch(name)}` })
    return
  }
  entry.used = true
  sink.warnings.push({ path: at, message: `${reason}; IGNORED as ${entry.path} asks: running without it` })
}

/**
 * A namespace (current spelling `name`) that Sluice does not implement at `level`: a start
 * error when it protects traffic, else `undefined` (the caller warns as usual).
 */
export const unimplementedNamespace = (
  sink: Sink,
  name: string,
  at: string,
  level: Level
): boolean => {
  if (level === "async_agent" || !isProtecting(name)) return false
  const levels = Aliases.own(readAt, name)
  const reason = levels !== undefined && !levels.includes(level)
    ? `namespace ${JSON.stringify(name)} is read at ${levels.join(" and ")} level only (KrakenD ignores it here too): ${subject[level]}`
    : `namespace ${JSON.stringify(name)} is not implemented by Sluice yet: ${subject[level]}`
  refuseOrIgnore(sink, name, at, reason)
  return true
}

/** A near-miss spelling of a protecting namespace: always a start error (no KrakenD reads it). */
export const nearMissIssue = (name: string, at: string): ConfigIssue | undefined => {
  const known = nearMiss(name)
  if (known === undefined) return undefined
  const exact = target(known)
  return {
    path: at,
    message: `namespace ${JSON.stringify(name)} is a misspelling of ${JSON.stringify(known)}${
      known === exact ? "" : ` (${exact})`
    }: KrakenD 2 ignores this spelling and the endpoint would be served without it; write ${JSON.stringify(exact)}`
  }
}

/**
 * Reads `sluice/compat.ignore` from the raw config before the key check: the names (current
 * spelling) with their paths. Entries that are not protections are issues; types are checked
 * by the Schema.
 */
export const readCompat = (root: unknown, issues: Array<ConfigIssue>): Compat => {
  const ignore: Compat["ignore"] = new Map()
  const extra = isObject(root) ? root["extra_config"] : undefined
  const compat = isObject(extra) ? extra["sluice/compat"] : undefined
  const list = isObject(compat) ? compat["ignore"] : undefined
  if (!Array.isArray(list)) return { ignore }
  list.forEach((entry: unknown, i) => {
    if (typeof entry !== "string") return
    const path = JsonPath.index(JsonPath.key(COMPAT_PATH, "ignore"), i)
    const name = Aliases.current(entry)
    if (rootKeys.includes(name) || isProtecting(name)) ignore.set(name, { path, used: false })
    else {
      issues.push({
        path,
        message: `${JSON.stringify(entry)} is not a protection: only auth/*, security/* (not CORS), validation/*, modifier/lua-*, qos/ratelimit/*, governance/* namespaces, tls and client_tls can be listed${
          Suggest.hint(entry, [...protectingNames, ...rootKeys])
        }`
      })
    }
  })
  return { ignore }
}

/** Warnings for `ignore` entries that matched no unimplemented use (they have no effect). */
export const unusedCompat = (compat: Compat): ReadonlyArray<ConfigWarning> =>
  [...compat.ignore].filter(([, entry]) => !entry.used).map(([name, entry]) => ({
    path: entry.path,
    message: `no unimplemented use of ${JSON.stringify(name)} in this config: nothing to ignore (an implemented protection is always enforced)`
  }))
