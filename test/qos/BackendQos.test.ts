/**
 * `qos/circuit-breaker` and `qos/ratelimit/proxy` (QOS-TELEMETRY.md §1, §2) through `sluice run`
 * over real HTTP: a refused or short-circuited call fails its backend at once with KrakenD's text
 * (500 alone, a partial answer in a merge) and never reaches it; the breaker's probe after
 * `timeout` closes it again. The two state machines are also checked step by step on a given clock.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as CircuitBreaker from "../../src/qos/CircuitBreaker.ts"
import * as ProxyRateLimit from "../../src/qos/ProxyRateLimit.ts"
import * as Backend from "../support/Backend.ts"
import { runCli, type RunningSluice, startSluice, writeConfig } from "../support/Sluice.ts"

describe("the state machines, step by step", () => {
  it("KrakenD's token bucket: starts full, refills by whole intervals, capacity + 1 after idling", () => {
    const b = ProxyRateLimit.bucket(2, 1000, 2, 0) // 2 per second: one token every 500 ms
    expect([b.allow(0), b.allow(0), b.allow(0)]).toEqual([true, true, false])
    expect([b.allow(499), b.allow(500), b.allow(501)]).toEqual([false, true, false])
    // idle for 10 s: the bucket refills to 2 and this call is free (tokenbucket.go's quirk)
    expect([b.allow(10_500), b.allow(10_500), b.allow(10_500), b.allow(10_500)]).toEqual([true, true, true, false])
    expect(ProxyRateLimit.bucket(0.5, 1000, 0, 0).allow(0)).toBe(true) // capacity at least 1
  })

  it("gobreaker: opens after more than max_errors consecutive failures, one probe when half-open", () => {
    const cb = CircuitBreaker.breaker({ maxErrors: 1, intervalMs: 0, timeoutMs: 1000 }, 0)
    const fail = (now: number) => cb.after(cb.before(now) as number, false, now)
    fail(0)
    expect(cb.state(0)).toBe("closed")
    fail(1)
    expect(cb.state(1)).toBe("open")
    expect(cb.before(500)).toBe("circuit breaker is open")
    const probe = cb.before(1002)
    expect(typeof probe).toBe("number")
    expect(cb.before(1003)).toBe("too many requests")
    cb.after(probe as number, true, 1004)
    expect(cb.state(1004)).toBe("closed")
    expect(cb.changes()).toEqual([{ from: "closed", to: "open" }, { from: "open", to: "half-open" }, { from: "half-open", to: "closed" }])
    // a call that began before the counts were reset (interval) is ignored when it ends
    const windowed = CircuitBreaker.breaker({ maxErrors: 1, intervalMs: 1000, timeoutMs: 1000 }, 0)
    const early = windowed.before(0) as number
    windowed.after(windowed.before(1500) as number, false, 1500) // a new window: one failure
    windowed.after(early, false, 1600) // from the old window: not counted
    expect(windowed.state(1600)).toBe("closed")
    windowed.after(windowed.before(1700) as number, false, 1700)
    expect(windowed.state(1700)).toBe("open")
    // an abandoned call counts neither way
    const cb2 = CircuitBreaker.breaker({ maxErrors: 0, intervalMs: 0, timeoutMs: 1000 }, 0)
    cb2.after(cb2.before(0) as number, undefined, 0)
    expect(cb2.state(0)).toBe("closed")
  })
})

let failing = true
let backend: Backend.Backend
let gw: RunningSluice

beforeAll(async () => {
  backend = await Backend.start((req, res) => {
    if (req.url === "/flaky") Backend.json(res, failing ? 500 : 200, { flaky: true })
    else Backend.json(res, 200, { ok: req.url })
  })
  const breaker = { "qos/circuit-breaker": { interval: 60, timeout: 1, max_errors: 2, name: "flaky-cb", log_status_change: true } }
  const limited = { "qos/ratelimit/proxy": { max_rate: 2, capacity: 2, every: "1h" } }
  gw = await startSluice({
    version: 3,
    host: [backend.url],
    extra_config: { router: { return_error_msg: true } },
    endpoints: [
      { endpoint: "/cb", backend: [{ url_pattern: "/flaky", extra_config: breaker }] },
      { endpoint: "/cb-merge", backend: [{ url_pattern: "/flaky", group: "flaky", extra_config: breaker }, { url_pattern: "/steady", group: "steady" }] },
      { endpoint: "/rl", backend: [{ url_pattern: "/rl", extra_config: limited }] },
      { endpoint: "/rl-merge", backend: [{ url_pattern: "/rl2", group: "limited", extra_config: limited }, { url_pattern: "/steady", group: "steady" }] }
    ]
  })
})
afterAll(async () => {
  await gw?.stop()
  await backend?.close()
})

const get = async (path: string) => {
  const before = backend.requests.length
  const res = await fetch(`${gw.url}${path}`)
  return { status: res.status, text: await res.text(), completed: res.headers.get("x-krakend-completed"), calls: backend.requests.length - before }
}

describe("qos/circuit-breaker", () => {
  it("the third consecutive failure (max_errors 2) opens it; then the backend is not called; a probe after timeout closes it", async () => {
    failing = true
    for (let i = 0; i < 3; i++) expect(await get("/cb")).toMatchObject({ status: 500, calls: 1 })
    expect(await get("/cb")).toEqual({ status: 500, text: "circuit breaker is open", completed: "false", calls: 0 })
    // a merge keeps the other backend's data (its own breaker is still closed: one per backend definition)
    const merged = await get("/cb-merge")
    expect(merged).toMatchObject({ status: 200, completed: "false", calls: 2 })
    failing = false
    await new Promise((r) => setTimeout(r, 1100))
    expect(await get("/cb")).toMatchObject({ status: 200, calls: 1 }) // the probe
    expect(await get("/cb")).toMatchObject({ status: 200, calls: 1 })
    await new Promise((r) => setTimeout(r, 50))
    expect(gw.output()).toContain("[CB] Circuit breaker named 'flaky-cb' went from 'closed' to 'open'")
    expect(gw.output()).toContain("went from 'half-open' to 'closed'")
  })
})

describe("qos/ratelimit/proxy", () => {
  it("capacity 2 per hour: the third call fails at once with KrakenD's text, without reaching the backend", async () => {
    expect(await get("/rl")).toMatchObject({ status: 200, calls: 1 })
    expect(await get("/rl")).toMatchObject({ status: 200, calls: 1 })
    expect(await get("/rl")).toEqual({ status: 500, text: "rate limit exceded", completed: "false", calls: 0 })
  })

  it("in a merge the limited backend is left out: 200, incomplete", async () => {
    await get("/rl-merge")
    await get("/rl-merge")
    const third = await get("/rl-merge")
    expect(third).toMatchObject({ status: 200, completed: "false", calls: 1 })
    expect(JSON.parse(third.text)).toEqual({ steady: { ok: "/steady" } })
  })
})

describe("configs KrakenD runs", () => {
  it("fractions, negatives, an every Go cannot parse and a name-only breaker are read as KrakenD reads them", async () => {
    const r = await runCli(["check", "-c", writeConfig({
      version: 3,
      host: ["http://127.0.0.1:1"],
      endpoints: [{
        endpoint: "/a",
        backend: [{
          url_pattern: "/",
          extra_config: {
            "qos/circuit-breaker": { interval: 1.5, timeout: -1, name: "only-a-name" },
            "qos/ratelimit/proxy": { max_rate: 10, every: "1 second", capacity: 2.5 }
          }
        }]
      }]
    })])
    expect(r.stdout).toContain("Syntax OK!")
    expect(r.code).toBe(0)
  })

  it("a breaker with only a name is installed (KrakenD's zero-config rule): it opens on the first failure", () => {
    const backend = { extra_config: { "qos/circuit-breaker": { interval: 0, timeout: 0, max_errors: 0, name: "x", log_status_change: false } } }
    expect(CircuitBreaker.make(backend as never)).toBeDefined()
    const none = { extra_config: { "qos/circuit-breaker": { interval: 0, timeout: 0, max_errors: 0, name: "", log_status_change: false } } }
    expect(CircuitBreaker.make(none as never)).toBeUndefined()
  })
})
