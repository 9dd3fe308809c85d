/**
 * A backend-for-frontend written in TypeScript: one dashboard call aggregates three backends
 * (users, orders, catalog) and reshapes their data (allow / deny / mapping / target / group /
 * collections), plus a sequential endpoint that feeds one backend's answer into the next call.
 *
 *   USERS_URL=http://127.0.0.1:9001 ORDERS_URL=http://127.0.0.1:9002 CATALOG_URL=http://127.0.0.1:9003 \
 *   PORT=8080 node --conditions=sluice-source examples/bff.ts   (the flag: use src/, not the built dist/)
 *
 * GET /dashboard/42 → { user: {...}, orders: [...], recommended: [...] }
 * GET /orders/7     → the order with its product
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Backend, Endpoint, Gateway } from "sluice"
import { env, isMain } from "./Main.ts"

/** Where the three backends live. */
export interface Upstreams {
  readonly users: string
  readonly orders: string
  readonly catalog: string
}

/** The gateway: a `Gateway.Spec`, turned into the config model by `Gateway.make`. */
export const spec = (up: Upstreams, port = 8080): Gateway.Spec => ({
  name: "bff",
  port,
  timeout: "3s",
  endpoints: [
    Endpoint.get("/dashboard/{id}", [
      // Only public fields of the user, `name` renamed, under "user".
      Backend.http(up.users, "/users/{id}", { allow: ["id", "name", "email"], mapping: { name: "full_name" }, group: "user" }),
      // A JSON array: wrapped as {"collection": [...]}, renamed to "orders".
      Backend.http(up.orders, "/orders?user={id}", { is_collection: true, mapping: { collection: "orders" } }),
      // The catalog answers {"data": {"items": [...], "internal": ...}}: keep data, drop internal.
      Backend.http(up.catalog, "/recommendations/{id}", { target: "data", deny: ["internal"], group: "recommended" })
    ], { cache_ttl: "30s", input_query_strings: ["lang"] }),
    Endpoint.get("/orders/{id}", [
      Backend.http(up.orders, "/orders/{id}", { deny: ["audit"] }),
      // {resp0_product_id}: the product_id of the first backend's answer.
      Backend.http(up.catalog, "/products/{resp0_product_id}", { allow: ["name", "price"], group: "product" })
    ], { extra_config: { proxy: { sequential: true } } })
  ]
})

/** The BFF served by the bundled Node server (what `node examples/bff.ts` runs). */
export const server = (up: Upstreams, port: number) =>
  Layer.unwrap(Effect.map(Gateway.make(spec(up, port)), (config) => Gateway.layer(config).pipe(Layer.provide(Gateway.nodeServer(config)))))

if (isMain(import.meta.url)) {
  const upstreams = {
    users: env("USERS_URL", "http://127.0.0.1:9001"),
    orders: env("ORDERS_URL", "http://127.0.0.1:9002"),
    catalog: env("CATALOG_URL", "http://127.0.0.1:9003")
  }
  NodeRuntime.runMain(Layer.launch(server(upstreams, Number(env("PORT", "8080")))))
}
