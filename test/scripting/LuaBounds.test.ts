/**
 * Sluice's bounds on Lua (SCRIPTING.md decisions, §8.1 L15, L16, L23–L25): an endless loop, an
 * endless allocation and an error fail only their own request while other requests keep
 * answering; missing sources, wrong checksums and syntax errors stop the start with the JSON
 * path (and the file and line).
 */
import { createHash } from "node:crypto"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { runCli, type RunningSluice, startSluice, writeConfig } from "../support/Sluice.ts"

let backend: Backend.Backend
let gw: RunningSluice
const dir = mkdtempSync(join(tmpdir(), "sluice-lua-"))

beforeAll(async () => {
  backend = await Backend.start((_req, res) => Backend.json(res, 200, { ok: true }))
  const b = [{ host: [backend.url], url_pattern: "/ok" }]
  gw = await startSluice({
    version: 3,
    extra_config: { router: { return_error_msg: true } },
    endpoints: [
      { endpoint: "/loop", extra_config: { "modifier/lua-proxy": { pre: "while true do end" } }, backend: b },
      {
        endpoint: "/loop-pcall",
        extra_config: { "modifier/lua-proxy": { pre: "while true do pcall(function() while true do end end) end" } },
        backend: b
      },
      { endpoint: "/alloc", extra_config: { "modifier/lua-proxy": { pre: "local t = {} for i = 1, 1e9 do t[i] = i end" } }, backend: b },
      {
        endpoint: "/rep",
        extra_config: { "modifier/lua-proxy": { allow_open_libs: true, pre: "local s = string.rep('x', 1e9)" } },
        backend: b
      },
      {
        endpoint: "/maybe",
        extra_config: { "modifier/lua-proxy": { pre: "local r = request.load(); if r:headers('X-Fail') ~= '' then error('asked to') end" } },
        input_headers: ["X-Fail"],
        backend: b
      },
      { endpoint: "/plain", backend: b }
    ]
  })
})
afterAll(async () => {
  await gw?.stop()
  await backend?.close()
})

const get = async (path: string, headers: Record<string, string> = {}) => {
  const started = performance.now()
  const res = await fetch(`${gw.url}${path}`, { headers })
  return { status: res.status, text: await res.text(), ms: performance.now() - started }
}

describe("Lua bounds", () => {
  it("L23: endless loops end with script timeout; a plain endpoint answers while they run", async () => {
    const loops = [get("/loop"), get("/loop"), get("/loop-pcall")]
    // while the three loops hold their VMs, other requests are served between their time slices
    await new Promise((r) => setTimeout(r, 100))
    const plain = await get("/plain")
    expect(plain.status).toBe(200)
    const done = await Promise.all(loops)
    expect(plain.ms).toBeLessThan(Math.min(...done.map((d) => d.ms)))
    for (const d of done) expect([d.status, d.text]).toEqual([500, "script timeout"])
    expect(gw.output()).toMatch(/\[ENDPOINT: \/loop\] script timeout/)
  })

  it("L24: endless allocation fails that request with a memory error; the next request works", async () => {
    const alloc = await get("/alloc")
    expect(alloc.status).toBe(500)
    expect(alloc.text).toMatch(/not enough memory/)
    const rep = await get("/rep")
    expect(rep.status).toBe(500)
    expect(rep.text).toMatch(/not enough memory/)
    expect((await get("/plain")).status).toBe(200)
    expect((await get("/maybe")).status).toBe(200)
  })

  it("L25: an error in one request does not poison the VM for the next", async () => {
    const failed = await get("/maybe", { "X-Fail": "1" })
    expect(failed.status).toBe(500)
    expect(failed.text).toBe("asked to (pre-script:L1)")
    expect((await get("/maybe")).status).toBe(200)
  })
})

const check = (extra: Record<string, unknown>, level: "endpoint" | "backend" = "endpoint") =>
  runCli([
    "check",
    "-c",
    writeConfig({
      version: 3,
      endpoints: [
        {
          endpoint: "/x",
          ...(level === "endpoint" ? { extra_config: extra } : {}),
          backend: [{ host: ["http://127.0.0.1:9"], url_pattern: "/", ...(level === "backend" ? { extra_config: extra } : {}) }]
        }
      ]
    })
  ])

describe("Lua start errors", () => {
  it("L15: a missing source stops the start, naming the path and the file tried", async () => {
    const out = await check({ "modifier/lua-proxy": { sources: ["missing.lua"] } })
    expect(out.code).not.toBe(0)
    expect(out.stderr + out.stdout).toContain(`$.endpoints[0].extra_config["modifier/lua-proxy"].sources[0]`)
    expect(out.stderr + out.stdout).toMatch(/unable to load required source missing\.lua \(tried \/.*missing\.lua/)
  })

  it("relative sources are read from the working directory", async () => {
    const file = join(dir, "ok.lua")
    writeFileSync(file, "function ok() end\n")
    const out = await check({ "modifier/lua-proxy": { sources: [relative(process.cwd(), file)], pre: "ok()" } })
    expect(out.code).toBe(0)
  })

  it("L16: a wrong md5 stops the start with KrakenD's text; the right one passes", async () => {
    const file = join(dir, "sum.lua")
    writeFileSync(file, "x = 1\n")
    const bad = await check({ "modifier/lua-backend": { sources: [file], md5: { [file]: "00" } } }, "backend")
    expect(bad.code).not.toBe(0)
    expect(bad.stderr + bad.stdout).toContain(`lua: wrong cheksum for source ${file}. have: ${createHash("md5").update("x = 1\n").digest("hex")}, want: 00`)
    const good = await check({ "modifier/lua-backend": { sources: [file], md5: { [file]: createHash("md5").update("x = 1\n").digest("hex") } } }, "backend")
    expect(good.code).toBe(0)
  })

  it("a syntax error stops the start with the path, the file and the line", async () => {
    const file = join(dir, "bad.lua")
    writeFileSync(file, "-- one\nfunction f()\n  return 1 +\nend\n")
    const inFile = await check({ "modifier/lua-proxy": { sources: [file] } })
    expect(inFile.code).not.toBe(0)
    expect(inFile.stderr + inFile.stdout).toMatch(/\["modifier\/lua-proxy"\]\.sources: lua: syntax error: .*\(bad\.lua:L4\)/)
    const inline = await check({ "modifier/lua-backend": { post: "local = 1" } }, "backend")
    expect(inline.stderr + inline.stdout).toMatch(/\["modifier\/lua-backend"\]\.post: lua: syntax error: .*\(post-script:L1\)/)
  })

  it("a wrongly typed key is a config error naming it", async () => {
    const out = await check({ "modifier/lua-proxy": { pre: 5 } })
    expect(out.code).not.toBe(0)
    expect(out.stderr + out.stdout).toContain(`["modifier/lua-proxy"].pre`)
  })
})

describe("Lua live sources", () => {
  it("live: a changed source is used after it changes; one that does not compile is not, the last good one keeps running", async () => {
    const file = join(dir, "live.lua")
    writeFileSync(file, "function version() return 'v1' end\n")
    const live = await startSluice({
      version: 3,
      endpoints: [{
        endpoint: "/live",
        input_headers: ["X-Version"],
        extra_config: { "modifier/lua-proxy": { live: true, sources: [file], md5: { [file]: "ignored with live" }, pre: "request.load():headers('X-Version', version())" } },
        backend: [{ host: [backend.url], url_pattern: "/echo" }]
      }]
    })
    const version = async () => {
      const before = backend.requests.length
      await fetch(`${live.url}/live`)
      return backend.requests[before]?.headers["x-version"]
    }
    try {
      expect(await version()).toBe("v1")
      writeFileSync(file, "function version() return 'v2' end\n")
      await new Promise((r) => setTimeout(r, 1100))
      expect(await version()).toBe("v2")
      writeFileSync(file, "function version( return 'v3' end\n")
      await new Promise((r) => setTimeout(r, 1100))
      expect(await version()).toBe("v2")
      expect(live.output()).toMatch(/the changed sources are not used: .*lua: syntax error/)
    } finally {
      await live.stop()
    }
  })
})

describe("sluice/lua bounds", () => {
  it("max_vms caps the VMs of a stage: requests wait for one (at most max_vms at the backend at once), past their deadline 503; max_ms and max_memory_mb bound the runs", async () => {
    let inFlight = 0
    let most = 0
    const slow = await Backend.start((_req, res) => {
      inFlight++
      most = Math.max(most, inFlight)
      setTimeout(() => {
        inFlight--
        Backend.json(res, 200, { ok: true })
      }, 150)
    })
    const gw = await startSluice({
      version: 3,
      extra_config: { router: { return_error_msg: true }, "sluice/lua": { max_vms: 2, max_ms: 50, max_memory_mb: 4 } },
      endpoints: [
        { endpoint: "/held", timeout: "5s", extra_config: { "modifier/lua-proxy": { post: "response.load():data():set('post', true)" } }, backend: [{ host: [slow.url], url_pattern: "/" }] },
        { endpoint: "/short", timeout: "200ms", extra_config: { "modifier/lua-proxy": { post: "response.load():data():set('post', true)" } }, backend: [{ host: [slow.url], url_pattern: "/" }] },
        { endpoint: "/loop", extra_config: { "modifier/lua-proxy": { pre: "while true do end" } }, backend: [{ host: [backend.url], url_pattern: "/ok" }] },
        { endpoint: "/alloc", extra_config: { "modifier/lua-proxy": { pre: "local t = {} for i = 1, 1e7 do t[i] = i end" } }, backend: [{ host: [backend.url], url_pattern: "/ok" }] }
      ]
    })
    try {
      const held = await Promise.all(Array.from({ length: 6 }, () => fetch(`${gw.url}/held`).then((r) => r.status)))
      expect(held).toEqual([200, 200, 200, 200, 200, 200])
      expect(most).toBe(2)
      // 4 requests, 2 VMs, 150 ms each, 200 ms deadline: the last two cannot get a VM in time
      const short = await Promise.all(Array.from({ length: 4 }, () => fetch(`${gw.url}/short`).then(async (r) => [r.status, await r.text()] as const)))
      expect(short.filter(([s]) => s === 200).length).toBe(2)
      // refused by the pool (503, busy) or by the endpoint deadline (500), whichever comes first
      const refused = short.filter(([s]) => s !== 200)
      expect(refused.every(([s, t]) => (s === 503 && t.includes("every VM of this stage is busy")) || (s === 500 && /timeout|deadline/i.test(t)))).toBe(true)
      expect(refused.length).toBe(2)
      const started = performance.now()
      const loop = await fetch(`${gw.url}/loop`)
      expect([loop.status, await loop.text()]).toEqual([500, "script timeout"])
      expect(performance.now() - started).toBeLessThan(900) // max_ms 50, not the 1 s default
      const alloc = await fetch(`${gw.url}/alloc`)
      expect(alloc.status).toBe(500)
      expect(await alloc.text()).toMatch(/not enough memory/) // 4 MiB, not the 32 MiB default
    } finally {
      await gw.stop()
      await slow.close()
    }
  })
})
