/**
 * `sd: "dns"`: KrakenD's host list from SRV records (lura sd/dnssrv), and a gateway whose backend
 * hosts come from a loopback DNS server: round robin over the records, refreshed every
 * `dns_cache_ttl`, the previous list kept when a lookup fails, "no hosts" until one succeeds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as DnsSrv from "../../src/proxy/DnsSrv.ts"
import * as Backend from "../support/Backend.ts"
import * as Dns from "../support/Dns.ts"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

const srv = (name: string, port: number, priority = 10, weight = 1): DnsSrv.SrvRecord => ({ name, port, priority, weight })

describe("DnsSrv.hostList (lura's rules)", () => {
  it("keeps only the lowest priority value, ordered by weight (descending), target, port", () => {
    expect(DnsSrv.hostList([srv("b", 2, 10, 1), srv("a", 1, 20, 5), srv("c", 3, 10, 1), srv("a", 9, 10, 2)], "http")).toEqual([
      "http://a:9",
      "http://a:9",
      "http://b:2",
      "http://c:3"
    ])
  })

  it("repeats each host by its weight divided by the weights' GCD; scales sums above max(100, n); drops weight 0", () => {
    expect(DnsSrv.hostList([srv("a", 1, 1, 10), srv("b", 1, 1, 20)], "https")).toEqual(["https://b:1", "https://b:1", "https://a:1"])
    expect(DnsSrv.hostList([srv("a", 1, 1, 60), srv("b", 1, 1, 60)], "http")).toEqual(["http://a:1", "http://b:1"])
    expect(DnsSrv.hostList([srv("a", 1, 1, 0), srv("b", 1, 1, 3)], "http")).toEqual(["http://b:1"])
    expect(DnsSrv.hostList([srv("a", 1, 1, 0), srv("b", 1, 1, 0)], "http")).toEqual([])
    expect(DnsSrv.hostList([], "http")).toEqual([])
    // 150 + 50 = 200 > 100: scaled to 75 and 25, then divided by 25
    expect(DnsSrv.hostList([srv("a", 1, 1, 150), srv("b", 1, 1, 50)], "http")).toEqual(["http://a:1", "http://a:1", "http://a:1", "http://b:1"])
  })

  it("brackets IPv6 targets and shuffles lists longer than 100 (same hosts)", () => {
    expect(DnsSrv.hostList([srv("::1", 80)], "http")).toEqual(["http://[::1]:80"])
    const many = Array.from({ length: 101 }, (_, i) => srv(`h${String(i).padStart(3, "0")}`, 1))
    const list = DnsSrv.hostList(many, "http")
    expect([...list].sort()).toEqual(many.map((r) => `http://${r.name}:1`).sort())
  })

  it("a dns_cache_ttl under one second keeps the 30s default", async () => {
    const { Duration } = await import("effect")
    expect(Duration.toMillis(DnsSrv.ttlOf(Duration.millis(500)))).toBe(30_000)
    expect(Duration.toMillis(DnsSrv.ttlOf(Duration.seconds(2)))).toBe(2_000)
    expect(Duration.toMillis(DnsSrv.ttlOf(undefined))).toBe(30_000)
  })
})

describe("sd: \"dns\" through sluice run", () => {
  const name = "_api._tcp.sluice.test"
  let dns: Dns.DnsServer
  let a: Backend.Backend
  let b: Backend.Backend
  let c: Backend.Backend
  let gw: RunningSluice
  const who = (id: string) => (_req: unknown, res: Parameters<Parameters<typeof Backend.start>[0]>[1]) => Backend.json(res, 200, { id })

  beforeAll(async () => {
    dns = await Dns.start()
    a = await Backend.start(who("a"))
    b = await Backend.start(who("b"))
    c = await Backend.start(who("c"))
    const port = (backend: Backend.Backend) => Number(new URL(backend.url).port)
    dns.records.set(name, [
      { target: "127.0.0.1", port: port(a) },
      { target: "127.0.0.1", port: port(b) },
      { target: "127.0.0.1", port: port(c), priority: 20 } // a higher priority value: never used
    ])
    gw = await startSluice({
      version: 3,
      dns_cache_ttl: "1s",
      extra_config: { "sluice/server": { dns_servers: [dns.address] } },
      endpoints: [
        { endpoint: "/x", backend: [{ host: [name], sd: "dns", url_pattern: "/x" }] },
        { endpoint: "/none", backend: [{ host: ["_missing._tcp.sluice.test"], sd: "dns", url_pattern: "/x" }] }
      ]
    })
  })
  afterAll(async () => {
    await gw?.stop()
    await Promise.all([a?.close(), b?.close(), c?.close(), dns?.close()])
  })

  const ids = async (n: number): Promise<Array<string>> => {
    const out: Array<string> = []
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${gw.url}/x`)
      out.push(res.status === 200 ? ((await res.json()) as { id: string }).id : String(res.status))
    }
    return out
  }

  it("round-robins over the lowest-priority records, the SRV name looked up as written", async () => {
    expect((await ids(4)).sort()).toEqual(["a", "a", "b", "b"])
    expect(dns.questions).toContain(`${name} SRV`)
  })

  it("a name without records has no hosts: the call fails (500)", async () => {
    expect((await fetch(`${gw.url}/none`)).status).toBe(500)
  })

  it("refreshes every dns_cache_ttl; a failing lookup keeps the previous list", async () => {
    dns.records.set(name, [{ target: "127.0.0.1", port: Number(new URL(c.url).port) }])
    await new Promise((resolve) => setTimeout(resolve, 2_200))
    expect(await ids(3)).toEqual(["c", "c", "c"])
    dns.mode = "servfail"
    const asked = dns.questions.length
    await new Promise((resolve) => setTimeout(resolve, 2_200))
    expect(dns.questions.length).toBeGreaterThan(asked)
    expect(await ids(2)).toEqual(["c", "c"])
    expect(gw.output()).toMatch(/sd dns: lookup of _api\._tcp\.sluice\.test failed .*keeping 1 host/)
  })
})
