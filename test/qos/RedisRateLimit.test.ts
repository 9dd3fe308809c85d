/**
 * Rate limits in Redis (`qos/ratelimit/router/redis`, `qos/ratelimit/service/redis`) against a
 * real `redis-server`: the limit holds across two gateway processes and across `--workers`,
 * 429 per client and 503 for the endpoint with Retry-After, Redis killed under load answers 503
 * at once (or lets through with on_failure_allow), logged once per state change, and limiting
 * resumes when Redis is back; config errors name their path.
 */
import { execFile } from "node:child_process"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import * as Redis from "../support/Redis.ts"
import { runCli, type RunningSluice, startSluice, untilListening, writeConfig } from "../support/Sluice.ts"

let backend: Backend.Backend
let redis: Redis.RedisServer

beforeAll(async () => {
  backend = await Backend.start((_req, res) => Backend.json(res, 200, { ok: true }))
  redis = await Redis.start()
})
afterAll(async () => {
  await redis?.stop()
  await backend?.close()
})

const config = (endpointLimit: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
  version: 3,
  extra_config: { redis: { connection_pools: [{ name: "shared", address: redis.address }] }, ...more },
  endpoints: [
    { endpoint: "/limited", extra_config: { "qos/ratelimit/router/redis": { connection_name: "shared", ...endpointLimit } }, backend: [{ host: [backend.url], url_pattern: "/ok" }] },
    { endpoint: "/free", backend: [{ host: [backend.url], url_pattern: "/ok" }] }
  ]
})

const statuses = async (gw: RunningSluice, path: string, n: number, headers: Record<string, string> = {}) => {
  const out: Array<number> = []
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${gw.url}${path}`, { headers })
    await res.arrayBuffer()
    out.push(res.status)
  }
  return out
}

describe("qos/ratelimit/router/redis", () => {
  it("two gateway processes share one endpoint bucket: the sum stays within the limit; 503 with Retry-After beyond", async () => {
    redis.cli("FLUSHALL")
    const limit = { max_rate: 5, every: "1m" }
    const a = await startSluice(config(limit), ["--workers", "1"])
    const b = await startSluice(config(limit), ["--workers", "1"])
    try {
      const all: Array<number> = []
      for (let i = 0; i < 6; i++) {
        all.push(...await statuses(a, "/limited", 1), ...await statuses(b, "/limited", 1))
      }
      expect(all.filter((s) => s === 200).length).toBe(5)
      expect(all.filter((s) => s === 503).length).toBe(7)
      const refused = await fetch(`${a.url}/limited`)
      expect([refused.status, Number(refused.headers.get("retry-after")) > 0, await refused.text()]).toEqual([503, true, ""])
      expect((await statuses(a, "/free", 3))).toEqual([200, 200, 200])
    } finally {
      await a.stop()
      await b.stop()
    }
  })

  it("buckets refill on the Redis clock; capacity above the rate allows a burst; Retry-After on 429", async () => {
    redis.cli("FLUSHALL")
    const gw = await startSluice(config({ max_rate: 1, capacity: 3, client_max_rate: 2, every: "1s", strategy: "header", key: "X-Client" }))
    try {
      // the client bucket: 2, then 429 with Retry-After, then one token back after half a second
      expect(await statuses(gw, "/limited", 2, { "X-Client": "c" })).toEqual([200, 200])
      const refused = await fetch(`${gw.url}/limited`, { headers: { "X-Client": "c" } })
      expect([refused.status, refused.headers.get("retry-after")]).toEqual([429, "1"])
      await new Promise((r) => setTimeout(r, 600))
      expect(await statuses(gw, "/limited", 2, { "X-Client": "c" })).toEqual([200, 429])
      // the endpoint bucket (capacity 3, 1 per second) had 3 tokens: the 3 passes above spent them
      expect(await statuses(gw, "/limited", 1, { "X-Client": "d" })).toEqual([503])
      const ttl = Number(redis.cli("PTTL", "sluice:rl:{GET /limited}:all"))
      expect(ttl).toBeGreaterThan(1000)
      expect(ttl).toBeLessThanOrEqual(4000) // refill to capacity (≤ 3 s) + 1 s
    } finally {
      await gw.stop()
    }
  })

  it("holds across --workers 2 of one gateway", async () => {
    redis.cli("FLUSHALL")
    const gw = await startSluice(config({ max_rate: 4, every: "1m" }), ["--workers", "2"])
    try {
      // both workers serving (a worker still building its pipes does not answer yet)
      await untilListening(gw, 2)
      // fresh connections spread over both workers
      const all = await Promise.all(Array.from({ length: 10 }, () => fetch(`${gw.url}/limited`, { headers: { connection: "close" } }).then(async (r) => (await r.arrayBuffer(), r.status))))
      expect(all.filter((s) => s === 200).length).toBe(4)
    } finally {
      await gw.stop()
    }
  })

  it("a client bucket per header value: 429 for that client only", async () => {
    redis.cli("FLUSHALL")
    const gw = await startSluice(config({ client_max_rate: 2, every: "1m", strategy: "header", key: "X-Client" }))
    try {
      expect(await statuses(gw, "/limited", 3, { "X-Client": "a" })).toEqual([200, 200, 429])
      expect(await statuses(gw, "/limited", 2, { "X-Client": "b" })).toEqual([200, 200])
      expect(await statuses(gw, "/limited", 1)).toEqual([429]) // no key: refused, never a shared bucket
      expect(redis.cli("--scan", "--pattern", "sluice:rl:*").split("\n").sort()).toEqual([
        "sluice:rl:{GET /limited}:c:a",
        "sluice:rl:{GET /limited}:c:b"
      ])
    } finally {
      await gw.stop()
    }
  })

  it("Redis killed under load: 503 at once by default, logged once; limiting resumes when it is back", async () => {
    redis.cli("FLUSHALL")
    const gw = await startSluice(config({ max_rate: 1000, client_max_rate: 3, every: "1m" }))
    try {
      expect(await statuses(gw, "/limited", 2)).toEqual([200, 200])
      await redis.kill()
      const started = performance.now()
      const during = await Promise.all(Array.from({ length: 20 }, () => fetch(`${gw.url}/limited`).then(async (r) => (await r.arrayBuffer(), r.status))))
      expect(during.every((s) => s === 503)).toBe(true)
      expect(performance.now() - started).toBeLessThan(5000) // never a hung request
      expect((await statuses(gw, "/free", 1))).toEqual([200])
      await redis.restart()
      // reconnects within its retry backoff (≤ 1 s); the bucket starts again (Redis came back empty)
      let after: Array<number> = []
      for (let i = 0; i < 40 && !after.includes(200); i++) {
        await new Promise((r) => setTimeout(r, 100))
        after = await statuses(gw, "/limited", 1)
      }
      expect(after).toEqual([200])
      expect(await statuses(gw, "/limited", 3)).toEqual([200, 200, 429])
      const log = gw.output()
      expect(log.match(/\[Redis: shared\] rate-limit checks fail/g)?.length).toBe(1)
      expect(log).toMatch(/refused with 503 until Redis answers/)
      expect(log).toMatch(/\[Redis: shared\] rate-limit checks answered again/)
    } finally {
      await gw.stop()
    }
  })

  it("a Redis that stops answering costs a check its read_timeout (100 ms by default), never a hung request", async () => {
    redis.cli("FLUSHALL")
    const gw = await startSluice(config({ max_rate: 1000, every: "1m" }))
    try {
      expect(await statuses(gw, "/limited", 1)).toEqual([200])
      // every client of the server paused for 2 s: it accepts commands and does not answer
      await new Promise<void>((resolve) => {
        execFile("redis-cli", ["-p", String(redis.port), "CLIENT", "PAUSE", "2000", "ALL"], () => resolve())
      })
      const started = performance.now()
      const res = await fetch(`${gw.url}/limited`)
      const ms = performance.now() - started
      expect(res.status).toBe(503)
      expect(ms).toBeLessThan(1500) // the server is paused 2 s; the check gave up long before
      let after: Array<number> = []
      for (let i = 0; i < 20 && !after.includes(200); i++) {
        await new Promise((r) => setTimeout(r, 100))
        after = await statuses(gw, "/limited", 1)
      }
      expect(after).toEqual([200])
    } finally {
      await gw.stop()
    }
  })

  it("on_failure_allow lets requests through while Redis is down", async () => {
    const gw = await startSluice(config({ max_rate: 1, every: "1m", on_failure_allow: true }))
    try {
      await redis.kill()
      expect(await statuses(gw, "/limited", 3)).toEqual([200, 200, 200])
      expect(gw.output()).toMatch(/let through \(on_failure_allow\)/)
    } finally {
      await redis.restart()
      await gw.stop()
    }
  })
})

describe("qos/ratelimit/service/redis", () => {
  it("limits every request of the service, per client IP", async () => {
    redis.cli("FLUSHALL")
    const gw = await startSluice(config({ max_rate: 1000 }, { "qos/ratelimit/service/redis": { connection_name: "shared", client_max_rate: 3, every: "1m" } }))
    try {
      expect([...await statuses(gw, "/free", 2), ...await statuses(gw, "/limited", 2)]).toEqual([200, 200, 200, 429])
      expect(await statuses(gw, "/__health", 5)).toEqual([200, 200, 200, 200, 200]) // never limited
      await redis.kill()
      expect([...await statuses(gw, "/__health", 1), ...await statuses(gw, "/free", 1)]).toEqual([200, 503])
    } finally {
      await redis.restart()
      await gw.stop()
    }
  })
})

describe("Redis rate limit config", () => {
  it("an unknown connection, a limit of nothing and a param strategy at service level are start errors at their paths", async () => {
    const out = await runCli([
      "check",
      "-c",
      writeConfig({
        version: 3,
        extra_config: {
          redis: { connection_pools: [{ name: "one", address: "127.0.0.1:1" }] },
          "qos/ratelimit/service/redis": { connection_name: "one", client_max_rate: 1, strategy: "param", key: "id" }
        },
        endpoints: [
          { endpoint: "/a", extra_config: { "qos/ratelimit/router/redis": { connection_name: "two", max_rate: 1 } }, backend: [{ host: ["http://127.0.0.1:1"], url_pattern: "/" }] },
          { endpoint: "/b", extra_config: { "qos/ratelimit/router/redis": { connection_pool: "one" } }, backend: [{ host: ["http://127.0.0.1:1"], url_pattern: "/" }] }
        ]
      })
    ])
    expect(out.code).toBe(1)
    const text = out.stdout + out.stderr
    expect(text).toContain(`$.endpoints[0].extra_config["qos/ratelimit/router/redis"].connection_name: no redis connection named "two" (service redis has "one")`)
    expect(text).toContain(`$.endpoints[1].extra_config["qos/ratelimit/router/redis"]: limits nothing: set max_rate or client_max_rate`)
    expect(text).toContain(`$.extra_config["qos/ratelimit/service/redis"].strategy: a service-wide limit has no endpoint params`)
  })
})
