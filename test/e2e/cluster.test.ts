/**
 * `sluice run --workers 2`: two processes share the port; SIGTERM drains both and exits 0.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "vitest"
import { startSluice, untilListening } from "../support/Sluice.ts"

describe("sluice run --workers 2", () => {
  it("serves from two worker processes and drains both on SIGTERM", async () => {
    const backend = createServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify({ ok: true }))
      }, 300)
    })
    await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r))
    const address = backend.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    const gw = await startSluice(
      {
        version: 3,
        listen_ip: "127.0.0.1",
        endpoints: [{ endpoint: "/x", backend: [{ host: [`http://127.0.0.1:${port}`], url_pattern: "/x" }] }]
      },
      ["--workers", "2"]
    )
    try {
      // Wait until both workers said they listen.
      expect(await untilListening(gw, 2)).toBe(2)
      expect(gw.output()).toContain("starting 2 workers")
      const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(`${gw.url}/x`).then((r) => r.json())))
      expect(answers).toEqual(Array.from({ length: 8 }, () => ({ ok: true })))
      const inflight = fetch(`${gw.url}/x`).then((r) => r.json())
      await new Promise((r) => setTimeout(r, 100))
      gw.proc.kill("SIGTERM")
      expect(await inflight).toEqual({ ok: true })
      expect(await gw.exited).toBe(0)
    } finally {
      await gw.stop("SIGKILL")
      backend.close()
    }
  })
})

describe("sluice run --workers 2 with a config that fails in the workers", () => {
  it("exits 1 when the workers cannot start", async () => {
    const { runCli, writeConfig } = await import("../support/Sluice.ts")
    const file = writeConfig({
      version: 3,
      listen_ip: "127.0.0.1",
      extra_config: { "plugin/http-server": { name: ["no-such-plugin"] } },
      endpoints: [{ endpoint: "/x", backend: [{ host: ["http://127.0.0.1:1"], url_pattern: "/x" }] }]
    })
    const r = await runCli(["run", "-c", file, "-p", "0", "--workers", "2"])
    expect(r.code).toBe(1)
    expect(r.stdout + r.stderr).toContain("no-such-plugin")
  })

  it("a bad plugin setting is reported once, before any worker is forked: exit 1, no restart, no stack trace", async () => {
    const { runCli, writeConfig } = await import("../support/Sluice.ts")
    const file = writeConfig({
      version: 3,
      extra_config: { "plugin/http-server": { name: ["request-id"], "request-id": { overwrite: "yes" } } },
      endpoints: [{ endpoint: "/x", backend: [{ host: ["http://127.0.0.1:1"], url_pattern: "/x" }] }]
    })
    const r = await runCli(["run", "-c", file, "-p", "0", "--workers", "2"])
    const out = r.stdout + r.stderr
    expect(r.code).toBe(1)
    expect(out.match(/config error\(s\)/g)).toHaveLength(1)
    expect(out).toContain(`$.extra_config["plugin/http-server"]["request-id"].overwrite`)
    expect(out).not.toContain("starting 2 workers")
    expect(out).not.toContain("restarting")
    expect(out).not.toMatch(/^\s+at /m)
  })

  it("workers that fail to start (the port is taken) end the run with exit 1 and one line, no stack trace", async () => {
    const { runCli, writeConfig } = await import("../support/Sluice.ts")
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve))
    const port = (taken.address() as AddressInfo).port
    try {
      const file = writeConfig({
        version: 3,
        listen_ip: "127.0.0.1",
        endpoints: [{ endpoint: "/x", backend: [{ host: ["http://127.0.0.1:1"], url_pattern: "/x" }] }]
      })
      const r = await runCli(["run", "-c", file, "-p", String(port), "--workers", "2"])
      const out = r.stdout + r.stderr
      expect(r.code).toBe(1)
      expect(out).toMatch(/sluice worker \d+ failed to start/)
      expect(out).not.toMatch(/^\s+at /m)
    } finally {
      taken.close()
    }
  })
})
