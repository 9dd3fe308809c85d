/**
 * The bot detector over real HTTP: the router app (service and endpoint level) and `sluice run`
 * with a pathological User-Agent (RELIABILITY.md C15).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BotDetectorOptions, EndpointConfig } from "../../src/config/Model.ts"
import * as Backend from "../support/Backend.ts"
import { endpoint, fixedData, gateway, routerDefaults, send, withRouter } from "../support/Router.ts"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

const detector = (overrides: Partial<BotDetectorOptions>): BotDetectorOptions => ({
  allow: [],
  deny: [],
  patterns: [],
  cache_size: 0,
  empty_user_agent_is_bot: false,
  ...overrides
})

const serve = <A>(
  endpoints: ReadonlyArray<EndpointConfig>,
  service: BotDetectorOptions | undefined,
  f: Parameters<typeof withRouter<A>>[1]
) =>
  withRouter({
    config: gateway(endpoints, {
      extra_config: {
        router: routerDefaults,
        "telemetry/logging": undefined,
        ...(service === undefined ? {} : { "security/bot-detector": service })
      }
    }),
    proxies: endpoints.map(() => fixedData({ ok: true })),
    debug: false
  }, f)

const ua = (value: string) => ({ headers: { "user-agent": value } })

describe("service-level bot detector", () => {
  const bots = detector({ allow: ["GoodBot/1.0"], deny: ["EvilBot/1.0", "GoodBot/1.0"], patterns: ["(?i)crawler", "Bot/"], cache_size: 16 })

  it("a deny match is 403 with an empty body; a pattern match too; a browser passes", () =>
    serve([endpoint("/a")], bots, async (r) => {
      const denied = await send(r, "/a", ua("EvilBot/1.0"))
      expect(denied.status).toBe(403)
      expect(denied.body).toBe("")
      const matched = await send(r, "/a", ua("Some-Crawler 2"))
      expect(matched.status).toBe(403)
      expect(matched.body).toBe("")
      const browser = await send(r, "/a", ua("Mozilla/5.0"))
      expect(browser.status).toBe(200)
      expect(browser.json()).toEqual({ ok: true })
    }))

  it("allow wins over deny and patterns", () =>
    serve([endpoint("/a")], bots, async (r) => {
      const res = await send(r, "/a", ua("GoodBot/1.0"))
      expect(res.status).toBe(200)
      expect(res.json()).toEqual({ ok: true })
      expect((await send(r, "/a", ua("GoodBot/1.1"))).status).toBe(403)
    }))

  it("applies before routing (unknown paths too) but not to /__health", () =>
    serve([endpoint("/a")], bots, async (r) => {
      expect((await send(r, "/nope", ua("EvilBot/1.0"))).status).toBe(403)
      expect((await send(r, "/nope", ua("Mozilla/5.0"))).status).toBe(404)
      const health = await send(r, "/__health", ua("EvilBot/1.0"))
      expect(health.status).toBe(200)
    }))

  it("empty_user_agent_is_bot rejects a missing and an empty User-Agent", () =>
    serve([endpoint("/a")], detector({ empty_user_agent_is_bot: true }), async (r) => {
      expect((await send(r, "/a")).status).toBe(403)
      expect((await send(r, "/a", ua(""))).status).toBe(403)
      expect((await send(r, "/a", ua("Mozilla/5.0"))).status).toBe(200)
    }))

  it("without empty_user_agent_is_bot a missing User-Agent passes", () =>
    serve([endpoint("/a")], detector({ patterns: ["."] }), async (r) => {
      expect((await send(r, "/a")).status).toBe(200)
      expect((await send(r, "/a", ua("x"))).status).toBe(403)
    }))
})

describe("endpoint-level bot detector", () => {
  it("only affects its endpoint", () =>
    serve(
      [
        endpoint("/guarded", { extra_config: { proxy: undefined, "security/bot-detector": detector({ deny: ["EvilBot/1.0"] }) } }),
        endpoint("/open")
      ],
      undefined,
      async (r) => {
        const guarded = await send(r, "/guarded", ua("EvilBot/1.0"))
        expect(guarded.status).toBe(403)
        expect(guarded.body).toBe("")
        expect((await send(r, "/guarded", ua("Mozilla/5.0"))).status).toBe(200)
        const open = await send(r, "/open", ua("EvilBot/1.0"))
        expect(open.status).toBe(200)
        expect(open.json()).toEqual({ ok: true })
      }
    ))
})

describe("C15: pathological User-Agent through sluice run", () => {
  let backend: Backend.Backend
  let gw: RunningSluice
  beforeAll(async () => {
    backend = await Backend.start((_req, res) => Backend.json(res, 200, { ok: true }))
    gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      max_header_bytes: 65_536,
      extra_config: { "security/bot-detector": { patterns: ["^.*bot.*$", ".*bot.*", "(?i)spider"], cache_size: 100 } },
      endpoints: [{ endpoint: "/x", backend: [{ host: [backend.url], url_pattern: "/x" }] }]
    })
  })
  afterAll(async () => {
    await gw?.stop("SIGKILL")
    await backend?.close()
  })

  const get = (headers: Record<string, string>) =>
    fetch(`${gw.url}/x`, { headers }).then(async (res) => ({ status: res.status, body: await res.text() }))

  it("a 50 KB User-Agent answers, and a concurrent normal request still answers", async () => {
    const [huge, hugeBot, normal, bot] = await Promise.all([
      get({ "user-agent": "a".repeat(50_000) }),
      get({ "user-agent": `bot${"a".repeat(50_000)}` }),
      get({ "user-agent": "Mozilla/5.0" }),
      get({ "user-agent": "Googlebot/2.1" })
    ])
    expect(huge).toEqual({ status: 200, body: "{\"ok\":true}" })
    expect(hugeBot).toEqual({ status: 403, body: "" })
    expect(normal).toEqual({ status: 200, body: "{\"ok\":true}" })
    expect(bot).toEqual({ status: 403, body: "" })
  })
})
