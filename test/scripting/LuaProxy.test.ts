/**
 * `modifier/lua-proxy` and `modifier/lua-backend` through `sluice run` over real HTTP
 * (SCRIPTING.md §8.1): KrakenD's request/response API, custom_error statuses, skip_next, the
 * data model (luaTable/luaList, KrakenD's set conversion), 5.1 idioms, no state across requests,
 * post skipped on a partial merge, and http_response.
 */
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

let backend: Backend.Backend
let gw: RunningSluice
let quiet: RunningSluice
const dir = mkdtempSync(join(tmpdir(), "sluice-lua-"))
const file = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

const lua = (o: Record<string, unknown>) => o

const endpoints = (url: string) => {
  const b = (pattern: string, extra: Record<string, unknown> = {}, more: Record<string, unknown> = {}) => ({
    host: [url],
    url_pattern: pattern,
    extra_config: extra,
    ...more
  })
  const helpers = file(
    "helpers.lua",
    "-- helpers\nfunction tag(r)\n  r:headers('X-Tag', 'from-source')\nend\nfunction broken()\n  local x = nil\n  return x.y\nend\n"
  )
  return [
    {
      endpoint: "/pre-error/{id}",
      extra_config: { "modifier/lua-proxy": lua({ pre: "custom_error('x', 418)" }) },
      backend: [b("/echo")]
    },
    {
      endpoint: "/backend-error",
      extra_config: {},
      backend: [b("/echo", { "modifier/lua-backend": lua({ pre: "custom_error('{\"msg\":\"teapot\"}', 418, 'application/json')" }) })]
    },
    {
      endpoint: "/backend-error-merge",
      backend: [
        b("/echo", { "modifier/lua-backend": lua({ pre: "custom_error('teapot', 418)" }) }, { group: "a" }),
        b("/data", {}, { group: "b" })
      ]
    },
    {
      endpoint: "/url",
      backend: [b("/echo", { "modifier/lua-backend": lua({ pre: "local r = request.load(); r:url(r:url() .. 'extra')" }) })]
    },
    {
      endpoint: "/set-paths",
      extra_config: { "modifier/lua-proxy": lua({ post: "response.load():data():set('paths', {'a','b'})" }) },
      backend: [b("/data")]
    },
    {
      endpoint: "/nested",
      extra_config: { "modifier/lua-proxy": lua({ post: "response.load():data():set('x', {list = {'a','b'}, n = 1.5, w = 2})" }) },
      backend: [b("/data")]
    },
    {
      endpoint: "/list",
      extra_config: {
        "modifier/lua-proxy": lua({
          post: [
            "local d = response.load():data()",
            "local l = d:get('items')",
            "d:set('first', l:get(0))",
            "d:set('len', l:len())",
            "d:set('missing', d:get('nope') == nil)",
            "d:set('nullIsTruthy', d:get('nothing') and true or false)",
            "d:set('keys', d:keys():len())",
            "local obj = d:get('obj')",
            "obj:set('added', luaNil.new())",
            "obj:del('drop')",
            "l:set(4, 'e')",
            "d:set('exists', d:keyExists('items'))"
          ].join("\n")
        })
      },
      backend: [b("/data")]
    },
    {
      endpoint: "/skip",
      backend: [
        b("/echo", {
          "modifier/lua-backend": lua({ skip_next: true, post: "local r = response.load(); r:isComplete(true); r:data():set('made', 'here')" })
        })
      ]
    },
    {
      endpoint: "/skip-incomplete",
      backend: [b("/echo", { "modifier/lua-backend": lua({ skip_next: true }) })]
    },
    {
      endpoint: "/runtime-error",
      extra_config: { "modifier/lua-proxy": lua({ pre: "local x = nil; x.y = 1" }) },
      backend: [b("/echo")]
    },
    {
      endpoint: "/source-error",
      extra_config: { "modifier/lua-proxy": lua({ sources: [helpers], pre: "broken()" }) },
      backend: [b("/echo")]
    },
    {
      endpoint: "/sources",
      input_headers: ["X-Tag"],
      extra_config: { "modifier/lua-proxy": lua({ sources: [helpers], pre: "tag(request.load())" }) },
      backend: [b("/echo")]
    },
    {
      endpoint: "/no-string",
      extra_config: { "modifier/lua-proxy": lua({ pre: "string.upper('a')" }) },
      backend: [b("/echo")]
    },
    {
      endpoint: "/globals",
      input_headers: ["X-N"],
      extra_config: { "modifier/lua-proxy": lua({ pre: "n = (n or 0) + 1; request.load():headers('X-N', tostring(n))" }) },
      backend: [b("/echo")]
    },
    {
      endpoint: "/idioms",
      input_headers: ["X-Idioms", "X-Num"],
      extra_config: {
        "modifier/lua-proxy": lua({
          allow_open_libs: true,
          pre: [
            "local a, b = unpack({1, 2})",
            "local n = table.getn({1, 2, 3})",
            "local words = {}",
            "for w in string.gfind('one two', '%a+') do words[#words + 1] = w end",
            "local one = loadstring('return 1')()",
            "local f = setfenv(function() return marker end, { marker = 'env' })",
            "local r = request.load()",
            "r:headers('X-Idioms', table.concat({a, b, n, #words, one, f(), ('x'):upper()}, ','))",
            "r:headers('X-Num', tostring(10/2))"
          ].join("\n")
        })
      },
      backend: [b("/echo")]
    },
    {
      endpoint: "/partial",
      extra_config: { "modifier/lua-proxy": lua({ post: "response.load():data():set('post', 'ran')" }) },
      backend: [b("/data", {}, { group: "ok" }), b("/fail", {}, { group: "bad" })]
    },
    {
      endpoint: "/request-api/{id_user}",
      input_headers: ["X-Out", "X-Params", "X-Query", "X-Method", "Content-Type"],
      input_query_strings: ["b", "a"],
      method: "POST",
      extra_config: {
        "modifier/lua-proxy": lua({
          pre: [
            "local r = request.load()",
            "r:headers('X-Params', r:params('Id_user'))",
            "r:headers('X-Query', r:query())",
            "r:headers('X-Method', r:method())",
            "r:headers('X-Out', r:url() == '' and 'no-url' or r:url())",
            "r:body('{\"rewritten\":' .. r:body() .. '}')",
            "r:query('a=9&c=3')",
            "r:params('Id_user', '77')"
          ].join("\n")
        })
      },
      backend: [b("/echo/{id_user}", {}, { method: "POST" })]
    },
    {
      endpoint: "/http",
      input_headers: ["X-User"],
      extra_config: {
        "modifier/lua-proxy": lua({
          pre: `local res = http_response.new('${url}/user', 'GET', '', { ['X-Asked'] = 'yes' })
local r = request.load()
r:headers('X-User', res:headers('X-User-Id') .. ':' .. res:statusCode() .. ':' .. res:body())`
        })
      },
      backend: [b("/echo")]
    },
    {
      endpoint: "/api-details",
      input_headers: ["X-Multi", "X-Joined", "X-Keys", "X-Errors"],
      extra_config: {
        "modifier/lua-proxy": lua({
          pre: [
            "local r = request.load()",
            "local l = luaList.new(); l:set(0, 'a'); l:set(1, 'b'); l:set(2, 'c'); l:del(0)",
            "r:headerList('X-Multi', l)",
            "local got = r:headerList('x-multi')",
            "r:headers('X-Joined', got:get(0) .. '+' .. got:get(1) .. '+' .. got:len())",
            "local t = luaTable.new(); t:set('b', 1); t:set('a', 2); t:set('c', 3)",
            "local ks = t:keys()",
            "r:headers('X-Keys', ks:get(0) .. ks:get(1) .. ks:get(2))",
            "local e = {}",
            "e[#e + 1] = select(2, pcall(r.headerList, r, 'X-Bad', {'x'}))",
            "e[#e + 1] = select(2, pcall(custom_error))",
            "r:headers('X-Errors', table.concat(e, '|'))"
          ].join("\n")
        })
      },
      backend: [b("/echo")]
    },
    {
      endpoint: "/response-headers",
      output_encoding: "no-op",
      extra_config: {
        "modifier/lua-proxy": lua({
          post: "local r = response.load(); r:headers('X-Raw', (r:headers('content-type') == '' and 'miss' or 'hit') .. ',' .. r:headers('Content-Type'))"
        })
      },
      backend: [b("/text", {}, { encoding: "no-op" })]
    },
    {
      endpoint: "/bad-status",
      extra_config: { "modifier/lua-proxy": lua({ pre: "custom_error('odd', 'teapot')" }) },
      backend: [b("/echo")]
    },
    {
      endpoint: "/noop",
      output_encoding: "no-op",
      extra_config: {
        "modifier/lua-proxy": lua({
          post: "local r = response.load(); r:statusCode(201); r:headers('X-Lua', 'yes'); r:body(r:body() .. '!')"
        })
      },
      backend: [b("/text", {}, { encoding: "no-op" })]
    },
    {
      endpoint: "/noop-proto",
      output_encoding: "no-op",
      extra_config: { "modifier/lua-proxy": lua({ post: "local r = response.load(); r:headers('X-Lua', 'yes')" }) },
      backend: [b("/proto", {}, { encoding: "no-op" })]
    }
  ]
}

beforeAll(async () => {
  backend = await Backend.start((req, res, body) => {
    if (req.url === "/data") return Backend.json(res, 200, { items: ["a", "b", "c"], obj: { keep: 1, drop: 2 }, nothing: null, count: 3 })
    if (req.url === "/fail") return Backend.json(res, 500, {})
    if (req.url === "/user") {
      res.writeHead(200, { "x-user-id": `u-${req.headers["x-asked"]}` })
      return res.end("body")
    }
    if (req.url === "/proto") { // a header named like Object.prototype's accessor
      res.setHeader("__proto__", "p")
      res.writeHead(200, { "content-type": "text/plain", "x-after": "a" })
      return res.end("hello")
    }
    if (req.url === "/text") {
      res.writeHead(200, { "content-type": "text/plain" })
      return res.end("hello")
    }
    Backend.json(res, 200, { method: req.method, url: req.url, headers: req.headers, body: body.toString() })
  })
  const config = { version: 3, endpoints: endpoints(backend.url) }
  gw = await startSluice({ ...config, extra_config: { router: { return_error_msg: true } } })
  quiet = await startSluice(config)
})
afterAll(async () => {
  await gw?.stop()
  await quiet?.stop()
  await backend?.close()
})

const call = async (target: RunningSluice, path: string, init: RequestInit = {}) => {
  const before = backend.requests.length
  const res = await fetch(`${target.url}${path}`, init)
  const text = await res.text()
  return {
    status: res.status,
    text,
    json: () => JSON.parse(text) as Record<string, any>,
    headers: res.headers,
    calls: backend.requests.length - before
  }
}

describe("Lua custom_error", () => {
  it("L4: lua-proxy pre custom_error answers its status, the text only with return_error_msg, without calling the backend", async () => {
    const loud = await call(gw, "/pre-error/1")
    expect([loud.status, loud.text, loud.headers.get("x-krakend-completed"), loud.calls]).toEqual([418, "x", "false", 0])
    const silent = await call(quiet, "/pre-error/1")
    expect([silent.status, silent.text, silent.calls]).toEqual([418, "", 0])
  })

  it("L5: lua-backend custom_error with a content type on a single backend", async () => {
    const res = await call(gw, "/backend-error")
    expect([res.status, res.text, res.headers.get("content-type")]).toEqual([418, '{"msg":"teapot"}', "application/json"])
  })

  it("L6: a failing lua-backend in a merge leaves the other backend's data, incomplete", async () => {
    const res = await call(gw, "/backend-error-merge")
    expect(res.status).toBe(200)
    expect(res.headers.get("x-krakend-completed")).toBe("false")
    expect(res.json()).toEqual({ b: { items: ["a", "b", "c"], obj: { keep: 1, drop: 2 }, nothing: null, count: 3 } })
  })

  it("L14: a runtime error answers 500 with Lua's message and the chunk line", async () => {
    const res = await call(gw, "/runtime-error")
    expect(res.status).toBe(500)
    expect(res.text).toMatch(/attempt to index a nil value.*\(pre-script:L1\)$/)
    expect((await call(quiet, "/runtime-error")).text).toBe("")
    expect(gw.output()).toMatch(/\[ENDPOINT: \/runtime-error\].*attempt to index a nil value/)
  })

  it("an error in a function of a source file names that file and its line", async () => {
    const res = await call(gw, "/source-error")
    expect(res.status).toBe(500)
    expect(res.text).toMatch(/\(helpers\.lua:L7\)$/)
  })

  it("L17: without allow_open_libs there is no string library", async () => {
    const res = await call(gw, "/no-string")
    expect(res.status).toBe(500)
    expect(res.text).toMatch(/string/)
  })
})

describe("Lua request and response", () => {
  it("L7: lua-backend changes the URL it calls", async () => {
    const res = await call(gw, "/url")
    expect(res.json()["url"]).toBe("/echoextra")
  })

  it("sources run before pre, their functions callable from it", async () => {
    expect(((await call(gw, "/sources")).json()["headers"] as Record<string, string>)["x-tag"]).toBe("from-source")
  })

  it("the request API: params with KrakenD's key case, sorted query, method, no URL at proxy level, body and query and params set", async () => {
    const res = await call(gw, "/request-api/42?b=2&a=1&z=0", { method: "POST", body: '{"v":1}', headers: { "content-type": "application/json" } })
    const seen = res.json()
    const headers = seen["headers"] as Record<string, string>
    expect([headers["x-params"], headers["x-query"], headers["x-method"], headers["x-out"]]).toEqual(["42", "a=1&b=2", "POST", "no-url"])
    expect(seen["body"]).toBe('{"rewritten":{"v":1}}')
    expect(seen["url"]).toBe("/echo/77?a=9&c=3")
  })

  it("L8: a native table set at top level is an object with string keys", async () => {
    expect((await call(gw, "/set-paths")).json()["paths"]).toEqual({ "1": "a", "2": "b" })
  })

  it("L9: nested tables of integer keys are lists", async () => {
    expect((await call(gw, "/nested")).json()["x"]).toEqual({ list: ["a", "b"], n: 1.5, w: 2 })
  })

  it("L10/L11: luaList is 0-based, a missing key is nil, JSON null is a truthy luaNil, set/del write through", async () => {
    const data = (await call(gw, "/list")).json()
    expect(data["first"]).toBe("a")
    expect(data["len"]).toBe(3)
    expect(data["missing"]).toBe(true)
    expect(data["nullIsTruthy"]).toBe(true)
    expect(data["keys"]).toBe(8) // items, obj, nothing, count and the four set before it
    expect(data["obj"]).toEqual({ keep: 1, added: null })
    expect(data["items"]).toEqual(["a", "b", "c", null, "e"])
    expect(data["exists"]).toBe(true)
  })

  it("L12: skip_next with isComplete(true) answers the script's data without calling the backend", async () => {
    const res = await call(gw, "/skip")
    expect([res.status, res.calls, res.headers.get("x-krakend-completed")]).toEqual([200, 0, "true"])
    expect(res.json()).toEqual({ made: "here" })
  })

  it("L13: skip_next alone answers an empty, incomplete 200", async () => {
    const res = await call(gw, "/skip-incomplete")
    expect([res.status, res.text, res.calls, res.headers.get("x-krakend-completed")]).toEqual([200, "{}", 0, "false"])
  })

  it("L18: globals do not survive the request", async () => {
    for (let i = 0; i < 3; i++) expect(((await call(gw, "/globals")).json()["headers"] as Record<string, string>)["x-n"]).toBe("1")
  })

  it("L19/L20: Lua 5.1 idioms work and whole numbers print without .0", async () => {
    const headers = (await call(gw, "/idioms")).json()["headers"] as Record<string, string>
    expect(headers["x-idioms"]).toBe("1,2,3,2,1,env,X")
    expect(headers["x-num"]).toBe("5")
  })

  it("L21: post does not run on a partial merge", async () => {
    const res = await call(gw, "/partial")
    expect(res.status).toBe(200)
    expect(res.headers.get("x-krakend-completed")).toBe("false")
    expect(res.json()["post"]).toBeUndefined()
  })

  it("L22: http_response calls out and the script reads status, headers and body", async () => {
    const headers = (await call(gw, "/http")).json()["headers"] as Record<string, string>
    expect(headers["x-user"]).toBe("u-yes:200:body")
  })

  it("headerList gets and sets every value, luaList:del shifts, keys() is sorted; a non-list header value and custom_error() without arguments are errors", async () => {
    const headers = (await call(gw, "/api-details")).json()["headers"] as Record<string, string>
    expect(headers["x-multi"]).toBe("b, c")
    expect(headers["x-joined"]).toBe("b+c+2")
    expect(headers["x-keys"]).toBe("abc")
    expect(headers["x-errors"]).toMatch(/invalid header value, must be a luaList\|.*need arguments/)
  })

  it("response:headers(k) looks the name up as written (KrakenD); the setter canonicalises", async () => {
    const res = await call(gw, "/response-headers")
    expect(res.headers.get("x-raw")).toBe("miss,text/plain")
  })

  it("a non-numeric custom_error status is a 500", async () => {
    const res = await call(gw, "/bad-status")
    expect([res.status, res.text]).toEqual([500, "odd"])
  })

  it("a backend header named __proto__ is a header like any other through a script's headers", async () => {
    const res = await call(gw, "/noop-proto")
    expect([res.status, res.text, res.headers.get("x-lua"), res.headers.get("__proto__"), res.headers.get("x-after")]).toEqual([200, "hello", "yes", "p", "a"])
  })

  it("no-op: post sets the status, a header and the body", async () => {
    const res = await call(gw, "/noop")
    expect([res.status, res.text, res.headers.get("x-lua")]).toEqual([201, "hello!", "yes"])
  })
})
