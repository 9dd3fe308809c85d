/**
 * Upstream faults through `sluice run` (RELIABILITY.md U2, U10, U11, U12): a connect that never
 * completes, invalid status lines, hop-by-hop and framing headers from the backend, redirects to
 * another origin. Each answer is asserted exactly, and the gateway stays healthy.
 */
import { spawn, type ChildProcess } from "node:child_process"
import * as Net from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import * as Chaos from "../support/Chaos.ts"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

/**
 * A listener that never accepts: a child Node process listens with a backlog of 1 (0 would mean Node's default, 511) and then blocks
 * its thread (`Atomics.wait`), so libuv never calls `accept()`. Once its accept queue is full the
 * kernel drops further SYNs and a connect hangs — the RELIABILITY.md U2 recipe, without python.
 */
const startBlackHole = (): Promise<{ port: number; proc: ChildProcess; fillers: Array<Net.Socket> }> =>
  new Promise((resolve, reject) => {
    const script = `
      const net = require("node:net"), fs = require("node:fs")
      const s = net.createServer()
      s.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
        fs.writeSync(1, "port " + s.address().port + "\\n")
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)
      })`
    const proc = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    proc.stdout!.on("data", async (d: Buffer) => {
      out += d.toString()
      const m = /port (\d+)/.exec(out)
      if (m === null) return
      const port = Number(m[1])
      // Fill the accept queue: these complete in the kernel; the next SYNs are dropped.
      const fillers: Array<Net.Socket> = []
      for (let i = 0; i < 3; i++) {
        const s = Net.connect(port, "127.0.0.1")
        s.on("error", () => undefined)
        fillers.push(s)
        await new Promise((r) => setTimeout(r, 20))
      }
      resolve({ port, proc, fillers })
    })
    proc.on("error", reject)
  })

const text = async (res: Response) => ({ status: res.status, headers: res.headers, body: await res.text() })

describe("U2 connect hang (the SYN is never answered)", () => {
  let hole: Awaited<ReturnType<typeof startBlackHole>>
  let gw: RunningSluice

  beforeAll(async () => {
    hole = await startBlackHole()
    gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      timeout: "5s",
      dialer_timeout: "300ms",
      extra_config: { router: { return_error_msg: true }, "sluice/errors": { status_policy: "gateway" } },
      endpoints: [{ endpoint: "/hang", backend: [{ host: [`http://127.0.0.1:${hole.port}`], url_pattern: "/x" }] }]
    })
  })
  afterAll(async () => {
    await gw?.stop("SIGKILL")
    for (const s of hole?.fillers ?? []) s.destroy()
    hole?.proc.kill("SIGKILL")
  })

  it("U2 the connect timeout (dialer_timeout) fires: 504 with the connect-timeout error, long before the endpoint timeout", async () => {
    const res = await text(await fetch(`${gw.url}/hang`))
    expect(res.status).toBe(504)
    // The connect timeout, not the 5 s endpoint deadline, ended the call.
    expect(res.body).toContain("UND_ERR_CONNECT_TIMEOUT")
    expect((await fetch(`${gw.url}/__health`)).status).toBe(200)
  })
})

describe("U10 invalid upstream status line, U11 hop-by-hop and framing headers from the backend", () => {
  let raw: Chaos.RawBackend
  let gw: RunningSluice

  beforeAll(async () => {
    raw = await Chaos.rawBackend((socket, head) => {
      const path = head.slice(head.indexOf(" ") + 1, head.indexOf(" HTTP/"))
      const json = ["Content-Type: application/json", "Content-Length: 11"]
      switch (path) {
        case "/s888":
          return Chaos.answer(socket, ["HTTP/1.1 888 X", ...json], '{"a":"888"}')
        case "/s99":
          return Chaos.answer(socket, ["HTTP/1.1 99 X", ...json], '{"a":"099"}')
        case "/s1000":
          return Chaos.answer(socket, ["HTTP/1.1 1000 X", ...json], '{"a":"1e3"}')
        case "/noreason":
          return Chaos.answer(socket, ["HTTP/1.1 200", ...json], '{"a":"200"}')
        case "/garbage":
          return Chaos.answer(socket, ["HTTP/1.1 OK 200", ...json], '{"a":"bad"}')
        case "/hop":
          return Chaos.answer(socket, [
            "HTTP/1.1 200 OK",
            "Connection: close, X-Secret",
            "X-Secret: s3cret",
            "Keep-Alive: timeout=5, max=100",
            "Upgrade: h2c",
            "Proxy-Authenticate: Basic realm=\"x\"",
            "Proxy-Connection: keep-alive",
            "Trailer: X-Trailer",
            "X-Kept: yes",
            ...json
          ], '{"a":"hop"}')
        case "/te-cl":
          return Chaos.answer(socket, [
            "HTTP/1.1 200 OK",
            "Content-Type: application/json",
            "Transfer-Encoding: chunked",
            "Content-Length: 3"
          ], 'b\r\n{"a":"tecl"}\r\n0\r\n\r\n')
        default:
          return Chaos.answer(socket, ["HTTP/1.1 404 Not Found", "Content-Length: 0"], "")
      }
    })
    const noop = (path: string) => ({
      endpoint: `/noop${path}`,
      output_encoding: "no-op",
      backend: [{ host: [raw.url], url_pattern: path, encoding: "no-op" }]
    })
    const json = (path: string) => ({ endpoint: `/json${path}`, backend: [{ host: [raw.url], url_pattern: path }] })
    const paths = ["/s888", "/s99", "/s1000", "/noreason", "/garbage", "/hop", "/te-cl"]
    gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      timeout: "2s",
      endpoints: [...paths.map(noop), ...paths.map(json)]
    })
  })
  afterAll(async () => {
    await gw?.stop("SIGKILL")
    await raw?.close()
  })

  it.each(["/s888", "/s99", "/s1000", "/garbage"])("U10 status line of %s (json) → 500, empty body, no crash", async (path) => {
    const res = await text(await fetch(`${gw.url}/json${path}`))
    expect(res.status).toBe(500)
    expect(res.body).toBe("")
  })

  it.each(["/s99", "/s1000", "/garbage"])("U10 status line of %s (no-op) → 500, never passed on, no crash", async (path) => {
    const res = await text(await fetch(`${gw.url}/noop${path}`))
    expect(res.status).toBe(500)
    expect(res.body).toBe("")
  })

  it("U10 a 3-digit status outside the HTTP classes (888, no-op) is not a crash: answered as the backend's status or 500", async () => {
    const res = await Chaos.exchange(gw.port, ["GET /noop/s888 HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n"])
    expect(res.statuses.length).toBe(1)
    expect([888, 500, 502]).toContain(res.statuses[0])
  })

  it("U10 a status line without a reason phrase is a valid 200", async () => {
    const json = await text(await fetch(`${gw.url}/json/noreason`))
    expect(json.status).toBe(200)
    expect(JSON.parse(json.body)).toEqual({ a: "200" })
    const noop = await text(await fetch(`${gw.url}/noop/noreason`))
    expect(noop.status).toBe(200)
    expect(noop.body).toBe('{"a":"200"}')
  })

  it("U11 no-op: Connection, the Connection-nominated X-Secret, Keep-Alive, Upgrade, Proxy-*, Trailer never reach the client", async () => {
    const res = await Chaos.exchange(gw.port, ["GET /noop/hop HTTP/1.1\r\nHost: gw\r\n\r\n"], { waitMs: 500 })
    expect(res.statuses).toEqual([200])
    const headText = res.text.slice(0, res.text.indexOf("\r\n\r\n")).toLowerCase()
    expect(headText).toContain("x-kept: yes")
    expect(res.text).toContain('{"a":"hop"}')
    for (const name of ["x-secret", "upgrade", "proxy-authenticate", "proxy-connection", "trailer"]) {
      expect(headText, name).not.toContain(`\n${name}:`)
    }
    expect(headText).not.toContain("s3cret")
    // Node sets the gateway's own Keep-Alive (its idle timeout); the backend's never passes.
    expect(headText).not.toContain("max=100")
    // The gateway frames the answer itself and keeps the client connection alive (the backend's
    // `Connection: close` is hop-by-hop).
    expect(headText).not.toContain("connection: close")
    expect(res.closedByServer).toBe(false)
  })

  it("U11 json: no backend header at all reaches the client", async () => {
    const res = await fetch(`${gw.url}/json/hop`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ a: "hop" })
    for (const name of ["x-secret", "x-kept", "upgrade", "proxy-authenticate", "trailer"]) {
      expect(res.headers.get(name), name).toBeNull()
    }
    expect(res.headers.get("keep-alive") ?? "").not.toContain("max=100")
  })

  it.each(["/noop", "/json"])("U11 %s: a backend answer with both Transfer-Encoding and Content-Length is a failed backend (500), never relayed", async (prefix) => {
    const res = await text(await fetch(`${gw.url}${prefix}/te-cl`))
    expect(res.status).toBe(500)
    expect(res.body).toBe("")
  })

  it("the gateway is healthy and logged no defect", async () => {
    expect((await fetch(`${gw.url}/__health`)).status).toBe(200)
    expect(gw.output()).not.toMatch(/defect|unhandled|RangeError|ERR_HTTP_INVALID_STATUS_CODE/i)
  })
})

describe("U12 redirects from the backend (followed like KrakenD/Go; credentials never cross origins)", () => {
  let other: Backend.Backend
  let origin: Backend.Backend
  let gw: RunningSluice

  beforeAll(async () => {
    other = await Backend.start((req, res) => Backend.json(res, 200, { where: "other", url: req.url }))
    origin = await Backend.start((req, res) => {
      if (req.url === "/cross") {
        res.writeHead(302, { location: `${other.url}/landed` })
        return res.end()
      }
      if (req.url === "/same") {
        res.writeHead(302, { location: "/final" })
        return res.end()
      }
      Backend.json(res, 200, { where: "origin", url: req.url })
    })
    gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      endpoints: [
        { endpoint: "/cross", input_headers: ["Authorization", "Cookie", "X-Tenant"], backend: [{ host: [origin.url], url_pattern: "/cross" }] },
        { endpoint: "/same", input_headers: ["Authorization", "Cookie", "X-Tenant"], backend: [{ host: [origin.url], url_pattern: "/same" }] }
      ]
    })
  })
  afterAll(async () => {
    await gw?.stop("SIGKILL")
    await other?.close()
    await origin?.close()
  })

  const creds = { authorization: "Bearer top-secret", cookie: "session=top-secret", "x-tenant": "t1" }

  it("U12 a cross-origin 302 is followed without Authorization or Cookie", async () => {
    const res = await fetch(`${gw.url}/cross`, { headers: creds })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ where: "other", url: "/landed" })
    const first = origin.requests.at(-1)!
    expect(first.headers.authorization).toBe("Bearer top-secret")
    const landed = other.requests.at(-1)!
    expect(landed.url).toBe("/landed")
    expect(landed.headers.authorization).toBeUndefined()
    expect(landed.headers.cookie).toBeUndefined()
    expect(landed.headers["x-tenant"]).toBe("t1")
    expect(landed.rawHeaders.join("\n")).not.toContain("top-secret")
  })

  it("U12 a same-origin 302 keeps them", async () => {
    const res = await fetch(`${gw.url}/same`, { headers: creds })
    expect(await res.json()).toEqual({ where: "origin", url: "/final" })
    const final = origin.requests.at(-1)!
    expect(final.url).toBe("/final")
    expect(final.headers.authorization).toBe("Bearer top-secret")
    expect(final.headers.cookie).toBe("session=top-secret")
  })
})

describe("U3 reset mid-body (streaming) and U5 trickling body", () => {
  let raw: Chaos.RawBackend
  let closedAt: Array<number>
  let gw: RunningSluice

  beforeAll(async () => {
    closedAt = []
    raw = await Chaos.rawBackend((socket, head) => {
      socket.on("close", () => closedAt.push(Date.now()))
      // `-large` announces more than the 64 KiB a no-op body may be read whole: streamed as it arrives
      const length = head.startsWith("GET /reset-large") || head.startsWith("GET /trickle-large") ? 100000 : 1000
      if (head.startsWith("GET /reset")) {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{"a":`)
        setTimeout(() => socket.destroy(), 50)
        return
      }
      // 1 byte every 200 ms, forever (until the gateway gives up).
      socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n[`)
      const t = setInterval(() => (socket.destroyed ? clearInterval(t) : socket.write("1")), 200)
    })
    gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      timeout: "1s",
      endpoints: [
        { endpoint: "/noop/reset", output_encoding: "no-op", backend: [{ host: [raw.url], url_pattern: "/reset" }] },
        { endpoint: "/json/reset", backend: [{ host: [raw.url], url_pattern: "/reset" }] },
        { endpoint: "/json/trickle", backend: [{ host: [raw.url], url_pattern: "/trickle" }] },
        { endpoint: "/noop/trickle", output_encoding: "no-op", backend: [{ host: [raw.url], url_pattern: "/trickle" }] },
        { endpoint: "/noop/reset-large", output_encoding: "no-op", backend: [{ host: [raw.url], url_pattern: "/reset-large" }] },
        { endpoint: "/noop/trickle-large", output_encoding: "no-op", backend: [{ host: [raw.url], url_pattern: "/trickle-large" }] }
      ]
    })
  })
  afterAll(async () => {
    await gw?.stop("SIGKILL")
    await raw?.close()
  })

  it("U3 json: a body cut short is a failed backend (500), never a truncated 200", async () => {
    const res = await text(await fetch(`${gw.url}/json/reset`))
    expect(res.status).toBe(500)
    expect(res.body).toBe("")
  })

  it.each(["/noop/reset", "/noop/reset-large"])("U3 no-op %s: the head goes out, then the client connection is aborted (no complete message)", async (path) => {
    const r = await Chaos.exchange(gw.port, [`GET ${path} HTTP/1.1\r\nHost: gw\r\n\r\n`], { waitMs: 2_000 })
    expect(r.statuses).toEqual([200])
    expect(r.closedByServer).toBe(true)
    // A chunked answer never got its terminating chunk, or a declared length was never met.
    const body = r.text.slice(r.text.indexOf("\r\n\r\n") + 4)
    const chunked = /transfer-encoding: chunked/i.test(r.text)
    if (chunked) expect(body.endsWith("0\r\n\r\n")).toBe(false)
    else {
      const length = Number(/content-length: (\d+)/i.exec(r.text)?.[1] ?? "-1")
      expect(Buffer.byteLength(body, "latin1")).not.toBe(length)
    }
    expect((await fetch(`${gw.url}/__health`)).status).toBe(200)
  })

  it("U5 json: a trickling body hits the deadline → 500, and the backend socket is released", async () => {
    const before = closedAt.length
    const started = Date.now()
    const res = await text(await fetch(`${gw.url}/json/trickle`))
    expect(res.status).toBe(500)
    for (let i = 0; i < 100 && closedAt.length === before; i++) await new Promise((r) => setTimeout(r, 20))
    expect(closedAt.length).toBe(before + 1)
    // Released around the 1 s deadline, not when the 100 000 bytes would be done (~5.5 hours).
    expect(closedAt.at(-1)! - started).toBeLessThan(5_000)
  })

  it.each(["/noop/trickle", "/noop/trickle-large"])("U5 no-op %s: a trickling body is cut at the deadline: the client connection and the backend socket close", async (path) => {
    const before = closedAt.length
    const started = Date.now()
    const r = await Chaos.exchange(gw.port, [`GET ${path} HTTP/1.1\r\nHost: gw\r\n\r\n`], { waitMs: 5_000 })
    expect(r.closedByServer).toBe(true)
    for (let i = 0; i < 100 && closedAt.length === before; i++) await new Promise((r) => setTimeout(r, 20))
    expect(closedAt.length).toBe(before + 1)
    expect(closedAt.at(-1)! - started).toBeLessThan(5_000)
  })
})
