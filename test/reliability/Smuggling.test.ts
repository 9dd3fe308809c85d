/**
 * C4 — request smuggling, and C6 — CRLF / control characters in header values, as raw-socket
 * requests against `sluice run` (the real Node server with Sluice's limits). Every variant is
 * answered 400 (or the connection is closed without any other answer), and the echo backend
 * never sees the suspicious request; pipelined variants never let the smuggled request through.
 * Seeded from llhttp's `test/request/*.md` and the Node/llhttp advisories in RELIABILITY.md.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import * as Chaos from "../support/Chaos.ts"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

const CRLF = "\r\n"
const head = (lines: ReadonlyArray<string>) => lines.join(CRLF) + CRLF + CRLF
const post = (headers: ReadonlyArray<string>, body: string) =>
  head(["POST /echo HTTP/1.1", "Host: gw", ...headers]) + body
const smuggled = "GET /smuggled HTTP/1.1\r\nHost: gw\r\n\r\n"

/** [case name, raw request bytes] — each must be refused (400, 413 for the chunk-extension overflow). */
const corpus: ReadonlyArray<readonly [string, string]> = [
  ["C4 CL+TE together → 400, backend sees nothing", post(["Content-Length: 4", "Transfer-Encoding: chunked"], "0\r\n\r\n" + smuggled)],
  ["C4 TE+CL together (TE first) → 400", post(["Transfer-Encoding: chunked", "Content-Length: 40"], "0\r\n\r\n" + smuggled)],
  ["C4 two different Content-Length values → 400", post(["Content-Length: 3", "Content-Length: 40"], "abc" + smuggled)],
  ["C4 Content-Length list with different values → 400", post(["Content-Length: 3, 40"], "abc" + smuggled)],
  ["C4 CVE-2022-32213 Transfer-Encoding: chunked, identity → 400", post(["Transfer-Encoding: chunked, identity"], "3\r\nabc\r\n0\r\n\r\n")],
  ["C4 CVE-2022-32213 Transfer-Encoding: xchunked → 400", post(["Transfer-Encoding: xchunked"], "3\r\nabc\r\n0\r\n\r\n")],
  ["C4 CVE-2022-32213 Transfer-Encoding split over two headers (chunked, then x) → 400", post(["Transfer-Encoding: chunked", "Transfer-Encoding: x"], "3\r\nabc\r\n0\r\n\r\n")],
  ["C4 CVE-2022-32215 Transfer-Encoding continued by an obs-fold line → 400", post(["Transfer-Encoding: identity", " chunked"], "3\r\nabc\r\n0\r\n\r\n")],
  ["C4 obs-fold continuation of an ordinary header → 400", post(["X-Folded: a", " b", "Content-Length: 3"], "abc")],
  ["C4 CVE-2021-22959 space before the colon (Transfer-Encoding) → 400", post(["Transfer-Encoding : chunked"], "3\r\nabc\r\n0\r\n\r\n")],
  ["C4 CVE-2021-22959 space before the colon (Content-Length) → 400", post(["Content-Length : 3"], "abc")],
  ["C4 CVE-2024-27982 space before the Content-Length name → 400", post([" Content-Length: 3"], "abc")],
  ["C4 CVE-2023-30589 bare CR as a header line ending → 400", "POST /echo HTTP/1.1\r\nHost: gw\rContent-Length: 3\r\n\r\nabc"],
  ["C4 Content-Length: +3 → 400", post(["Content-Length: +3"], "abc")],
  ["C4 Content-Length: -1 → 400", post(["Content-Length: -1"], "")],
  ["C4 Content-Length overflow → 400", post(["Content-Length: 99999999999999999999999"], "abc")],
  ["C4 invalid chunk size → 400", post(["Transfer-Encoding: chunked"], "zz\r\nabc\r\n0\r\n\r\n")],
  ["C4 over-long chunk size (overflow) → 400", post(["Transfer-Encoding: chunked"], "FFFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n")],
  ["C4 chunk data not followed by CRLF → 400", post(["Transfer-Encoding: chunked"], "3\r\nabcXX0\r\n\r\n" + smuggled)],
  ["C4 CVE-2024-22019 20 KiB chunk extension → 413 (HPE_CHUNK_EXTENSIONS_OVERFLOW)", post(["Transfer-Encoding: chunked"], `3;ext=${"a".repeat(20 * 1024)}\r\nabc\r\n0\r\n\r\n`)],
  ["C6 CRLF: bare CR inside a header value → 400", "POST /echo HTTP/1.1\r\nHost: gw\r\nX-A: a\rX-Injected: 1\r\nContent-Length: 0\r\n\r\n"],
  ["C6 NUL inside a header value → 400", post(["X-A: a\u0000X-Injected: 1", "Content-Length: 0"], "")],
  ["C6 CR inside the request target → 400", "GET /echo\rX-Injected:1 HTTP/1.1\r\nHost: gw\r\n\r\n"],
  ["C4 a header name with a space inside → 400", post(["Content Length: 3"], "abc")],
  ["C4 HTTP/1.1 without Host → 400", "GET /echo HTTP/1.1\r\nContent-Length: 0\r\n\r\n"]
]

describe("C4 request smuggling corpus and C6 header injection (raw sockets against sluice run)", () => {
  let echo: Backend.Backend
  let gw: RunningSluice

  beforeAll(async () => {
    echo = await Backend.start((req, res, body) => Backend.json(res, 200, { url: req.url, body: body.toString("latin1") }))
    gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      endpoints: [
        { endpoint: "/echo", method: "POST", input_headers: ["*"], backend: [{ host: [echo.url], url_pattern: "/echo" }] },
        { endpoint: "/echo", method: "GET", input_headers: ["*"], backend: [{ host: [echo.url], url_pattern: "/echo" }] },
        { endpoint: "/smuggled", backend: [{ host: [echo.url], url_pattern: "/smuggled" }] }
      ]
    })
  })
  afterAll(async () => {
    await gw?.stop("SIGKILL")
    await echo?.close()
  })

  it("a well-formed chunked POST and a pipelined pair pass (the corpus below can fail)", async () => {
    const before = echo.requests.length
    const r = await Chaos.exchange(gw.port, [post(["Transfer-Encoding: chunked", "Connection: close"], "3\r\nabc\r\n0\r\n\r\n")])
    expect(r.statuses).toEqual([200])
    expect(echo.requests.length - before).toBe(1)
    expect(echo.requests.at(-1)?.body.toString()).toBe("abc")
    const pipelined = await Chaos.exchange(gw.port, [post(["Content-Length: 3"], "abc") + "GET /smuggled HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n"])
    expect(pipelined.statuses).toEqual([200, 200])
    // Node reads pipelined requests ahead, so the backend may see them in either order.
    expect(echo.requests.slice(before + 1).map((q) => q.url).sort()).toEqual(["/echo", "/smuggled"])
  })

  it.each(corpus)("%s", async (name, bytes) => {
    const before = echo.requests.length
    const r = await Chaos.exchange(gw.port, [bytes])
    // Refused: a single 400 (or no answer at all), and the connection closed by the gateway.
    expect(r.statuses.length <= 1).toBe(true)
    if (r.statuses.length === 1) expect(r.statuses[0]).toBe(name.includes("→ 413") ? 413 : 400)
    expect(r.closedByServer).toBe(true)
    // Give a request that slipped through the time to reach the backend.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(echo.requests.length - before).toBe(0)
    expect(echo.requests.slice(before).some((q) => q.url === "/smuggled" || q.rawHeaders.includes("X-Injected"))).toBe(false)
  })

  it("the gateway is still healthy after the corpus", async () => {
    const res = await fetch(`${gw.url}/__health`)
    expect(res.status).toBe(200)
    expect(gw.output()).not.toMatch(/unhandled|defect|TypeError|RangeError/i)
  })
})
