/**
 * Testing a gateway in memory, with no port and no process: the BFF of `bff.ts` with fake
 * backends (fetch-style handlers keyed by origin) through the test kit `sluice/testing`.
 * Copy this file next to your gateway; `test/examples/InMemory.test.ts` runs it in Sluice's CI.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Gateway } from "sluice"
import * as Testing from "sluice/testing"
import { spec } from "./bff.ts"

const fakes: Testing.Options["backends"] = {
  "http://users": () => Response.json({ id: 42, name: "Ada", email: "ada@example.com", password: "x" }),
  "http://orders": (req) =>
    new URL(req.url).pathname === "/orders"
      ? Response.json([{ id: 7, total: 10 }])
      : Response.json({ id: 7, product_id: "p9", audit: "secret" }),
  "http://catalog": (req) =>
    new URL(req.url).pathname.startsWith("/products/")
      ? Response.json({ name: "Lamp", price: 30, stock: 2 })
      : Response.json({ data: { items: ["lamp"], internal: true } })
}

const upstreams = { users: "http://users", orders: "http://orders", catalog: "http://catalog" }

describe("the BFF, in memory", () => {
  it.effect("aggregates and reshapes the three backends", () =>
    Effect.gen(function*() {
      const config = yield* Gateway.make(spec(upstreams))
      const gateway = yield* Testing.make({ config, backends: fakes })
      const res = yield* gateway.request("/dashboard/42")
      assert.strictEqual(res.status, 200)
      assert.strictEqual(res.headers["x-krakend-completed"], "true")
      assert.deepStrictEqual(res.json(), {
        user: { id: 42, full_name: "Ada", email: "ada@example.com" },
        orders: [{ id: 7, total: 10 }],
        recommended: { items: ["lamp"] }
      })
    }).pipe(Effect.scoped))

  it.effect("answers partially when a backend is down", () =>
    Effect.gen(function*() {
      const config = yield* Gateway.make(spec(upstreams))
      const gateway = yield* Testing.make({
        config,
        backends: { ...fakes, "http://catalog": () => new Response("boom", { status: 500 }) }
      })
      const res = yield* gateway.request("/dashboard/42")
      assert.strictEqual(res.status, 200)
      assert.strictEqual(res.headers["x-krakend-completed"], "false")
      assert.deepStrictEqual(Object.keys(res.json() as object).sort(), ["orders", "user"])
    }).pipe(Effect.scoped))

  it.effect("feeds the order's product_id into the catalog call", () =>
    Effect.gen(function*() {
      const config = yield* Gateway.make(spec(upstreams))
      const gateway = yield* Testing.make({ config, backends: fakes })
      const res = yield* gateway.request("/orders/7")
      assert.deepStrictEqual(res.json(), { id: 7, product_id: "p9", product: { name: "Lamp", price: 30 } })
    }).pipe(Effect.scoped))
})
