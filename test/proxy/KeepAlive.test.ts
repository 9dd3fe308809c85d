/**
 * `dialer_keep_alive`: backend sockets get TCP keep-alive probes after that much idle time.
 * Read from the kernel: in /proc/net/tcp the gateway's socket to the backend has the keep-alive
 * timer (`tr` 2) with its remaining time (`tm->when`, in clock ticks of 1/100 s).
 */
import { existsSync, readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

/** Remaining seconds of the keep-alive timers of established sockets connected to `port` on 127.0.0.1. */
const keepAliveTimers = (port: number): Array<number> => {
  const remote = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`
  return readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1).flatMap((line) => {
    const f = line.trim().split(/\s+/)
    if (f[2] !== remote || f[3] !== "01") return [] // 01 = ESTABLISHED
    const [tr, when] = f[5]!.split(":")
    return tr === "02" ? [parseInt(when!, 16) / 100] : []
  })
}

describe.runIf(existsSync("/proc/net/tcp"))("dialer_keep_alive", () => {
  let backend: Backend.Backend
  let gw: RunningSluice
  let plain: RunningSluice
  beforeAll(async () => {
    backend = await Backend.start((_req, res) => Backend.json(res, 200, { ok: true }))
    const config = (extra: Record<string, unknown>) => ({
      version: 3,
      ...extra,
      endpoints: [{ endpoint: "/x", backend: [{ host: [backend.url], url_pattern: "/x" }] }]
    })
    gw = await startSluice(config({ dialer_keep_alive: "7s" }))
    plain = await startSluice(config({}))
  })
  afterAll(async () => {
    await gw?.stop()
    await plain?.stop()
    await backend?.close()
  })

  it("sets the idle time before the first TCP keep-alive probe of backend sockets", async () => {
    const port = Number(new URL(backend.url).port)
    expect((await fetch(`${gw.url}/x`)).status).toBe(200)
    const timers = keepAliveTimers(port)
    expect(timers.length).toBeGreaterThan(0)
    expect(Math.max(...timers)).toBeLessThanOrEqual(7)
    // without the setting: undici's own 60 s
    expect((await fetch(`${plain.url}/x`)).status).toBe(200)
    expect(Math.max(...keepAliveTimers(port))).toBeGreaterThan(50)
  })
})
