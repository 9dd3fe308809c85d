/**
 * Client abuse through `sluice run` (RELIABILITY.md C3, C7, C9, C10): slow clients are bounded
 * by `read_header_timeout` / `read_timeout` while normal requests keep answering, a spoofed
 * `X-Forwarded-For` / `X-Forwarded-Host` counts only through `router.trusted_proxies`, params
 * never move a call to another origin, and the query is forwarded only as declared and bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import * as Chaos from "../support/Chaos.ts"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

const within = <A>(p: Promise<A>, ms: number, what: string): Promise<A> =>
  Promise.race([p, new Promise<A>((_, reject) => setTimeout(() => reject(new Error(`${what} not within ${ms} ms`)), ms))])

describe("C3 slowloris and slow POST are bounded", () => {
  let echo: Backend.Backend
  let gw: RunningSluice

  beforeAll(async () => {
    echo = await Backend.start((req, res, body) => Backend.json(res, 200, { url: req.url, size: body.length }))
    gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      read_header_timeout: "1s",
      read_timeout: "2s",
      endpoints: [
        { endpoint: "/ok", backend: [{ host: [echo.url], url_pattern: "/ok" }] },
        { endpoint: "/upload", method: "POST", backend: [{ host: [echo.url], url_pattern: "/upload" }] }
      ]
    })
  })
  afterAll(async () => {
    await gw?.stop("SIGKILL")
    await echo?.close()
  })

  it("C3 50 slow sockets (25 slowloris, 25 slow POST): normal requests answer meanwhile; every slow socket is closed (408) by the timeouts", async () => {
    const before = echo.requests.length
    const slowloris = Array.from({ length: 25 }, () =>
      Chaos.slowClient(gw.port, "GET /ok HTTP/1.1\r\nHost: gw\r\n", "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 100))
    const slowPost = Array.from({ length: 25 }, () =>
      Chaos.slowClient(gw.port, "POST /upload HTTP/1.1\r\nHost: gw\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n", "x", 100))
    const slow = [...slowloris, ...slowPost]
    try {
      await new Promise((r) => setTimeout(r, 300))
      // Normal traffic is served while the slow sockets hold their connections.
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${gw.url}/ok`)
        expect(res.status).toBe(200)
        expect(await res.json()).toEqual({ url: "/ok", size: 0 })
      }
      // headersTimeout (1 s) / requestTimeout (2 s), checked every second: all closed well before 8 s.
      await within(Promise.all(slow.map((s) => s.closed)), 8_000, "closing the slow sockets")
      for (const s of slow) {
        const answered = Chaos.statuses(s.received())
        expect(answered.every((code) => code === 408)).toBe(true)
      }
      // No slow request reached the backend: only the 10 normal ones did.
      expect(echo.requests.slice(before).map((r) => r.url)).toEqual(Array.from({ length: 10 }, () => "/ok"))
      expect((await fetch(`${gw.url}/__health`)).status).toBe(200)
    } finally {
      for (const s of slow) s.destroy()
    }
  })
})

describe("C1 huge request bodies, C2 many headers", () => {
  let echo: Backend.Backend
  let gw: RunningSluice

  beforeAll(async () => {
    echo = await Backend.start((req, res, body) => Backend.json(res, 200, { size: body.length }))
    gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      endpoints: [{ endpoint: "/upload", method: "POST", backend: [{ host: [echo.url], url_pattern: "/upload" }] }]
    })
  })
  afterAll(async () => {
    await gw?.stop("SIGKILL")
    await echo?.close()
  })

  it("C1 a declared Content-Length over the limit is answered 413 from the header alone (the body is never waited for)", async () => {
    const before = echo.requests.length
    // 1 GB declared, 64 KiB sent: the answer comes while the client still owes almost all of it.
    const r = await Chaos.exchange(gw.port, [`POST /upload HTTP/1.1\r\nHost: gw\r\nContent-Length: 1000000000\r\n\r\n${"a".repeat(65_536)}`], { waitMs: 2_000 })
    expect(r.statuses).toEqual([413])
    expect(echo.requests.length).toBe(before)
  })

  it("C2 5 000 headers → 431 before any handler runs, the backend sees nothing", async () => {
    const before = echo.requests.length
    const headers = Array.from({ length: 5_000 }, (_, i) => `x-h${i}: v`).join("\r\n")
    const r = await Chaos.exchange(gw.port, [`POST /upload HTTP/1.1\r\nHost: gw\r\n${headers}\r\nContent-Length: 0\r\n\r\n`])
    expect(r.statuses).toEqual([431])
    expect(r.closedByServer).toBe(true)
    expect(echo.requests.length).toBe(before)
  })

  it("C1 a chunked body growing past the limit → 413 and the connection closed", async () => {
    const before = echo.requests.length
    const chunk = `10000\r\n${"a".repeat(65_536)}\r\n`
    const r = await Chaos.exchange(gw.port, [`POST /upload HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n`, chunk.repeat(200)], { waitMs: 2_000 })
    expect(r.statuses).toEqual([413])
    expect(r.closedByServer).toBe(true)
    expect(echo.requests.length).toBe(before)
    const ok = await fetch(`${gw.url}/upload`, { method: "POST", body: "x".repeat(1000) })
    expect(await ok.json()).toEqual({ size: 1000 })
  })
})

describe("C7 X-Forwarded-For / X-Forwarded-Host spoofing", () => {
  let echo: Backend.Backend
  let open: RunningSluice
  let trusted: RunningSluice

  const endpoints = (url: string) => [{ endpoint: "/ip", input_headers: ["*"], backend: [{ host: [url], url_pattern: "/ip" }] }]

  beforeAll(async () => {
    echo = await Backend.start((req, res) => Backend.json(res, 200, { url: req.url }))
    open = await startSluice({ version: 3, listen_ip: "127.0.0.1", endpoints: endpoints(echo.url) })
    trusted = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      extra_config: { router: { forwarded_by_client_ip: true, trusted_proxies: ["127.0.0.1/32", "10.0.0.0/8"] } },
      endpoints: endpoints(echo.url)
    })
  })
  afterAll(async () => {
    await open?.stop("SIGKILL")
    await trusted?.stop("SIGKILL")
    await echo?.close()
  })

  const seen = async (gw: RunningSluice, headers: Record<string, string>) => {
    const res = await fetch(`${gw.url}/ip`, { headers })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ url: "/ip" })
    return echo.requests.at(-1)!.headers
  }

  it("C7 without trusted proxies a client X-Forwarded-For is ignored; X-Forwarded-Host never changes Host or routing", async () => {
    const h = await seen(open, { "x-forwarded-for": "6.6.6.6", "x-forwarded-host": "evil.test", "x-real-ip": "7.7.7.7" })
    expect(h["x-forwarded-for"]).toBe("127.0.0.1")
    expect(h["x-forwarded-host"]).toBe(`127.0.0.1:${open.port}`)
    expect(h.host).toBe(`127.0.0.1:${echo.port}`)
  })

  it("C7 with router.trusted_proxies the last untrusted hop is the client (A, B, C via trusted D → B)", async () => {
    expect((await seen(trusted, { "x-forwarded-for": "1.1.1.1, 2.2.2.2, 10.0.0.3" }))["x-forwarded-for"]).toBe("2.2.2.2")
    // Everything trusted: the leftmost entry.
    expect((await seen(trusted, { "x-forwarded-for": "10.0.0.9, 10.0.0.3" }))["x-forwarded-for"]).toBe("10.0.0.9")
    // gin's default remote_ip_headers include X-Real-IP.
    expect((await seen(trusted, { "x-real-ip": "5.5.5.5" }))["x-forwarded-for"]).toBe("5.5.5.5")
    // Garbage in the header: the socket peer.
    expect((await seen(trusted, { "x-forwarded-for": "not-an-ip, 2.2.2.2, <script>" }))["x-forwarded-for"]).toBe("127.0.0.1")
  })

  it("C7 an untrusted peer's X-Forwarded-For is ignored even with trusted_proxies set", async () => {
    const gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      extra_config: { router: { forwarded_by_client_ip: true, trusted_proxies: ["10.0.0.0/8"] } },
      endpoints: endpoints(echo.url)
    })
    try {
      expect((await seen(gw, { "x-forwarded-for": "6.6.6.6" }))["x-forwarded-for"]).toBe("127.0.0.1")
    } finally {
      await gw.stop("SIGKILL")
    }
  })
})

describe("C9 SSRF through params, C10 query pollution and length", () => {
  let target: Backend.Backend
  let attacker: Backend.Backend
  let gw: RunningSluice

  beforeAll(async () => {
    target = await Backend.start((req, res) => Backend.json(res, 200, { url: req.url }))
    attacker = await Backend.start((req, res) => Backend.json(res, 200, { pwned: req.url }))
    gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      endpoints: [
        { endpoint: "/u/{id}", backend: [{ host: [target.url], url_pattern: "/users/{id}" }] },
        { endpoint: "/raw/{id}", backend: [{ host: [target.url], url_pattern: "{id}" }] },
        { endpoint: "/q", input_query_strings: ["a", "b"], backend: [{ host: [target.url], url_pattern: "/q?fixed=1" }] },
        { endpoint: "/all", input_query_strings: ["*"], backend: [{ host: [target.url], url_pattern: "/all" }] }
      ]
    })
  })
  afterAll(async () => {
    await gw?.stop("SIGKILL")
    await target?.close()
    await attacker?.close()
  })

  const evil = () => `127.0.0.1:${attacker.port}`
  const payloads = () => [
    `//${evil()}`,
    `http://${evil()}/x`,
    `@${evil()}`,
    `\\\\${evil()}`,
    `http:%2F%2F${evil()}`,
    `%2F%2F${evil()}`,
    `%40${evil()}`,
    `%5C%5C${evil()}`,
    `..%2F..%2F${evil()}`,
    `%252F%252F${evil()}`
  ]

  it("C9 no param payload ever reaches another origin; the configured backend only gets /users/… paths", async () => {
    for (const prefix of ["/u/", "/raw/"]) {
      for (const p of payloads()) {
        const before = target.requests.length
        const res = await Chaos.exchange(gw.port, [`GET ${prefix}${p} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n`])
        expect(res.statuses.length, `${prefix}${p}`).toBe(1)
        expect([200, 301, 400, 404, 500], `${prefix}${p}: ${res.statuses[0]}`).toContain(res.statuses[0])
        for (const r of target.requests.slice(before)) {
          expect(r.url.startsWith(prefix === "/u/" ? "/users/" : "/"), r.url).toBe(true)
          expect(r.url.startsWith("//"), r.url).toBe(false)
          expect(r.headers.host).toBe(`127.0.0.1:${target.port}`)
        }
      }
    }
    expect(attacker.requests).toEqual([])
  })

  it("C9 an absolute-form request target or a spoofed Host never picks the upstream", async () => {
    const absolute = await Chaos.exchange(gw.port, [`GET http://${evil()}/u/1 HTTP/1.1\r\nHost: ${evil()}\r\nConnection: close\r\n\r\n`])
    // RFC 9112 §3.2.2: the absolute form is accepted, but only its path is routed.
    expect(absolute.statuses).toEqual([200])
    expect(target.requests.at(-1)?.url).toBe("/users/1")
    expect(target.requests.at(-1)?.headers.host).toBe(`127.0.0.1:${target.port}`)
    const host = await fetch(`${gw.url}/u/1`, { headers: { "x-forwarded-host": evil() } })
    expect(await host.json()).toEqual({ url: "/users/1" })
    expect(attacker.requests).toEqual([])
  })

  it("C10 only declared query names are forwarded, repeated keys in order, nothing expanded", async () => {
    const res = await fetch(`${gw.url}/q?a=1&z=9&a=2&a[]=3&a[b]=4&__proto__[x]=1&constructor[prototype][p]=1&b=x%26y`)
    expect(await res.json()).toEqual({ url: "/q?fixed=1&a=1&a=2&b=x%26y" })
    // Ordered by name like KrakenD (Go's url.Values.Encode), repeated values in their order.
    const all = await fetch(`${gw.url}/all?b=2&a=1&b=1&__proto__[x]=1`)
    expect(await all.json()).toEqual({ url: "/all?__proto__%5Bx%5D=1&a=1&b=2&b=1" })
    expect(({} as Record<string, unknown>)["x"]).toBeUndefined()
  })

  it("C10 a 10 000-parameter query is refused before routing (431: the request line counts against max_header_bytes)", async () => {
    const before = target.requests.length
    const query = Array.from({ length: 10_000 }, (_, i) => `a${i}=${i}`).join("&")
    const res = await Chaos.exchange(gw.port, [`GET /q?${query} HTTP/1.1\r\nHost: gw\r\n\r\n`])
    expect(res.statuses).toEqual([431])
    expect(res.closedByServer).toBe(true)
    expect(target.requests.length).toBe(before)
    expect((await fetch(`${gw.url}/__health`)).status).toBe(200)
  })
})
