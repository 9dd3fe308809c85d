/**
 * `modifier/lua-endpoint` through `sluice run` over real HTTP (SCRIPTING.md §2.2, §3.1, §8.1
 * L1–L3): the `ctx` API on the HTTP request at service and endpoint level, where it runs
 * (after the JWT validator, before the rate limit; at service level before routing, 404s
 * included), and its answers (endpoint: custom_error's status and content type with an empty
 * body; service: always 500, empty).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

let backend: Backend.Backend
let gw: RunningSluice
let failing: RunningSluice

beforeAll(async () => {
  backend = await Backend.start((req, res, body) =>
    Backend.json(res, 200, { method: req.method, url: req.url, headers: req.headers, body: body.toString() })
  )
  const b = (pattern: string) => [{ host: [backend.url], url_pattern: pattern }]
  gw = await startSluice({
    version: 3,
    extra_config: {
      router: { return_error_msg: true },
      "modifier/lua-endpoint": { pre: "local c = ctx.load(); c:headers('X-From-Lua', '1'); c:headers('X-Drop', nil)" }
    },
    endpoints: [
      { endpoint: "/service", input_headers: ["X-From-Lua", "X-Drop"], backend: b("/echo") },
      {
        endpoint: "/refuse",
        extra_config: { "modifier/lua-endpoint": { pre: "custom_error('nope', 403, 'application/json')" } },
        backend: b("/echo")
      },
      {
        endpoint: "/ctx/{id_user}",
        method: "POST",
        input_headers: ["X-Seen", "Content-Type"],
        input_query_strings: ["a", "b"],
        extra_config: {
          "github.com/devopsfaith/krakend-lua/router": {
            pre: [
              "local c = ctx.load()",
              "c:headers('X-Seen', table.concat({c:method(), c:url(), c:params('id_user'), c:query('a'), c:headers('x-from-lua')}, '|'))",
              "c:query('b', 'set')",
              "c:params('id_user', 'changed')",
              "c:body('{\"wrapped\":' .. c:body() .. '}')"
            ].join("\n")
          }
        },
        backend: [{ host: [backend.url], url_pattern: "/user/{id_user}", method: "POST" }]
      },
      {
        endpoint: "/limited",
        input_headers: ["X-Key"],
        extra_config: {
          "modifier/lua-endpoint": { pre: "ctx.load():headers('X-Key', 'same-for-all')" },
          "qos/ratelimit/router": { client_max_rate: 1, strategy: "header", key: "X-Key" }
        },
        backend: b("/echo")
      }
    ]
  })
  failing = await startSluice({
    version: 3,
    extra_config: { router: { return_error_msg: true }, "modifier/lua-endpoint": { pre: "custom_error('x', 418)" } },
    endpoints: [{ endpoint: "/any", backend: b("/echo") }]
  })
})
afterAll(async () => {
  await gw?.stop()
  await failing?.stop()
  await backend?.close()
})

describe("modifier/lua-endpoint", () => {
  it("L1: a service-level script sets a header the backend receives (and deletes one)", async () => {
    const res = await fetch(`${gw.url}/service`, { headers: { "X-Drop": "client" } })
    const seen = (await res.json()) as { headers: Record<string, string> }
    expect(seen.headers["x-from-lua"]).toBe("1")
    expect(seen.headers["x-drop"]).toBeUndefined()
  })

  it("L2: endpoint-level custom_error answers its status and content type with an empty body, even with return_error_msg", async () => {
    const before = backend.requests.length
    const res = await fetch(`${gw.url}/refuse`)
    expect([res.status, await res.text(), res.headers.get("content-type"), backend.requests.length - before]).toEqual([
      403,
      "",
      "application/json",
      0
    ])
  })

  it("L3: a service-level error is a 500 with an empty body, unknown paths included", async () => {
    for (const path of ["/any", "/unknown"]) {
      const res = await fetch(`${failing.url}${path}`)
      expect([res.status, await res.text()]).toEqual([500, ""])
    }
    expect(failing.output()).toContain("[SERVICE: Gin][Lua] x")
  })

  it("ctx reads method, url, raw param names, query and headers (the service script's too); its changes reach the backend", async () => {
    const res = await fetch(`${gw.url}/ctx/42?a=1`, { method: "POST", body: '{"v":1}', headers: { "content-type": "application/json" } })
    expect(res.status).toBe(200)
    const seen = (await res.json()) as { url: string; body: string; headers: Record<string, string> }
    expect(seen.headers["x-seen"]).toBe("POST|/ctx/42?a=1|42|1|1")
    expect(seen.url).toBe("/user/changed?a=1&b=set")
    expect(seen.body).toBe('{"wrapped":{"v":1}}')
  })

  it("runs before the rate limit: a header it sets is the limit's key", async () => {
    const first = await fetch(`${gw.url}/limited`, { headers: { "X-Key": "a" } })
    const second = await fetch(`${gw.url}/limited`, { headers: { "X-Key": "b" } })
    expect([first.status, second.status]).toEqual([200, 429])
  })
})
