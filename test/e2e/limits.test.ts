/**
 * Server limits and log levels of `sluice run`.
 */
import { createServer, request } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort, type RunningSluice, startSluice } from "../support/Sluice.ts"

const status = (url: string, headers: Record<string, string>) =>
  new Promise<number>((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on("error", reject)
    req.end()
  })

describe("server limits", () => {
  let gw: RunningSluice
  beforeAll(async () => {
    gw = await startSluice({
      version: 3,
      listen_ip: "127.0.0.1",
      max_header_bytes: 8192,
      endpoints: [{ endpoint: "/x", backend: [{ host: ["http://127.0.0.1:1"], url_pattern: "/x" }] }]
    })
  })
  afterAll(() => gw?.stop("SIGKILL"))

  it("answers 431 to headers over max_header_bytes, and keeps serving (C2)", async () => {
    expect(await status(`${gw.url}/__health`, { "x-big": "a".repeat(10_000) })).toBe(431)
    expect(await status(`${gw.url}/__health`, { "x-small": "a" })).toBe(200)
  })
})

describe("telemetry/logging level", () => {
  it("ERROR hides warnings and info but logs failed requests", async () => {
    const backend = createServer((req, res) => {
      res.writeHead(req.url === "/ok" ? 200 : 500, { "content-type": "application/json" })
      res.end(req.url === "/ok" ? '{"a":1}' : "{}")
    })
    await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r))
    const a = backend.address()
    const host = `http://127.0.0.1:${typeof a === "object" && a !== null ? a.port : 0}`
    const port = await freePort()
    const gw = await startSluice(
      {
        version: 3,
        listen_ip: "127.0.0.1",
        extra_config: { "telemetry/logging": { level: "ERROR", prefix: "[GW]" } },
        endpoints: [
          { endpoint: "/fail", backend: [{ host: [host], url_pattern: "/fail" }] },
          { endpoint: "/partial", backend: [{ host: [host], url_pattern: "/ok" }, { host: [host], url_pattern: "/fail" }] }
        ]
      },
      [],
      { port }
    )
    try {
      expect((await fetch(`${gw.url}/partial`)).headers.get("x-krakend-completed")).toBe("false")
      expect((await fetch(`${gw.url}/fail`)).status).toBe(500)
      await new Promise((r) => setTimeout(r, 200))
      const out = gw.output()
      expect(out).not.toContain("listening on") // INFO
      expect(out).not.toContain("SLUICE WARNING") // the partial answer's warning
      expect(out).toMatch(/SLUICE ERROR: \[GW\] \[ENDPOINT: \/fail\] invalid status code 500/)
    } finally {
      await gw.stop("SIGKILL")
      backend.close()
    }
  })
})
