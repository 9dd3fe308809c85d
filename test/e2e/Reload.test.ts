/**
 * Hot reload of `sluice run` (`--watch`, SIGHUP): under continuous load a reload loses no
 * request and no request mixes generations; a config that fails keeps the running generation;
 * the old generation's connections to its backend are closed once it drained; a changed plugin
 * file is the new code after a reload; with `--workers 2` every worker reloads.
 */
import * as Http from "node:http"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

/** A backend that names itself in every answer and counts its open connections. */
const named = async (name: string) => {
  const sockets = new Set<unknown>()
  const server = Http.createServer((req, res) => {
    // a little latency so that requests are in flight when the reload happens
    setTimeout(() => {
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify({ from: name, path: req.url }))
    }, 5)
  })
  // idle connections stay open until the gateway closes them (not the server's 5 s default)
  server.keepAliveTimeout = 120_000
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    open: () => sockets.size,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections()
      server.close(() => r())
    })
  }
}

let a: Awaited<ReturnType<typeof named>>
let b: Awaited<ReturnType<typeof named>>

beforeAll(async () => {
  a = await named("A")
  b = await named("B")
})
afterAll(async () => {
  await a?.close()
  await b?.close()
})

const config = (host: string, extra: Record<string, unknown> = {}) => ({
  version: 3,
  extra_config: { router: { disable_access_log: true } },
  ...extra,
  endpoints: [
    {
      endpoint: "/x",
      backend: [{ host: [host], url_pattern: "/one", group: "one" }, { host: [host], url_pattern: "/two", group: "two" }]
    }
  ]
})

const until = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out waiting")
    await new Promise((r) => setTimeout(r, 50))
  }
}

const from = async (gw: RunningSluice) => {
  const res = await fetch(`${gw.url}/x`)
  const body = (await res.json()) as { one?: { from: string }; two?: { from: string } }
  return { status: res.status, one: body.one?.from, two: body.two?.from }
}

describe("hot reload", () => {
  it("--watch: under load no request is lost or mixes generations; the old generation's connections close after it drained", async () => {
    const gw = await startSluice(config(a.url), ["--watch"])
    try {
      expect(await from(gw)).toEqual({ status: 200, one: "A", two: "A" })
      const seen: Array<{ status: number; one: string | undefined; two: string | undefined }> = []
      let running = true
      const loops = Array.from({ length: 8 }, async () => {
        while (running) seen.push(await from(gw))
      })
      await new Promise((r) => setTimeout(r, 200))
      writeFileSync(gw.file, JSON.stringify(config(b.url)))
      await until(() => seen.some((s) => s.one === "B"))
      await new Promise((r) => setTimeout(r, 200))
      running = false
      await Promise.all(loops)
      expect(seen.length).toBeGreaterThan(50)
      expect(seen.filter((s) => s.status !== 200)).toEqual([])
      expect(seen.filter((s) => s.one !== s.two)).toEqual([]) // each answer comes from one generation
      expect(seen.at(-1)).toEqual({ status: 200, one: "B", two: "B" })
      expect(gw.output()).toMatch(/reload \(.* changed\): generation 2 serves 1 endpoint\(s\); generation 1 drains/)
      // generation 1's transport is closed once drained: no connection to A is left open (its
      // idle connections would otherwise live 30 s, the transport's keep-alive)
      await until(() => a.open() === 0, 3000)
      expect(a.open()).toBe(0)
    } finally {
      await gw.stop()
    }
  })

  it("a config that does not decode or build is logged with its path; the running generation keeps serving", async () => {
    const gw = await startSluice(config(a.url), ["--watch"])
    try {
      writeFileSync(gw.file, JSON.stringify({ version: 3, endpoints: [{ endpoint: "/x" }] }))
      await until(() => gw.output().includes("failed, generation 1 keeps serving"))
      expect(gw.output()).toMatch(/\$\.endpoints\[0\]\.backend: an endpoint needs at least one backend/)
      expect(await from(gw)).toEqual({ status: 200, one: "A", two: "A" })
      writeFileSync(gw.file, "{ not json")
      await until(() => (gw.output().match(/keeps serving/g) ?? []).length >= 2)
      expect(await from(gw)).toEqual({ status: 200, one: "A", two: "A" })
    } finally {
      await gw.stop()
    }
  })

  it("SIGHUP reloads the plugin folder too: a changed plugin file is the new code", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-reload-plugins-"))
    const plugin = (value: string) => `
import { Plugin, Effect, Schema } from "sluice/plugin"
export default Plugin.modifier({
  name: "stamp",
  config: Schema.Struct({}),
  response: (res) => Effect.succeed({ ...res, data: { ...res.data, stamp: ${JSON.stringify(value)} } })
})
`
    writeFileSync(join(dir, "stamp.plugin.mjs"), plugin("v1"))
    const withPlugin = {
      version: 3,
      plugin: { folder: dir, pattern: ".plugin." },
      extra_config: { router: { disable_access_log: true } },
      endpoints: [{
        endpoint: "/x",
        extra_config: { "plugin/req-resp-modifier": { name: ["stamp"], stamp: {} } },
        backend: [{ host: [a.url], url_pattern: "/one" }]
      }]
    }
    const gw = await startSluice(withPlugin)
    const stamp = async () => ((await (await fetch(`${gw.url}/x`)).json()) as { stamp: string }).stamp
    try {
      expect(await stamp()).toBe("v1")
      writeFileSync(join(dir, "stamp.plugin.mjs"), plugin("v2"))
      gw.proc.kill("SIGHUP")
      await until(() => gw.output().includes("reload (SIGHUP): generation 2"))
      expect(await stamp()).toBe("v2")
    } finally {
      await gw.stop()
    }
  })

  it("--workers 2: SIGHUP to the primary reloads every worker", async () => {
    const gw = await startSluice(config(a.url), ["--workers", "2"])
    try {
      await until(() => (gw.output().match(/listening on/g) ?? []).length >= 2)
      writeFileSync(gw.file, JSON.stringify(config(b.url)))
      gw.proc.kill("SIGHUP")
      await until(() => (gw.output().match(/reload \(SIGHUP\) \(worker \d+\): generation 2/g) ?? []).length === 2)
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${gw.url}/x`, { headers: { connection: "close" } })
        expect(((await res.json()) as { one: { from: string } }).one.from).toBe("B")
      }
    } finally {
      await gw.stop()
    }
  })
})
