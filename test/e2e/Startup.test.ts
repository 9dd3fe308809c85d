/**
 * The listener opens before the pipes are built (a cluster worker starting, a slow Redis or key
 * set at start): a request in that window is answered 503 with `Retry-After`, never left hanging.
 */
import { spawn } from "node:child_process"
import * as Net from "node:net"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort, writeConfig } from "../support/Sluice.ts"

let silent: Net.Server
let silentPort = 0
const sockets = new Set<Net.Socket>()

beforeAll(async () => {
  // accepts connections and never answers: ioredis waits for its ready check until dial_timeout
  silent = Net.createServer((socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()))
  silentPort = (silent.address() as Net.AddressInfo).port
})
afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise((r) => silent?.close(r))
})

describe("startup window", () => {
  it("a request before the app is served gets 503 and Retry-After at once; afterwards the gateway answers", async () => {
    const port = await freePort()
    const file = writeConfig({
      version: 3,
      port,
      extra_config: { redis: { connection_pools: [{ name: "slow", address: `127.0.0.1:${silentPort}`, dial_timeout: "3s" }] } },
      endpoints: [{
        endpoint: "/limited",
        extra_config: { "qos/ratelimit/router/redis": { connection_name: "slow", max_rate: 10, on_failure_allow: true } },
        backend: [{ host: ["http://127.0.0.1:9"], url_pattern: "/" }]
      }]
    })
    const proc = spawn(process.execPath, [join(import.meta.dirname, "../../src/cli/main.ts"), "run", "-c", file, "--workers", "1"], { stdio: "pipe" })
    let out = ""
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()))
    proc.stderr.on("data", (d: Buffer) => (out += d.toString()))
    try {
      // wait until the port accepts connections (the listener is open, the pipes not yet built)
      let first: Response | undefined
      for (let i = 0; i < 100 && first === undefined; i++) {
        try {
          first = await fetch(`http://127.0.0.1:${port}/__health`, { signal: AbortSignal.timeout(2000) })
        } catch {
          await new Promise((r) => setTimeout(r, 30))
        }
      }
      expect(first?.status).toBe(503)
      expect(first?.headers.get("retry-after")).toBe("1")
      expect(out).not.toContain("listening on")
      // once served (after the 3 s dial timeout), the gateway answers
      for (let i = 0; i < 100 && !out.includes("listening on"); i++) await new Promise((r) => setTimeout(r, 50))
      expect((await fetch(`http://127.0.0.1:${port}/__health`)).status).toBe(200)
    } finally {
      proc.kill("SIGTERM")
      await new Promise((r) => proc.once("exit", r))
    }
  })
})
