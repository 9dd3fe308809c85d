/**
 * `qos/ratelimit/router` over real HTTP: the router app and `sluice run` (RELIABILITY.md C14).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Duration from "effect/Duration"
import type { RateLimitOptions, RouterOptions } from "../../src/config/Model.ts"
import * as Backend from "../support/Backend.ts"
import { type Answer, endpoint, fixedData, gateway, type Running, send, withRouter } from "../support/Router.ts"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

const limit = (overrides: Partial<RateLimitOptions>): RateLimitOptions => ({
  max_rate: 0,
  every: Duration.minutes(1),
  client_max_rate: 0,
  strategy: "ip",
  key: "",
  num_shards: 2048,
  cleanup_period: Duration.minutes(1),
  cleanup_threads: 1,
  ...overrides
})

const serve = <A>(
  path: string,
  rateLimit: RateLimitOptions | undefined,
  f: (r: Running) => Promise<A>,
  router: Partial<RouterOptions> = {}
) =>
  withRouter({
    config: gateway([
      endpoint(path, {
        extra_config: { proxy: undefined, ...(rateLimit === undefined ? {} : { "qos/ratelimit/router": rateLimit }) }
      }),
      endpoint("/free")
    ], {}, router),
    proxies: [fixedData({ ok: true }), fixedData({ free: true })],
    debug: false
  }, f)

const xff = (ip: string) => ({ headers: { "x-forwarded-for": ip } })

const expectRejected = (res: Answer, status: number, retryAfter = "60") => {
  expect(res.status).toBe(status)
  expect(res.body).toBe("")
  expect(res.headers["retry-after"]).toBe(retryAfter)
  expect(res.headers["x-krakend-completed"]).toBe("false")
  expect(res.headers["content-length"]).toBe("0")
}

const trusted: Partial<RouterOptions> = { forwarded_by_client_ip: true, trusted_proxies: ["127.0.0.1"] }

describe("endpoint limit (max_rate)", () => {
  it("capacity 0 and client_capacity 0 mean unset, as in KrakenD: the buckets hold max_rate and client_max_rate", () =>
    serve("/a", limit({ max_rate: 3, capacity: 0, client_max_rate: 2, client_capacity: 0 }), async (r) => {
      const statuses: Array<number> = []
      for (let i = 0; i < 3; i++) statuses.push((await send(r, "/a")).status)
      expect(statuses).toEqual([200, 200, 429])
      expect((await send(r, "/a", xff("10.0.0.9"))).status).toBe(200)
      expect((await send(r, "/a", xff("10.0.0.9"))).status).toBe(503)
    }, trusted))

  it("beyond capacity: 503, empty body (even with return_error_msg), Retry-After; refills later", () =>
    serve("/a", limit({ max_rate: 2, every: Duration.millis(200) }), async (r) => {
      expect((await send(r, "/a")).status).toBe(200)
      expect((await send(r, "/a")).status).toBe(200)
      const rejected = await send(r, "/a")
      expect(rejected.status).toBe(503)
      expect(rejected.body).toBe("")
      expect(rejected.headers["retry-after"]).toBe("1")
      expect(rejected.headers["x-krakend-completed"]).toBe("false")
      expect((await send(r, "/free")).status).toBe(200)
      let res = rejected
      for (let i = 0; i < 100 && res.status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        res = await send(r, "/a")
      }
      expect(res.status).toBe(200)
      expect(res.json()).toEqual({ ok: true })
    }, { return_error_msg: true }))

  it("capacity sets the burst; Retry-After is the wait for one token in whole seconds", () =>
    serve("/a", limit({ max_rate: 1, capacity: 3 }), async (r) => {
      for (let i = 0; i < 3; i++) expect((await send(r, "/a")).status).toBe(200)
      expectRejected(await send(r, "/a"), 503)
    }))
})

describe("client limit (client_max_rate)", () => {
  it("429 per derived client IP; another client still gets 200", () =>
    serve("/a", limit({ client_max_rate: 1 }), async (r) => {
      expect((await send(r, "/a", xff("10.0.0.1"))).status).toBe(200)
      expectRejected(await send(r, "/a", xff("10.0.0.1")), 429)
      const other = await send(r, "/a", xff("10.0.0.2"))
      expect(other.status).toBe(200)
      expect(other.json()).toEqual({ ok: true })
    }, trusted))

  it("a spoofed X-Forwarded-For from an untrusted peer does not get a fresh bucket", () =>
    serve("/a", limit({ client_max_rate: 1 }), async (r) => {
      expect((await send(r, "/a", xff("10.0.0.1"))).status).toBe(200)
      expectRejected(await send(r, "/a", xff("10.0.0.2")), 429)
      expectRejected(await send(r, "/a", { headers: { "x-forwarded-for": "10.0.0.3", "x-real-ip": "10.0.0.4" } }), 429)
      expectRejected(await send(r, "/a"), 429)
    }, { forwarded_by_client_ip: true }))

  it("the client limit is checked first: a limited client spends no endpoint tokens", () =>
    serve("/a", limit({ max_rate: 2, client_max_rate: 1 }), async (r) => {
      expect((await send(r, "/a", xff("10.0.0.1"))).status).toBe(200)
      expectRejected(await send(r, "/a", xff("10.0.0.1")), 429)
      expectRejected(await send(r, "/a", xff("10.0.0.1")), 429)
      expect((await send(r, "/a", xff("10.0.0.2"))).status).toBe(200)
      expectRejected(await send(r, "/a", xff("10.0.0.3")), 503, "30")
    }, trusted))

  it("strategy header keys clients by the header `key`", () =>
    serve("/a", limit({ client_max_rate: 1, strategy: "header", key: "X-Api-Key" }), async (r) => {
      const key = (k: string) => ({ headers: { "x-api-key": k } })
      expect((await send(r, "/a", key("alice"))).status).toBe(200)
      expectRejected(await send(r, "/a", key("alice")), 429)
      expect((await send(r, "/a", key("bob"))).status).toBe(200)
      // No key: refused at once (KrakenD), never one bucket shared by every keyless client.
      expectRejected(await send(r, "/a"), 429)
      expectRejected(await send(r, "/a"), 429)
      expect((await send(r, "/a", key("carol"))).status).toBe(200)
    }))

  it("strategy param keys clients by the endpoint param `key`", () =>
    serve("/u/{id}", limit({ client_max_rate: 1, strategy: "param", key: "id" }), async (r) => {
      expect((await send(r, "/u/1")).status).toBe(200)
      expectRejected(await send(r, "/u/1"), 429)
      expect((await send(r, "/u/2")).status).toBe(200)
    }))
})

it("an endpoint without qos/ratelimit/router is never limited", () =>
  serve("/a", undefined, async (r) => {
    for (let i = 0; i < 50; i++) expect((await send(r, "/a")).status).toBe(200)
  }))

describe("sluice run", () => {
  let backend: Backend.Backend | undefined
  let gw: RunningSluice | undefined
  beforeAll(async () => {
    backend = await Backend.start((_req, res) => Backend.json(res, 200, { up: true }))
    gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      endpoints: [{
        endpoint: "/x",
        extra_config: { "qos/ratelimit/router": { max_rate: 1, every: "1m", client_max_rate: 5 } },
        backend: [{ host: [backend.url], url_pattern: "/x" }]
      }]
    })
  })
  afterAll(async () => {
    await gw?.stop("SIGKILL")
    await backend?.close()
  })

  it("decodes the namespace without a warning and limits the endpoint", async () => {
    const first = await fetch(`${gw!.url}/x`)
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ up: true })
    const second = await fetch(`${gw!.url}/x`)
    expect(second.status).toBe(503)
    expect(second.headers.get("retry-after")).toBe("60")
    expect(await second.text()).toBe("")
    expect(gw!.output()).not.toContain("qos/ratelimit/router")
  })
})
