import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
/**
 * The cost of one `modifier/lua-backend` stage per call, in process (no HTTP): the stage around
 * a backend that answers a 20-key object at once. Modes: `empty` (a one-statement pre), `pre`
 * (read a header, set one), `post` (walk the answer's keys through luaTable, add one), `both`.
 *
 *   node scripts/bench/lua.ts both
 */
import * as LuaStage from "../../src/scripting/lua/ProxyStage.ts"
const data: Record<string, unknown> = {}
for (let i = 0; i < 20; i++) data["key" + i] = i % 2 ? "value-" + i : i
const config = {
  sources: [], live: false, allow_open_libs: false, skip_next: false, md5: {}, path: "$",
  pre: "local r = request.load(); r:headers('X-From-Lua', r:headers('User-Agent') .. '-ok')",
  post: "local d = response.load():data(); local ks = d:keys(); local n = 0; for i = 0, ks:len() - 1 do if d:get(ks:get(i)) ~= nil then n = n + 1 end end; d:set('keys', n)"
}
const mode = process.argv[2] ?? "both"
const cfg = mode === "pre" ? { ...config, post: "" } : mode === "post" ? { ...config, pre: "" } : mode === "empty" ? { ...config, pre: "local x = 1", post: "" } : config
// the stage's VM pool lives as long as its scope: open for the whole run
const scope = await Effect.runPromise(Scope.make())
const stage = await Effect.runPromise(Scope.provide(LuaStage.make(cfg as Parameters<typeof LuaStage.make>[0], "backend", { cpuMs: 1000, memory: 32 * 1024 * 1024, maxVms: 256 }), scope))
const proxy = stage(() => Effect.succeed({ data, isComplete: true, metadata: { status: 200, headers: {} }, io: undefined, errors: [] }))
const req = { method: "GET", path: "/a/7", url: "http://127.0.0.1:1/a/7", query: [], params: { Id: "7" }, headers: { "User-Agent": ["wrk"], "X-Forwarded-For": ["127.0.0.1"], "X-Forwarded-Host": ["localhost"] }, body: undefined, deadline: Date.now() + 1e9, clientIp: "127.0.0.1" }
const run = () => Effect.runPromise(proxy(req))
for (let i = 0; i < 3000; i++) await run()
const n = 20000
const t0 = performance.now()
for (let i = 0; i < n; i++) await run()
console.log(mode, ((performance.now() - t0) * 1000 / n).toFixed(1), "µs/call")
console.log(JSON.stringify((await run()).data).slice(0, 80))
