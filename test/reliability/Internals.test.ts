/**
 * Gateway internals through `sluice run` (RELIABILITY.md G3 after the deadline, G6, G7): load
 * shedding with 503 + `Retry-After` beyond `sluice/server.max_concurrent_requests`, no secret in
 * error bodies or logs, and a drain whose deadline interrupts what is left.
 */
import { request } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

const get = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.text() }))

describe("G6 load shedding", () => {
  let slow: Backend.Backend
  let gw: RunningSluice
  const release: Array<() => void> = []

  beforeAll(async () => {
    slow = await Backend.start((req, res) => {
      if (req.url === "/fast") return Backend.json(res, 200, { fast: true })
      release.push(() => Backend.json(res, 200, { slow: true }))
    })
    gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      timeout: "10s",
      extra_config: { "sluice/server": { max_concurrent_requests: 4, retry_after: "2s" } },
      endpoints: [
        { endpoint: "/slow", backend: [{ host: [slow.url], url_pattern: "/slow" }] },
        { endpoint: "/fast", backend: [{ host: [slow.url], url_pattern: "/fast" }] }
      ]
    })
  })
  afterAll(async () => {
    for (const r of release.splice(0)) r()
    await gw?.stop("SIGKILL")
    await slow?.close()
  })

  it("G6 N+k concurrent requests against a held backend: N are served, k get 503 + Retry-After at once; then capacity returns", async () => {
    const inflight = Array.from({ length: 4 }, () => get(`${gw.url}/slow`))
    for (let i = 0; i < 50 && slow.requests.length < 4; i++) await new Promise((r) => setTimeout(r, 20))
    expect(slow.requests.length).toBe(4)
    // The k extra requests are shed while the 4 are held (they answer without the backend).
    const shed = await Promise.all(Array.from({ length: 6 }, () => get(`${gw.url}/fast`)))
    for (const r of shed) {
      expect(r.status).toBe(503)
      expect(r.headers.get("retry-after")).toBe("2")
      expect(r.body).toBe("")
    }
    expect(slow.requests.length).toBe(4)
    // The health path is never shed: a busy gateway is alive.
    const health = await get(`${gw.url}/__health`)
    expect(health.status).toBe(200)
    for (const r of release.splice(0)) r()
    for (const r of await Promise.all(inflight)) {
      expect(r.status).toBe(200)
      expect(JSON.parse(r.body)).toEqual({ slow: true })
    }
    // Slots are released when requests end: new requests are served again.
    const after = await get(`${gw.url}/fast`)
    expect(after.status).toBe(200)
    expect(JSON.parse(after.body)).toEqual({ fast: true })
  })

  it("G6 a client that disconnects releases its slot", async () => {
    const aborts = Array.from({ length: 4 }, () => {
      const ac = new AbortController()
      return { ac, done: fetch(`${gw.url}/slow`, { signal: ac.signal }).catch(() => undefined) }
    })
    for (let i = 0; i < 50 && release.length < 4; i++) await new Promise((r) => setTimeout(r, 20))
    expect((await get(`${gw.url}/fast`)).status).toBe(503)
    for (const a of aborts) a.ac.abort()
    await Promise.all(aborts.map((a) => a.done))
    let status = 0
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 20))
      status = (await get(`${gw.url}/fast`)).status
    }
    expect(status).toBe(200)
    release.splice(0)
  })
})

describe("G7 no secrets in error bodies or logs", () => {
  let backend: Backend.Backend
  let gw: RunningSluice
  const secret = "TOPSECRET-7f3a"

  beforeAll(async () => {
    backend = await Backend.start((req, res) => {
      if (req.url === "/boom") {
        res.writeHead(500, { "content-type": "application/json", "set-cookie": `sid=${secret}-cookie` })
        return res.end(JSON.stringify({ error: `db password ${secret}-body`, stack: "at Db.connect (/srv/db.js:1:1)" }))
      }
      Backend.json(res, 200, { ok: true }, { "set-cookie": `sid=${secret}-ok` })
    })
    gw = await startSluice(
      {
        version: 3,
        listen_ip: "127.0.0.1",
        endpoints: [
          { endpoint: "/boom", input_headers: ["*"], backend: [{ host: [backend.url], url_pattern: "/boom" }] },
          { endpoint: "/ok", input_headers: ["*"], backend: [{ host: [backend.url], url_pattern: "/ok" }] },
          { endpoint: "/partial", backend: [{ host: [backend.url], url_pattern: "/ok" }, { host: [backend.url], url_pattern: "/boom" }] }
        ]
      },
      ["-d"]
    )
  })
  afterAll(async () => {
    await gw?.stop("SIGKILL")
    await backend?.close()
  })

  const creds = { authorization: `Bearer ${secret}-auth`, cookie: `session=${secret}-cookie`, "proxy-authorization": `Basic ${secret}-proxy` }

  it("G7 a backend 500 with a secret body is not returned (no return_error_msg)", async () => {
    const res = await get(`${gw.url}/boom`, creds)
    expect(res.status).toBe(500)
    expect(res.body).toBe("")
    expect(res.headers.get("set-cookie")).toBeNull()
    const partial = await get(`${gw.url}/partial`, creds)
    expect(partial.status).toBe(200)
    expect(JSON.parse(partial.body)).toEqual({ ok: true })
    expect(partial.body).not.toContain(secret)
  })

  it("G7 with -d (DEBUG, access log, /__debug logging every header) no Authorization, Cookie or Set-Cookie value is logged", async () => {
    expect((await get(`${gw.url}/ok`, creds)).status).toBe(200)
    expect((await get(`${gw.url}/boom`, creds)).status).toBe(500)
    const debug = await get(`${gw.url}/__debug/x`, { ...creds, "x-visible": "shown-in-log" })
    expect(debug.status).toBe(200)
    await new Promise((r) => setTimeout(r, 200))
    const out = gw.output()
    // The debug handler did log the request's headers (so the check below can fail)…
    expect(out).toContain("shown-in-log")
    expect(out).toContain("[REDACTED]")
    expect(out).toMatch(/invalid status code 500/)
    // …but never a credential.
    expect(out).not.toContain(secret)
  })
})

describe("G3 drain after the deadline", () => {
  it("G3 max_shutdown_wait_time 1s, a 10 s backend: SIGTERM interrupts the in-flight request, aborts its backend call, exits 0", async () => {
    const backend = await Backend.start((_req, res) => {
      const t = setTimeout(() => Backend.json(res, 200, { late: true }), 10_000)
      res.on("close", () => clearTimeout(t))
    })
    const gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      timeout: "20s",
      max_shutdown_wait_time: "1s",
      endpoints: [{ endpoint: "/slow", backend: [{ host: [backend.url], url_pattern: "/slow" }] }]
    })
    try {
      const client = new Promise<{ status: number | "reset"; body: string }>((resolve) => {
        const req = request(`${gw.url}/slow`, (res) => {
          let body = ""
          res.on("data", (d: Buffer) => (body += d.toString()))
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }))
          res.on("error", () => resolve({ status: "reset", body }))
        })
        req.on("error", () => resolve({ status: "reset", body: "" }))
        req.end()
      })
      for (let i = 0; i < 100 && backend.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 20))
      expect(backend.requests.length).toBe(1)
      const signalled = Date.now()
      gw.proc.kill("SIGTERM")
      const code = await gw.exited
      expect(code).toBe(0)
      // The backend call was aborted: its request closed before the backend answered.
      const closedAt = await backend.requests[0]!.closed
      expect(backend.requests[0]!.aborted()).toBe(true)
      expect(closedAt - signalled).toBeLessThan(9_000)
      // The client never gets a truncated 200: either no answer (reset) or an error status.
      const answer = await client
      expect(answer.status === "reset" || (typeof answer.status === "number" && answer.status >= 500)).toBe(true)
      expect(answer.body).not.toContain("late")
    } finally {
      await gw.stop("SIGKILL")
      await backend.close()
    }
  })
})
