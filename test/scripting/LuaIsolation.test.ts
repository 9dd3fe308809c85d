/**
 * What a Lua script must not be able to do to the gateway or to other requests (a fresh-eyes
 * review's cases): data too deep or cyclic to cross, an oversized `http_response` body, a
 * mutated custom_error value, the hidden state table, `__gc` and `<close>` handlers that never
 * end, writes to the shared API tables, a timeout caught inside a coroutine, a loop where the
 * run cannot yield. Each fails only its own request; the gateway keeps answering.
 */
import * as Http from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

let backend: Backend.Backend
let big: Http.Server
let bigUrl = ""
let gw: RunningSluice

const nested = (depth: number): unknown => {
  let v: unknown = { leaf: true }
  for (let i = 0; i < depth; i++) v = { a: v }
  return v
}

beforeAll(async () => {
  backend = await Backend.start((req, res) => {
    if (req.url === "/deep") return Backend.json(res, 200, nested(300) as Record<string, unknown>)
    if (req.url === "/shallow") return Backend.json(res, 200, nested(30) as Record<string, unknown>)
    Backend.json(res, 200, { ok: true, headers: req.headers })
  })
  big = Http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" })
    const chunk = Buffer.alloc(1024 * 1024, "x")
    let n = 0
    const write = () => {
      while (n < 40) {
        n++
        if (!res.write(chunk)) return res.once("drain", write)
      }
      res.end()
    }
    write()
  })
  await new Promise<void>((r) => big.listen(0, "127.0.0.1", () => r()))
  bigUrl = `http://127.0.0.1:${(big.address() as { port: number }).port}/`
  const b = (pattern = "/ok") => [{ host: [backend.url], url_pattern: pattern }]
  const proxyLua = (endpoint: string, lua: Record<string, unknown>, pattern = "/ok", more: Record<string, unknown> = {}) => ({
    endpoint,
    extra_config: { "modifier/lua-proxy": lua },
    backend: b(pattern),
    ...more
  })
  gw = await startSluice({
    version: 3,
    extra_config: { router: { return_error_msg: true } },
    endpoints: [
      proxyLua("/deep", { post: "response.load():data():get('a')" }, "/deep"),
      proxyLua("/shallow", { post: "response.load():data():set('seen', true)" }, "/shallow"),
      proxyLua("/cycle", { post: "local d = response.load():data(); d:set('me', d)" }),
      proxyLua("/list-cycle", { post: "local l = luaList.new(); l:set(0, l); response.load():data():set('l', l)" }),
      proxyLua("/big-http", { pre: `http_response.new('${bigUrl}')` }),
      proxyLua("/custom-table", { pre: "local ok, e = pcall(custom_error, 'x', 403); e[1] = true; error(e)" }),
      proxyLua("/state", { pre: "setmetatable(request.load()._s, {__index = function() error('boom') end})" }),
      proxyLua("/gc", { pre: "setmetatable({}, {__gc = function() while true do end end})" }),
      proxyLua("/close", { pre: "local g <close> = setmetatable({}, {__close = function() while true do end end}); error('x')" }),
      proxyLua("/shared", {
        pre: [
          "local out = {}",
          "for _, f in ipairs({",
          "  function() luaTable.n = 1 end,",
          "  function() rawset(luaTable, 'n', 1) end,",
          "  function() rawset(luaNil.new(), 'n', 1) end,",
          "  function() collectgarbage('stop') end,",
          "  function() getmetatable(_G).__index = {} end,",
          "  function() getmetatable('').x = 1 end,",
          "}) do out[#out + 1] = pcall(f) and 'open' or 'refused' end",
          "package.loaded.n = (package.loaded.n or 0) + 1",
          "out[#out + 1] = tostring(package.loaded.n)",
          "request.load():headers('X-Shared', table.concat(out, ','))"
        ].join("\n")
      }, "/ok", { input_headers: ["X-Shared"] }),
      proxyLua("/coroutine", {
        allow_open_libs: true,
        pre: "pcall(coroutine.wrap(function() while true do end end)); request.load():headers('X-After', 'ran')"
      }),
      proxyLua("/sort", { pre: "table.sort({3, 2, 1}, function(a, b) while true do end end)" }),
      proxyLua("/status", { post: "response.load():statusCode(0)" }),
      { endpoint: "/plain", backend: b() }
    ]
  })
})
afterAll(async () => {
  await gw?.stop()
  await backend?.close()
  await new Promise((r) => big?.close(r))
})

const get = async (path: string) => {
  const started = performance.now()
  const res = await fetch(`${gw.url}${path}`)
  return { status: res.status, text: await res.text(), ms: performance.now() - started }
}

const healthy = async () => {
  const plain = await get("/plain")
  expect(plain.status).toBe(200)
}

describe("Lua cannot harm the gateway", () => {
  it("data nested too deep fails its request; 30 levels cross both ways", async () => {
    const deep = await get("/deep")
    expect([deep.status, deep.text]).toEqual([500, "lua: data nested deeper than 200 levels"])
    const shallow = await get("/shallow")
    expect(shallow.status).toBe(200)
    expect(JSON.parse(shallow.text).seen).toBe(true)
    await healthy()
  })

  it("data that contains itself fails its request", async () => {
    for (const path of ["/cycle", "/list-cycle"]) {
      const res = await get(path)
      expect([path, res.status, res.text]).toEqual([path, 500, "lua: the data contains itself"])
    }
    await healthy()
  })

  it("an http_response body above 10 MiB fails the script, the gateway stays up", async () => {
    const res = await get("/big-http")
    expect(res.status).toBe(500)
    expect(res.text).toMatch(/larger than 10485760 bytes/)
    await healthy()
  })

  it("a custom_error value given extra keys still answers its status", async () => {
    expect((await get("/custom-table")).status).toBe(403)
    await healthy()
  })

  it("the state behind request.load() is out of reach", async () => {
    const res = await get("/state")
    expect(res.status).toBe(500)
    expect((await get("/state")).status).toBe(500)
    await healthy()
  })

  it("__gc metamethods are refused; a <close> handler that never ends is stopped", async () => {
    const gc = await get("/gc")
    expect(gc.status).toBe(500)
    expect(gc.text).toMatch(/__gc metamethods are not available/)
    const close = await get("/close")
    expect(close.status).toBe(500)
    expect(close.ms).toBeLessThan(5000)
    await healthy()
  })

  it("the shared API tables, the globals' metatable, the string metatable and the collector are read-only; package.loaded is per request", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await get("/shared")
      expect(res.status).toBe(200)
      expect((JSON.parse(res.text).headers as Record<string, string>)["x-shared"]).toBe("refused,refused,refused,refused,refused,refused,1")
    }
  })

  it("a timeout caught inside a coroutine still ends the run as a timeout", async () => {
    const res = await get("/coroutine")
    expect([res.status, res.text]).toEqual([500, "script timeout"])
  })

  it("a loop where the run cannot yield is stopped after a short grace, while a plain route keeps answering", async () => {
    const sorts = [get("/sort"), get("/sort")]
    const plain = await get("/plain")
    const done = await Promise.all(sorts)
    for (const d of done) {
      expect([d.status, d.text]).toEqual([500, "script timeout"])
      expect(d.ms).toBeLessThan(900) // far below the 1 s Lua budget: the grace, not the budget, ended it
    }
    expect(plain.status).toBe(200)
  })

  it("statusCode outside 100–599 is a script error, not a broken answer", async () => {
    const res = await get("/status")
    expect(res.status).toBe(500)
    expect(res.text).toMatch(/statusCode/)
    await healthy()
  })
})
