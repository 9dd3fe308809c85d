/**
 * The token bucket math of `qos/ratelimit/router` and the decoding of its config.
 */
import { describe, expect, it } from "vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Config from "../../src/config/Config.ts"
import * as RateLimit from "../../src/qos/RateLimit.ts"

describe("token bucket", () => {
  const r = RateLimit.rate(2, 1000, 3)

  it("starts full, spends one token per take, then tells the wait for the next token", () => {
    const b = RateLimit.full(r, 0)
    expect([RateLimit.take(r, b, 0), RateLimit.take(r, b, 0), RateLimit.take(r, b, 0)]).toEqual([0, 0, 0])
    expect(RateLimit.take(r, b, 0)).toBe(500)
    expect(RateLimit.take(r, b, 100)).toBe(400)
  })

  it("refills lazily from timestamps, never beyond capacity", () => {
    const b = RateLimit.full(r, 0)
    for (let i = 0; i < 3; i++) RateLimit.take(r, b, 0)
    expect(RateLimit.level(r, b, 250)).toBe(0.5)
    expect(RateLimit.take(r, b, 500)).toBe(0)
    expect(RateLimit.level(r, b, 500)).toBe(0)
    expect(RateLimit.level(r, b, 100_000)).toBe(3)
  })

  it("a clock going backwards does not add tokens", () => {
    const b = RateLimit.full(r, 1000)
    for (let i = 0; i < 3; i++) RateLimit.take(r, b, 1000)
    expect(RateLimit.take(r, b, 900)).toBe(500)
  })

  it("capacity is at least one token; fractional rates work", () => {
    const slow = RateLimit.rate(0.5, 1000, 0)
    expect(slow.capacity).toBe(1)
    const b = RateLimit.full(slow, 0)
    expect(RateLimit.take(slow, b, 0)).toBe(0)
    expect(RateLimit.take(slow, b, 0)).toBe(2000)
    expect(RateLimit.take(slow, b, 2000)).toBe(0)
  })

  it("Retry-After is whole seconds, at least 1", () => {
    expect(RateLimit.retryAfter(1)).toBe("1")
    expect(RateLimit.retryAfter(1000)).toBe("1")
    expect(RateLimit.retryAfter(1001)).toBe("2")
  })
})

describe("client buckets", () => {
  const r = RateLimit.rate(1, 1000, 1)

  it("one bucket per key", () => {
    const c = RateLimit.clientBuckets(r, 60_000)
    expect(c.take("a", 0)).toBe(0)
    expect(c.take("a", 0)).toBe(1000)
    expect(c.take("b", 0)).toBe(0)
    expect(c.size()).toBe(2)
  })

  it("forgets buckets that are full again after cleanup_period, keeps the others", () => {
    const c = RateLimit.clientBuckets(r, 1)
    const t0 = performance.now()
    c.take("a", t0)
    c.take("b", t0 + 900)
    expect(c.size()).toBe(2)
    c.take("c", t0 + 1500)
    expect(c.size()).toBe(2)
    expect(c.take("b", t0 + 1500)).toBe(400)
  })

  it("never holds more than the limit of buckets", () => {
    const c = RateLimit.clientBuckets(r, 60_000, 3)
    for (let i = 0; i < 10; i++) expect(c.take(`k${i}`, 0)).toBe(0)
    expect(c.size()).toBe(3)
  })
})

describe("config", () => {
  const decode = (limit: unknown) =>
    Effect.runPromise(Config.decode({
      version: 3,
      host: ["h"],
      endpoints: [{ endpoint: "/a", extra_config: { "qos/ratelimit/router": limit }, backend: [{ url_pattern: "/b" }] }]
    }))

  it("decodes with KrakenD's defaults and no warning", async () => {
    const { config, warnings } = await decode({ max_rate: 5 })
    expect(warnings).toEqual([])
    const limit = config.endpoints[0]!.extra_config["qos/ratelimit/router"]!
    expect(limit.max_rate).toBe(5)
    expect(limit.capacity).toBe(undefined)
    expect(Duration.toMillis(limit.every)).toBe(1000)
    expect(limit.client_max_rate).toBe(0)
    expect(limit.strategy).toBe("ip")
    expect(limit.key).toBe("")
    expect(Duration.toMillis(limit.cleanup_period)).toBe(60_000)
  })

  const issues = (limit: unknown) =>
    decode(limit).then(() => [], (e: { readonly issues: ReadonlyArray<unknown> }) => e.issues)

  it("refuses a negative rate with its path", async () => {
    expect(await issues({ max_rate: -1 })).toEqual([{
      path: "$.endpoints[0].extra_config[\"qos/ratelimit/router\"].max_rate",
      message: "Expected a value greater than or equal to 0, got -1"
    }])
  })

  it("accepts capacity 0 and client_capacity 0 (KrakenD: unset)", async () => {
    expect(await issues({ max_rate: 1, capacity: 0, client_max_rate: 1, client_capacity: 0 })).toEqual([])
  })

  it("refuses an unknown strategy", async () => {
    const found = await issues({ client_max_rate: 1, strategy: "cookie" })
    expect(found).toHaveLength(1)
    expect(found[0]).toMatchObject({ path: "$.endpoints[0].extra_config[\"qos/ratelimit/router\"].strategy" })
  })

  it("flags a misspelt key", async () => {
    expect(await issues({ max_rate: 1, max_rates: 2 })).toEqual([{
      path: "$.endpoints[0].extra_config[\"qos/ratelimit/router\"].max_rates",
      message: "unknown key; did you mean \"max_rate\"?"
    }])
  })
})

describe("client buckets under a flood of new keys", () => {
  it("drop the least recently used bucket at the cap instead of sweeping the whole map", async () => {
    const { clientBuckets, rate } = await import("../../src/qos/RateLimit.ts")
    const buckets = clientBuckets(rate(1, 3_600_000, 1), 60_000, 3)
    buckets.take("a", 0)
    buckets.take("b", 0)
    buckets.take("c", 0)
    expect(buckets.take("a", 1)).toBeGreaterThan(0) // a is used again: now the most recent
    buckets.take("d", 2) // at the cap: b (least recently used) goes
    expect(buckets.size()).toBe(3)
    expect(buckets.take("a", 3)).toBeGreaterThan(0) // a kept its (empty) bucket
    expect(buckets.take("b", 3)).toBe(0) // b starts over with a full bucket
  })
})
