/**
 * KrakenD's access log (gin's logger line) through `sluice run` over real HTTP: on by default,
 * gin's columns, the decoded path with its query (credential values redacted), skip paths and
 * `disable_access_log`. The formatting helpers are checked against what Go prints.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as AccessLog from "../../src/router/AccessLog.ts"
import * as Backend from "../support/Backend.ts"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

describe("writing", () => {
  it("whole lines, at most 4 KiB per write (several workers share one stdout pipe)", () => {
    const writes: Array<Buffer> = []
    const previous = AccessLog.setSink({ write: (chunk) => writes.push(Buffer.from(chunk as Uint8Array)) })
    try {
      const lines = Array.from({ length: 200 }, (_, i) => `[GIN] line ${i} ${"x".repeat(i % 90)}\n`)
      for (const l of lines) AccessLog.write(l)
      AccessLog.write(`[GIN] long ${"y".repeat(5000)}\n`)
      AccessLog.flush()
      expect(writes.length).toBeGreaterThan(3)
      for (const w of writes.slice(0, -1)) {
        expect(w.length).toBeLessThanOrEqual(4096)
        expect(w[w.length - 1]).toBe(0x0a)
      }
      expect(Buffer.concat(writes).toString()).toBe(lines.join("") + `[GIN] long ${"y".repeat(5000)}\n`)
    } finally {
      AccessLog.setSink(previous)
    }
  })
})

describe("formatting as Go and gin do", () => {
  it("durations as time.Duration.String() (gin truncates past a minute)", () => {
    expect(AccessLog.goDuration(0)).toBe("0s")
    expect(AccessLog.goDuration(999)).toBe("999ns")
    expect(AccessLog.goDuration(1_000)).toBe("1µs")
    expect(AccessLog.goDuration(184_416)).toBe("184.416µs")
    expect(AccessLog.goDuration(3_272_750)).toBe("3.27275ms")
    expect(AccessLog.goDuration(1_500_000_000)).toBe("1.5s")
    expect(AccessLog.goDuration(2_000_000_000)).toBe("2s")
    expect(AccessLog.goDuration(90_500_000_000)).toBe("1m30s")
    expect(AccessLog.goDuration(3_600_000_000_000)).toBe("1h0m0s")
  })

  it("paths quoted as %#v", () => {
    expect(AccessLog.goQuote("/a?b=1")).toBe("\"/a?b=1\"")
    expect(AccessLog.goQuote("/a\"b\\c\n\u0001")).toBe("\"/a\\\"b\\\\c\\n\\x01\"")
    expect(AccessLog.goQuote("\u0007\u0008\u000b\u000c")).toBe("\"\\a\\b\\v\\f\"")
  })

  it("credential-like query values redacted, others kept", () => {
    expect(AccessLog.redactQuery("?page=2&access_token=abc&api_key=x&q=token")).toBe(
      "?page=2&access_token=REDACTED&api_key=REDACTED&q=token"
    )
    expect(AccessLog.redactQuery("?page=2")).toBe("?page=2")
    // a key the backend decodes to a credential name is one too
    expect(AccessLog.redactQuery("?%74oken=s3cret&p%61ge=1")).toBe("?%74oken=REDACTED&p%61ge=1")
    // gin writes /foo for /foo?
    expect(AccessLog.redactQuery("?")).toBe("")
  })
})

let backend: Backend.Backend
beforeAll(async () => {
  backend = await Backend.start((_req, res) => Backend.json(res, 200, { ok: true }))
})
afterAll(() => backend.close())

const config = (router: Record<string, unknown> = {}) => ({
  version: 3,
  host: [backend.url],
  extra_config: { router },
  endpoints: [{ endpoint: "/users/{id}", backend: [{ url_pattern: "/u" }] }]
})

const ginLines = (gw: RunningSluice): Array<string> => gw.output().split("\n").filter((l) => l.startsWith("[GIN]"))

/** Waits until `count` access lines were written (they are batched per event-loop turn). */
const waitLines = async (gw: RunningSluice, count: number): Promise<Array<string>> => {
  for (let i = 0; i < 100 && ginLines(gw).length < count; i++) await new Promise((r) => setTimeout(r, 20))
  return ginLines(gw)
}

describe("sluice run writes KrakenD's access log", () => {
  it("one gin line per request: time, status, latency, client IP, method, path and query", async () => {
    const gw = await startSluice(config())
    try {
      expect((await fetch(`${gw.url}/users/1?page=2&token=s3cr3t`)).status).toBe(200)
      expect((await fetch(`${gw.url}/no%20where`, { method: "POST" })).status).toBe(404)
      expect((await fetch(`${gw.url}/__health`)).status).toBe(200)
      const lines = await waitLines(gw, 3)
      expect(lines).toHaveLength(3)
      const fields = /^\[GIN\] (\d{4}\/\d\d\/\d\d - \d\d:\d\d:\d\d) \| (.{3}) \| (.{13}) \| (.{15}) \| (.{7})  (".*")$/
      const [ok, missing, health] = lines.map((l) => fields.exec(l))
      expect(ok?.[2]).toBe("200")
      expect(ok?.[3]).toMatch(/^ *\d+(\.\d+)?(ns|µs|ms|s)$/)
      expect(ok?.[4]).toBe("      127.0.0.1")
      expect(ok?.[5]).toBe("GET    ")
      expect(ok?.[6]).toBe("\"/users/1?page=2&token=REDACTED\"")
      expect(gw.output()).not.toContain("s3cr3t")
      const stamp = new Date(ok?.[1]?.replace(" - ", " ") ?? "").getTime()
      expect(Math.abs(stamp - Date.now())).toBeLessThan(60_000)
      expect(missing?.slice(2, 7)).toEqual(["404", missing?.[3], "      127.0.0.1", "POST   ", "\"/no where\""])
      expect(health?.[6]).toBe("\"/__health\"")
    } finally {
      await gw.stop()
    }
  })

  it("logger_skip_paths leaves exact paths out; disable_access_log turns it off", async () => {
    const skipping = await startSluice(config({ logger_skip_paths: ["/__health", "/users/1"] }))
    const off = await startSluice(config({ disable_access_log: true }))
    try {
      for (const gw of [skipping, off]) {
        await fetch(`${gw.url}/__health`)
        await fetch(`${gw.url}/users/1?x=1`)
        await fetch(`${gw.url}/users/2`)
      }
      expect((await waitLines(skipping, 1)).map((l) => l.slice(l.indexOf("\"")))).toEqual(["\"/users/2\""])
      // the same three requests were answered by `off`; it writes no access line at all
      await new Promise((r) => setTimeout(r, 100))
      expect(ginLines(off)).toEqual([])
      expect(backend.requests.length).toBeGreaterThanOrEqual(4)
    } finally {
      await Promise.all([skipping.stop(), off.stop()])
    }
  })
})
