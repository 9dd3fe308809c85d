/** `examples/bff.ts`, run as `node examples/bff.ts` against three loopback backends. */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { type RunningExample, runExample } from "./RunExample.ts"

describe("examples/bff.ts", () => {
  let users: Backend.Backend
  let orders: Backend.Backend
  let catalog: Backend.Backend
  let bff: RunningExample

  beforeAll(async () => {
    users = await Backend.start((_req, res) => Backend.json(res, 200, { id: 42, name: "Ada", email: "ada@x.io", password: "p" }))
    orders = await Backend.start((req, res) =>
      req.url === "/orders/7"
        ? Backend.json(res, 200, { id: 7, product_id: "p9", audit: "a" })
        : Backend.json(res, 200, [{ id: 7, total: 10 }, { id: 8, total: 5 }]))
    catalog = await Backend.start((req, res) =>
      req.url === "/products/p9"
        ? Backend.json(res, 200, { name: "Lamp", price: 30, stock: 1 })
        : Backend.json(res, 200, { data: { items: ["lamp", "desk"], internal: { cost: 1 } } }))
    bff = await runExample("bff.ts", { USERS_URL: users.url, ORDERS_URL: orders.url, CATALOG_URL: catalog.url }, "/__health")
  })
  afterAll(async () => {
    await bff?.stop()
    await Promise.all([users?.close(), orders?.close(), catalog?.close()])
  })

  it("aggregates the three backends and reshapes their data", async () => {
    const res = await fetch(`${bff.url}/dashboard/42?lang=en&debug=1`)
    expect(res.status).toBe(200)
    expect(res.headers.get("x-krakend-completed")).toBe("true")
    expect(res.headers.get("cache-control")).toBe("public, max-age=30")
    expect(await res.json()).toEqual({
      user: { id: 42, full_name: "Ada", email: "ada@x.io" },
      orders: [{ id: 7, total: 10 }, { id: 8, total: 5 }],
      recommended: { items: ["lamp", "desk"] }
    })
    expect(users.requests.at(-1)?.url).toBe("/users/42?lang=en")
    expect(orders.requests.at(-1)?.url).toBe("/orders?user=42&lang=en")
    expect(catalog.requests.at(-1)?.url).toBe("/recommendations/42?lang=en")
  })

  it("calls the catalog with the order's product_id (sequential)", async () => {
    const res = await fetch(`${bff.url}/orders/7`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ id: 7, product_id: "p9", product: { name: "Lamp", price: 30 } })
    expect(catalog.requests.at(-1)?.url).toBe("/products/p9")
  })
})
