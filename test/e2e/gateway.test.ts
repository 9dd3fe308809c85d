/**
 * End to end: `sluice run` as a real process on real loopback backends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage["headers"]
  readonly rawHeaders: ReadonlyArray<string>
  readonly body: string
  closedAt?: number
}

const listen = (handler: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void) =>
  new Promise<{ server: Server; url: string; seen: Array<Seen> }>((resolve) => {
    const seen: Array<Seen> = []
    const server = createServer((req, res) => {
      let body = ""
      req.on("data", (d: Buffer) => (body += d.toString()))
      req.on("end", () => {
        const s: Seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, rawHeaders: req.rawHeaders, body }
        seen.push(s)
        res.on("close", () => (s.closedAt = Date.now()))
        handler(req, res, s)
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const a = server.address()
      resolve({ server, url: `http://127.0.0.1:${typeof a === "object" && a !== null ? a.port : 0}`, seen })
    })
  })

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify(body))
}

describe("sluice run (end to end)", () => {
  let users: Awaited<ReturnType<typeof listen>>
  let orders: Awaited<ReturnType<typeof listen>>
  let failing: Awaited<ReturnType<typeof listen>>
  let slow: Awaited<ReturnType<typeof listen>>
  let gw: RunningSluice

  beforeAll(async () => {
    users = await listen((req, res) => {
      if (req.url?.startsWith("/proto")) {
        res.writeHead(200, { "content-type": "application/json" })
        res.end('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"ok":true}')
        return
      }
      json(res, 200, { id: 7, name: "Ada", password: "secret", profile: { city: "London", zip: "N1" } })
    })
    orders = await listen((_req, res) => json(res, 200, { orders: [1, 2], count: 2 }))
    failing = await listen((_req, res) => json(res, 503, { error: "down" }))
    slow = await listen((_req, res) => setTimeout(() => json(res, 200, { late: true }), 3_000))
    gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      timeout: "1s",
      cache_ttl: "30s",
      endpoints: [
        {
          endpoint: "/users/{id}",
          backend: [{ host: [users.url], url_pattern: "/users/{id}", deny: ["password"] }]
        },
        {
          endpoint: "/merge/{id}",
          backend: [
            { host: [users.url], url_pattern: "/users/{id}", allow: ["name"], group: "user" },
            { host: [orders.url], url_pattern: "/orders/{id}" },
            { host: [failing.url], url_pattern: "/fail" },
            { host: [slow.url], url_pattern: "/slow", group: "slow" }
          ]
        },
        {
          endpoint: "/complete/{id}",
          backend: [
            { host: [users.url], url_pattern: "/users/{id}", allow: ["name"], group: "user" },
            { host: [orders.url], url_pattern: "/orders/{id}" }
          ]
        },
        {
          endpoint: "/hang",
          timeout: "5s",
          backend: [{ host: [slow.url], url_pattern: "/hang-a" }, { host: [slow.url], url_pattern: "/hang-b" }]
        },
        { endpoint: "/upload", method: "POST", backend: [{ host: [users.url], url_pattern: "/upload" }] },
        { endpoint: "/single-fail", backend: [{ host: [failing.url], url_pattern: "/fail" }] },
        { endpoint: "/proto", backend: [{ host: [users.url], url_pattern: "/proto" }] },
        {
          endpoint: "/proto-merge",
          backend: [{ host: [users.url], url_pattern: "/proto" }, { host: [orders.url], url_pattern: "/o" }]
        }
      ]
    })
  })

  afterAll(async () => {
    await gw?.stop("SIGKILL")
    for (const b of [users, orders, failing, slow]) b?.server.close()
  })

  it("proxies a single backend and formats it", async () => {
    const res = await fetch(`${gw.url}/users/7`)
    expect(res.status).toBe(200)
    expect(res.headers.get("x-krakend-completed")).toBe("true")
    expect(res.headers.get("cache-control")).toBe("public, max-age=30")
    expect(await res.json()).toEqual({ id: 7, name: "Ada", profile: { city: "London", zip: "N1" } })
    expect(users.seen.at(-1)?.url).toBe("/users/7")
    expect(users.seen.at(-1)?.headers["user-agent"]).toMatch(/^Sluice\//)
    expect(users.seen.at(-1)?.headers["x-forwarded-for"]).toBe("127.0.0.1")
  })

  it("merges three backends: one failing, one timing out → partial 200, no Cache-Control", async () => {
    const started = Date.now()
    const res = await fetch(`${gw.url}/merge/7`)
    const elapsed = Date.now() - started
    expect(res.status).toBe(200)
    expect(res.headers.get("x-krakend-completed")).toBe("false")
    expect(res.headers.get("cache-control")).toBeNull()
    expect(await res.json()).toEqual({ user: { name: "Ada" }, orders: [1, 2], count: 2 })
    expect(elapsed).toBeLessThan(2_500)
    // The slow backend's request is aborted: its connection closes long before it would answer.
    await new Promise((r) => setTimeout(r, 300))
    const slowReq = slow.seen.at(-1)
    expect(slowReq?.closedAt).toBeDefined()
    expect(slowReq!.closedAt! - started).toBeLessThan(2_000)
  })

  it("a complete merge says so and carries Cache-Control", async () => {
    const res = await fetch(`${gw.url}/complete/1`)
    expect(res.headers.get("x-krakend-completed")).toBe("true")
    expect(res.headers.get("cache-control")).toBe("public, max-age=30")
    expect(await res.json()).toEqual({ user: { name: "Ada" }, orders: [1, 2], count: 2 })
  })

  it("keeps __proto__ and constructor keys from backends inert", async () => {
    for (const path of ["/proto", "/proto-merge"]) {
      const res = await fetch(`${gw.url}${path}`)
      expect(res.status).toBe(200)
      const body = (await res.json()) as Record<string, unknown>
      expect(body.ok).toBe(true)
    }
    // The gateway process is not polluted: a second, unrelated request still works normally.
    const res = await fetch(`${gw.url}/users/1`)
    const body = (await res.json()) as Record<string, unknown>
    expect(body.polluted).toBeUndefined()
    expect(Object.keys(body).sort()).toEqual(["id", "name", "profile"])
  })

  it.each([
    ["..", "/users/.."],
    ["%2e%2e", "/users/%2e%2e"],
    ["%2F", "/users/a%2Fb"],
    ["%00", "/users/a%00b"],
    ["CRLF", "/users/a%0d%0aX-Injected:%201"],
    ["%252F", "/users/a%252Fb"]
  ])("a param holding %s never reaches the backend as another path", async (_name, path) => {
    const before = users.seen.length
    const res = await fetch(`${gw.url}${path}`)
    expect([400, 404]).toContain(res.status)
    await res.arrayBuffer()
    expect(users.seen.length).toBe(before)
  })

  it("a client disconnect aborts every backend call of that request (G4)", async () => {
    const before = slow.seen.length
    const started = Date.now()
    await new Promise<void>((resolve) => {
      const req = request(`${gw.url}/hang`)
      req.on("error", () => resolve())
      req.end()
      setTimeout(() => {
        req.destroy()
        resolve()
      }, 200)
    })
    for (let i = 0; i < 40 && slow.seen.slice(before).filter((s) => s.closedAt !== undefined).length < 2; i++) {
      await new Promise((r) => setTimeout(r, 25))
    }
    const calls = slow.seen.slice(before)
    expect(calls.map((c) => c.url).sort()).toEqual(["/hang-a", "/hang-b"])
    for (const c of calls) {
      expect(c.closedAt).toBeDefined()
      // The backend would answer after 3 s and the deadline is 4.25 s: the request closes right
      // after the client left.
      expect(c.closedAt! - started).toBeLessThan(1_500)
    }
  })

  it("answers 413 to a body over the limit without forwarding it (C1)", async () => {
    const before = users.seen.length
    const res = await fetch(`${gw.url}/upload`, { method: "POST", body: new Uint8Array(11 * 1024 * 1024) })
    expect(res.status).toBe(413)
    expect(users.seen.length).toBe(before)
    const ok = await fetch(`${gw.url}/upload`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })
    expect(ok.status).toBe(200)
    expect(users.seen.at(-1)?.body).toBe("{}")
  })

  it("a failed single backend is a 500 with an empty, Content-Length: 0 body (KrakenD default)", async () => {
    const res = await fetch(`${gw.url}/single-fail`)
    expect(res.status).toBe(500)
    expect(res.headers.get("content-length")).toBe("0")
    expect(res.headers.get("x-krakend-completed")).toBe("false")
    expect(await res.text()).toBe("")
  })

  it("stays healthy", async () => {
    const res = await fetch(`${gw.url}/__health`)
    expect(res.status).toBe(200)
    expect(((await res.json()) as { status: string }).status).toBe("ok")
  })
})

describe("SIGTERM drain", () => {
  it("lets an in-flight request finish with its full body, refuses new connections, exits 0", async () => {
    const backend = await listen((_req, res) => setTimeout(() => json(res, 200, { done: true, pad: "x".repeat(10_000) }), 800))
    const gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      timeout: "5s",
      endpoints: [{ endpoint: "/slow", backend: [{ host: [backend.url], url_pattern: "/slow" }] }]
    })
    try {
      const inflight = fetch(`${gw.url}/slow`).then(async (r) => ({ status: r.status, body: (await r.json()) as { done: boolean; pad: string } }))
      await new Promise((r) => setTimeout(r, 200))
      gw.proc.kill("SIGTERM")
      await new Promise((r) => setTimeout(r, 200))
      const refused = await fetch(`${gw.url}/slow`).then(() => "answered", (e: unknown) => String((e as { cause?: { code?: string } }).cause?.code ?? e))
      expect(refused).toBe("ECONNREFUSED")
      const done = await inflight
      expect(done.status).toBe(200)
      expect(done.body.done).toBe(true)
      expect(done.body.pad.length).toBe(10_000)
      expect(await gw.exited).toBe(0)
    } finally {
      await gw.stop("SIGKILL")
      backend.server.close()
    }
  })
})

describe("request body limits", () => {
  it("sluice/server.max_body_size sets the default, sluice/endpoint.max_body_size overrides it per endpoint", async () => {
    const backend = await listen((_req, res) => json(res, 200, { ok: true }))
    const gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      extra_config: { "sluice/server": { max_body_size: 1000 } },
      endpoints: [
        { endpoint: "/small", method: "POST", backend: [{ host: [backend.url], url_pattern: "/small" }] },
        {
          endpoint: "/big",
          method: "POST",
          extra_config: { "sluice/endpoint": { max_body_size: 100_000 } },
          backend: [{ host: [backend.url], url_pattern: "/big" }]
        }
      ]
    })
    try {
      const body = "x".repeat(5_000)
      expect((await fetch(`${gw.url}/small`, { method: "POST", body })).status).toBe(413)
      expect((await fetch(`${gw.url}/big`, { method: "POST", body })).status).toBe(200)
      expect((await fetch(`${gw.url}/big`, { method: "POST", body: "x".repeat(200_000) })).status).toBe(413)
      expect(backend.seen.map((s) => [s.url, s.body.length])).toEqual([["/big", 5_000]])
    } finally {
      await gw.stop("SIGKILL")
      backend.server.close()
    }
  })

  it("KrakenD Enterprise's max_payload (router: the service limit, endpoint proxy: its own) is the request body limit", async () => {
    const backend = await listen((_req, res) => json(res, 200, { ok: true }))
    const gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      extra_config: { router: { max_payload: 1000 } },
      endpoints: [
        { endpoint: "/small", method: "POST", backend: [{ host: [backend.url], url_pattern: "/small" }] },
        { endpoint: "/tiny", method: "POST", extra_config: { proxy: { max_payload: 10 } }, backend: [{ host: [backend.url], url_pattern: "/tiny" }] },
        { endpoint: "/zero", method: "POST", extra_config: { proxy: { max_payload: 0 } }, backend: [{ host: [backend.url], url_pattern: "/zero" }] }
      ]
    })
    try {
      expect((await fetch(`${gw.url}/small`, { method: "POST", body: "x".repeat(500) })).status).toBe(200)
      expect((await fetch(`${gw.url}/small`, { method: "POST", body: "x".repeat(5_000) })).status).toBe(413)
      expect((await fetch(`${gw.url}/tiny`, { method: "POST", body: "x".repeat(500) })).status).toBe(413)
      // 0: no endpoint limit of its own, the service one applies
      expect((await fetch(`${gw.url}/zero`, { method: "POST", body: "x".repeat(500) })).status).toBe(200)
      expect((await fetch(`${gw.url}/zero`, { method: "POST", body: "x".repeat(5_000) })).status).toBe(413)
    } finally {
      await gw.stop("SIGKILL")
      backend.server.close()
    }
  })
})
