/**
 * `validation/cel` through `sluice run` over real HTTP, with KrakenD CE's fixture endpoint
 * (SCRIPTING.md §8.2): endpoint checks abort with 500 and `request aborted by evaluator #N`,
 * backend checks fail their backend (a partial merge), backend numbers are CEL strings, the
 * substring rule picks the stage; what KrakenD would silently skip stops the start with its path.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Cel from "../../src/scripting/Cel.ts"
import * as Backend from "../support/Backend.ts"
import { runCli, type RunningSluice, startSluice, writeConfig } from "../support/Sluice.ts"

let backend: Backend.Backend
let gw: RunningSluice
let quiet: RunningSluice

const check = (check_expr: string) => ({ check_expr })

const endpoints = (backendUrl: string) => [
  {
    endpoint: "/cel/req-resp/{id}",
    input_headers: ["X-Header"],
    extra_config: { "validation/cel": [check("'something' in req_headers['X-Header']"), check("int(req_params.Id) % 2 == 0")] },
    backend: [
      { host: [backendUrl], url_pattern: "/b1", group: "backend1", extra_config: { "validation/cel": [check("int(req_params.Id) % 3 == 0")] } },
      { host: [backendUrl], url_pattern: "/b2", group: "backend2", extra_config: { "github.com/devopsfaith/krakend-cel": [check("int(req_params.Id) % 5 == 0")] } }
    ]
  },
  {
    endpoint: "/count/strict",
    extra_config: { "validation/cel": [check("resp_data.count == 5")] },
    backend: [{ host: [backendUrl], url_pattern: "/count" }]
  },
  {
    endpoint: "/count/int",
    extra_config: { "validation/cel": [check("int(resp_data.count) == 5 && resp_completed && resp_metadata_status == 0")] },
    backend: [{ host: [backendUrl], url_pattern: "/count" }]
  },
  {
    endpoint: "/mixed",
    extra_config: { "validation/cel": [check("req_method == 'GET' && resp_completed")] },
    backend: [{ host: [backendUrl], url_pattern: "/count" }]
  },
  {
    endpoint: "/time",
    extra_config: { "validation/cel": [check("timestamp(now).getDayOfWeek() >= 0 && req_method != ''")] },
    backend: [{ host: [backendUrl], url_pattern: "/count" }]
  },
  {
    endpoint: "/missing-key",
    extra_config: { "validation/cel": [check("req_params.Missing == 'x'")] },
    backend: [{ host: [backendUrl], url_pattern: "/count" }]
  },
  {
    endpoint: "/query",
    input_query_strings: ["tag"],
    extra_config: { "validation/cel": [check("'tag' in req_querystring && req_querystring['tag'].exists(t, t == 'b') && req_path == '/query'")] },
    backend: [{ host: [backendUrl], url_pattern: "/count" }]
  }
]

beforeAll(async () => {
  backend = await Backend.start((req, res) => Backend.json(res, 200, req.url === "/count" ? { count: 5 } : { message: "pong" }))
  gw = await startSluice({ version: 3, extra_config: { router: { return_error_msg: true } }, endpoints: endpoints(backend.url) })
  quiet = await startSluice({ version: 3, endpoints: endpoints(backend.url) })
})
afterAll(async () => {
  await gw?.stop()
  await quiet?.stop()
  await backend?.close()
})

const get = async (target: RunningSluice, path: string, headers: Record<string, string> = {}) => {
  const before = backend.requests.length
  const res = await fetch(`${target.url}${path}`, { headers })
  return {
    status: res.status,
    text: await res.text(),
    contentType: res.headers.get("content-type"),
    completed: res.headers.get("x-krakend-completed"),
    calls: backend.requests.length - before
  }
}

const header = { "X-Header": "something" }

describe("validation/cel, KrakenD CE's fixture endpoint", () => {
  it("C1 the second endpoint check is false: 500 request aborted by evaluator #1, no backend called", async () => {
    expect(await get(gw, "/cel/req-resp/1", header)).toEqual({
      status: 500,
      text: "request aborted by evaluator #1",
      contentType: "text/plain; charset=utf-8",
      completed: "false",
      calls: 0
    })
  })

  it("C2 the first one is false: #0", async () => {
    expect(await get(gw, "/cel/req-resp/30")).toMatchObject({ status: 500, text: "request aborted by evaluator #0", calls: 0 })
  })

  it("C3/C4 a false backend check fails only that backend: a partial merge", async () => {
    const ten = await get(gw, "/cel/req-resp/10", header)
    expect(ten).toMatchObject({ status: 200, completed: "false", calls: 1 }) // backend1 refused before its call
    expect(JSON.parse(ten.text)).toEqual({ backend2: { message: "pong" } })
    const six = await get(gw, "/cel/req-resp/6", header)
    expect(JSON.parse(six.text)).toEqual({ backend1: { message: "pong" } })
    expect(six.completed).toBe("false")
  })

  it("C5 every check true: both backends, complete", async () => {
    const r = await get(gw, "/cel/req-resp/30", header)
    expect(r).toMatchObject({ status: 200, completed: "true", calls: 2 })
    expect(JSON.parse(r.text)).toEqual({ backend1: { message: "pong" }, backend2: { message: "pong" } })
  })

  it("C6 without return_error_msg the body is empty", async () => {
    expect(await get(quiet, "/cel/req-resp/1", header)).toMatchObject({ status: 500, text: "", completed: "false" })
  })
})

describe("what the expressions see", () => {
  it("C11 backend numbers are strings, as in cel-go over lura's json.Number; the metadata is a no-op answer's only", async () => {
    expect(await get(gw, "/count/strict")).toMatchObject({ status: 500, text: "request aborted by evaluator #0", calls: 1 })
    expect(await get(gw, "/count/int")).toMatchObject({ status: 200, text: "{\"count\":5}" })
  })

  it("C12 an expression with both req and resp runs in both stages and fails in the first", async () => {
    expect(await get(gw, "/mixed")).toMatchObject({ status: 500, text: "request aborted by evaluator #0", calls: 0 })
  })

  it("C13 now is a timestamp string", async () => {
    expect((await get(gw, "/time")).status).toBe(200)
  })

  it("C14 a missing map key is an evaluation error: rejected", async () => {
    expect(await get(gw, "/missing-key")).toMatchObject({ status: 500, calls: 0 })
  })

  it("req_querystring holds the forwarded query as lists; req_path the client path", async () => {
    expect((await get(gw, "/query?tag=a&tag=b")).status).toBe(200)
    expect((await get(gw, "/query?tag=a")).status).toBe(500)
  })

  it("now is Go's RFC 3339 layout: milliseconds trimmed, Z or the local offset", () => {
    expect(Cel.now(new Date(Date.UTC(2026, 0, 5, 10, 11, 12, 500)))).toMatch(/^2026-01-0\dT\d\d:11:12\.5(Z|[+-]\d\d:\d\d)$/)
    expect(Cel.celData({ a: 5, b: [1.5, { c: true, d: null }], e: "x" })).toEqual({ a: "5", b: ["1.5", { c: true, d: null }], e: "x" })
  })
})

describe("what KrakenD would skip stops the start", () => {
  const checkConfig = (expr: string, level: "endpoint" | "backend" = "endpoint") =>
    runCli(["check", "-c", writeConfig({
      version: 3,
      host: ["http://127.0.0.1:1"],
      endpoints: [{
        endpoint: "/a/{id}",
        ...(level === "endpoint" ? { extra_config: { "validation/cel": [check("req_method == 'GET'"), check(expr)] } } : {}),
        backend: [{ url_pattern: "/", ...(level === "backend" ? { extra_config: { "validation/cel": [check(expr)] } } : {}) }]
      }]
    })])

  it("C8 an expression that mentions none of req, resp and JWT", async () => {
    const r = await checkConfig("1 == 2")
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("$.endpoints[0].extra_config[\"validation/cel\"][1].check_expr")
    expect(r.stderr).toContain("KrakenD never evaluates it")
  })

  it("C9/C10 a type error and a parse error, with the column", async () => {
    const typed = await checkConfig("req_params.Id > 3", "backend")
    expect(typed.code).toBe(1)
    expect(typed.stderr).toContain("$.endpoints[0].backend[0].extra_config[\"validation/cel\"][0].check_expr: CEL type error: no such overload: string > int (column 1)")
    const parsed = await checkConfig("req_params.Id ==")
    expect(parsed.stderr).toContain("CEL parse error: Unexpected token: EOF (column 17)")
  })

})
