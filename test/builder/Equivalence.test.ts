/**
 * A config file and the equivalent TypeScript program make the same gateway: on several
 * examples, the JSON is decoded with `Config.decode`, the TypeScript value is built with
 * `Gateway.make`, and both must give the same model and the same answers (status, body,
 * headers) to the same requests against the same loopback backends.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Backend, Config, Endpoint, Gateway } from "sluice"
import * as Testing from "sluice/testing"
import { afterAll, beforeAll } from "vitest"
import { spec as bffSpec } from "../../examples/bff.ts"
import * as Loopback from "../support/Backend.ts"

let a: Loopback.Backend
let b: Loopback.Backend

beforeAll(async () => {
  a = await Loopback.start((req, res, body) => {
    if (req.url?.startsWith("/fail")) return Loopback.json(res, 503, { down: true })
    if (req.url?.startsWith("/text")) {
      res.writeHead(201, { "content-type": "text/plain", "x-upstream": "a" })
      return res.end(`raw ${req.method} ${body.toString()}`)
    }
    if (req.url?.startsWith("/list")) return Loopback.json(res, 200, [{ id: 1 }, { id: 2 }])
    Loopback.json(res, 200, { url: req.url, method: req.method, nested: { id: 7, secret: "s" }, tag: req.headers["x-tag"] ?? null })
  })
  b = await Loopback.start((req, res) =>
    req.url?.startsWith("/orders/7")
      ? Loopback.json(res, 200, { id: 7, product_id: "p9", audit: 1 })
      : Loopback.json(res, 200, { from: "b", url: req.url, data: { items: [1, 2], internal: true } }))
})
afterAll(async () => {
  await a?.close()
  await b?.close()
})

interface Case {
  readonly name: string
  readonly json: () => unknown
  readonly ts: () => Gateway.Spec
  readonly requests: ReadonlyArray<readonly [string, Testing.RequestInit?]>
}

const cases: ReadonlyArray<Case> = [
  {
    name: "the BFF example (aggregation, allow/deny/mapping/target/group, sequential)",
    json: () => ({
      version: 3,
      name: "bff",
      port: 8080,
      timeout: "3s",
      endpoints: [
        {
          endpoint: "/dashboard/{id}",
          cache_ttl: "30s",
          input_query_strings: ["lang"],
          backend: [
            { host: [a.url], url_pattern: "/users/{id}", allow: ["id", "name", "email"], mapping: { name: "full_name" }, group: "user" },
            { host: [a.url], url_pattern: "/list?user={id}", is_collection: true, mapping: { collection: "orders" } },
            { host: [b.url], url_pattern: "/recommendations/{id}", target: "data", deny: ["internal"], group: "recommended" }
          ]
        },
        {
          endpoint: "/orders/{id}",
          extra_config: { proxy: { sequential: true } },
          backend: [
            { host: [b.url], url_pattern: "/orders/{id}", deny: ["audit"] },
            { host: [a.url], url_pattern: "/products/{resp0_product_id}", allow: ["url"], group: "product" }
          ]
        }
      ]
    }),
    ts: () => {
      const spec = bffSpec({ users: a.url, orders: a.url, catalog: b.url })
      // The example's orders list lives at /orders?user=; these backends serve it at /list.
      const [dashboard, orders] = spec.endpoints
      const list = Endpoint.get("/dashboard/{id}", [
        Backend.http(a.url, "/users/{id}", { allow: ["id", "name", "email"], mapping: { name: "full_name" }, group: "user" }),
        Backend.http(a.url, "/list?user={id}", { is_collection: true, mapping: { collection: "orders" } }),
        Backend.http(b.url, "/recommendations/{id}", { target: "data", deny: ["internal"], group: "recommended" })
      ], { cache_ttl: "30s", input_query_strings: ["lang"] })
      const seq = Endpoint.get("/orders/{id}", [
        Backend.http(b.url, "/orders/{id}", { deny: ["audit"] }),
        Backend.http(a.url, "/products/{resp0_product_id}", { allow: ["url"], group: "product" })
      ], { extra_config: { proxy: { sequential: true } } })
      assert.strictEqual(dashboard?.json.endpoint, list.json.endpoint)
      assert.strictEqual(orders?.json.endpoint, seq.json.endpoint)
      return { ...spec, endpoints: [list, seq] }
    },
    requests: [["/dashboard/42?lang=en&x=1"], ["/orders/7"], ["/dashboard/1"], ["/nope"]]
  },
  {
    name: "static data, flatmap, no-op, POST bodies, header and query forwarding",
    json: () => ({
      version: 3,
      host: [a.url],
      output_encoding: "json",
      endpoints: [
        {
          endpoint: "/merged/{id}",
          input_headers: ["X-Tag"],
          extra_config: {
            proxy: {
              static: { strategy: "always", data: { source: "static" } },
              flatmap_filter: [{ type: "move", args: ["nested.id", "nested_id"] }, { type: "del", args: ["nested"] }]
            }
          },
          backend: [{ url_pattern: "/one/{id}" }, { url_pattern: "/fail/{id}", group: "failing" }]
        },
        { endpoint: "/raw", method: "POST", output_encoding: "no-op", backend: [{ url_pattern: "/text", encoding: "no-op" }] },
        { endpoint: "/all", input_query_strings: ["*"], backend: [{ url_pattern: "/q", target: "nested", deny: ["secret"] }] }
      ]
    }),
    ts: () => ({
      host: [a.url],
      output_encoding: "json",
      endpoints: [
        Endpoint.get("/merged/{id}", [Backend.make({ url_pattern: "/one/{id}" }), Backend.make({ url_pattern: "/fail/{id}", group: "failing" })], {
          input_headers: ["X-Tag"],
          extra_config: {
            proxy: {
              static: { strategy: "always", data: { source: "static" } },
              flatmap_filter: [{ type: "move", args: ["nested.id", "nested_id"] }, { type: "del", args: ["nested"] }]
            }
          }
        }),
        Endpoint.post("/raw", [Backend.make({ url_pattern: "/text", encoding: "no-op" })], { output_encoding: "no-op" }),
        Endpoint.get("/all", [Backend.make({ url_pattern: "/q", target: "nested", deny: ["secret"] })], { input_query_strings: ["*"] })
      ]
    }),
    requests: [
      ["/merged/3", { headers: { "X-Tag": "t1", "X-Other": "o" } }],
      ["/raw", { method: "POST", body: "hello", headers: { "content-type": "text/plain" } }],
      ["/all?a=1&b=2"],
      ["/raw"]
    ]
  },
  {
    name: "router options, error details and codes, gateway status policy",
    json: () => ({
      version: 3,
      timeout: "1s",
      extra_config: {
        router: { return_error_msg: true, error_body: { "404": { error: "no such route" } }, hide_version_header: true },
        "sluice/errors": { status_policy: "gateway" }
      },
      endpoints: [
        { endpoint: "/code", backend: [{ host: [a.url], url_pattern: "/fail", extra_config: { "backend/http": { return_error_code: true } } }] },
        {
          endpoint: "/details",
          backend: [
            { host: [a.url], url_pattern: "/fail", extra_config: { "backend/http": { return_error_details: "a" } } },
            { host: [b.url], url_pattern: "/ok" }
          ]
        }
      ]
    }),
    ts: () => ({
      timeout: "1s",
      extra_config: {
        router: { return_error_msg: true, error_body: { "404": { error: "no such route" } }, hide_version_header: true },
        "sluice/errors": { status_policy: "gateway" }
      },
      endpoints: [
        Endpoint.get("/code", [Backend.http(a.url, "/fail", { extra_config: { "backend/http": { return_error_code: true } } })]),
        Endpoint.get("/details", [
          Backend.http(a.url, "/fail", { extra_config: { "backend/http": { return_error_details: "a" } } }),
          Backend.http(b.url, "/ok")
        ])
      ]
    }),
    requests: [["/code"], ["/details"], ["/missing"], ["/code", { method: "POST" }]]
  }
]

describe("a config file and the equivalent TypeScript program", () => {
  for (const c of cases) {
    it.live(c.name, () =>
      Effect.gen(function*() {
        const fromJson = (yield* Config.decode(c.json())).config
        const fromTs = yield* Gateway.make(c.ts())
        assert.deepStrictEqual(fromTs, fromJson)
        const viaJson = yield* Testing.make({ config: fromJson, network: true })
        const viaTs = yield* Testing.make({ config: fromTs, network: true })
        for (const [path, init] of c.requests) {
          const x = yield* viaJson.request(path, init)
          const y = yield* viaTs.request(path, init)
          assert.deepStrictEqual({ status: y.status, headers: y.headers, body: y.body }, { status: x.status, headers: x.headers, body: x.body })
        }
      }).pipe(Effect.scoped))
  }

  it.live("the answers are the ones each example is about (so the comparison is not vacuous)", () =>
    Effect.gen(function*() {
      const gw = yield* Testing.make({ config: yield* Gateway.make(cases[1]!.ts()), network: true })
      const merged = yield* gw.request("/merged/3", { headers: { "X-Tag": "t1" } })
      assert.strictEqual(merged.status, 200)
      assert.strictEqual(merged.headers["x-krakend-completed"], "false")
      // Partial answer: static data added ("always"), flatmap skipped (KrakenD's rule).
      assert.deepStrictEqual(merged.json(), { url: "/one/3", method: "GET", nested: { id: 7, secret: "s" }, tag: "t1", source: "static" })
      const raw = yield* gw.request("/raw", { method: "POST", body: "hello" })
      assert.deepStrictEqual([raw.status, raw.body, raw.headers["x-upstream"]], [201, "raw POST hello", "a"])
      const errors = yield* Testing.make({ config: yield* Gateway.make(cases[2]!.ts()), network: true })
      const code = yield* errors.request("/code")
      assert.strictEqual(code.status, 503)
      const missing = yield* errors.request("/missing")
      assert.deepStrictEqual([missing.status, missing.json()], [404, { error: "no such route" }])
    }).pipe(Effect.scoped))
})
