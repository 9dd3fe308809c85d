/**
 * DNS SRV service discovery (`"sd": "dns"`, lura's `sd/dnssrv`): the backend's `host[0]` is an SRV
 * name (`_api._tcp.example.internal`) looked up as written. The host list is built from the
 * answer (`hostList`): only the records of the lowest priority value, each `<sd_scheme>://target:port`
 * repeated by its weight (scaled when the weights sum above max(100, n), then divided by their
 * GCD; a weight of 0 drops the record), shuffled once when longer than 100. It is resolved once
 * when the pipe is built, then again every `dns_cache_ttl` (30 s; under 1 s keeps the default),
 * forever, in the gateway's scope. A failed lookup keeps the previous list; a first lookup that
 * fails leaves it empty, and calls fail with "no hosts available" until a lookup succeeds.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { Resolver } from "node:dns/promises"

export { Resolver }
import * as Net from "node:net"

/** One SRV record. */
export interface SrvRecord {
  readonly name: string
  readonly port: number
  readonly priority: number
  readonly weight: number
}

/** The default refresh interval (KrakenD's `dns_cache_ttl`). */
export const defaultTtl: Duration.Duration = Duration.seconds(30)

/** The refresh interval for a configured `dns_cache_ttl`: under one second keeps the default, as lura does. */
export const ttlOf = (configured: Duration.Duration | undefined): Duration.Duration =>
  configured === undefined || Duration.isLessThan(configured, Duration.seconds(1)) ? defaultTtl : configured

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))

const byPreference = (a: SrvRecord, b: SrvRecord): number =>
  a.priority - b.priority || b.weight - a.weight || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.port - b.port

const shuffle = <A>(list: Array<A>): Array<A> => {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[list[i], list[j]] = [list[j]!, list[i]!]
  }
  return list
}

/** The host list lura builds from an SRV answer (see the module comment). */
export const hostList = (records: ReadonlyArray<SrvRecord>, scheme: string): ReadonlyArray<string> => {
  if (records.length === 0) return []
  const sorted = [...records].sort(byPreference)
  const lowest = sorted[0]!.priority
  const kept = sorted.filter((r) => r.priority === lowest)
  let weights = kept.map((r) => r.weight)
  const sum = weights.reduce((a, b) => a + b, 0)
  const max = Math.max(100, kept.length)
  if (sum > max) weights = weights.map((w) => Math.floor((w * max) / sum))
  const divisor = weights.reduce((a, b) => gcd(a, b), 0)
  if (divisor >= 2) weights = weights.map((w) => w / divisor)
  const out: Array<string> = []
  kept.forEach((r, i) => {
    const host = Net.isIPv6(r.name) ? `[${r.name}]` : r.name
    for (let n = 0; n < weights[i]!; n++) out.push(`${scheme}://${host}:${r.port}`)
  })
  return out.length > 100 ? shuffle(out) : out
}

/** Where SRV questions go: the system's resolvers, or the given `host:port` list. */
export const resolver = (servers: ReadonlyArray<string> | undefined): Resolver => {
  const r = new Resolver({ timeout: 2_000, tries: 2 })
  if (servers !== undefined && servers.length > 0) r.setServers([...servers])
  return r
}

/**
 * Subscribes to `name`: resolves it now, then every `ttl` in the current scope (the refresh stops
 * when the scope closes). Returns the getter of the current host list; failures are logged and
 * keep the previous list.
 */
export const subscribe = (
  dns: Resolver,
  name: string,
  scheme: string,
  ttl: Duration.Duration
): Effect.Effect<() => ReadonlyArray<string>, never, Scope.Scope> =>
  Effect.gen(function*() {
    let hosts: ReadonlyArray<string> = []
    const refresh = Effect.tryPromise(() => dns.resolveSrv(name)).pipe(
      Effect.map((records) => {
        hosts = hostList(records, scheme)
      }),
      Effect.catch((error) => Effect.logWarning(`sd dns: lookup of ${name} failed (${error.cause instanceof Error ? error.cause.message : String(error.cause)}); keeping ${hosts.length} host(s)`))
    )
    yield* refresh
    yield* Effect.forkScoped(Effect.forever(Effect.andThen(Effect.sleep(ttl), refresh)))
    return () => hosts
  })
