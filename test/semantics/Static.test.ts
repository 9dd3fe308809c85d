import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { config, send, withGateway } from "./Harness.ts"

describe("static proxy (KRAKEND-SEMANTICS §2.9)", () => {
  let b: Backend.Backend
  beforeAll(async () => {
    b = await Backend.start((req, res) => {
      if (req.url === "/a") return Backend.json(res, 200, { a: 1, s: "backend" })
      if (req.url === "/b") return Backend.json(res, 200, { b: 2 })
      if (req.url === "/details") return Backend.json(res, 404, {})
      return Backend.json(res, 500, {})
    })
  })
  afterAll(() => b.close())

  type Case = "complete" | "partial" | "failed" | "incomplete"
  const backends: Record<Case, ReadonlyArray<Record<string, unknown>>> = {
    complete: [{ url_pattern: "/a" }, { url_pattern: "/b" }],
    partial: [{ url_pattern: "/a" }, { url_pattern: "/fail" }],
    failed: [{ url_pattern: "/fail" }, { url_pattern: "/fail2" }],
    incomplete: [{ url_pattern: "/a" }, { url_pattern: "/details", extra_config: { "backend/http": { return_error_details: "d" } } }]
  }
  const data = { s: "static", extra: true }
  const merged: Record<Case, Record<string, unknown>> = {
    complete: { a: 1, s: "backend", b: 2 },
    partial: { a: 1, s: "backend" },
    failed: {},
    incomplete: { a: 1, s: "backend", error_d: { http_status_code: 404, http_body: "{}", http_body_encoding: "application/json" } }
  }
  const completed: Record<Case, string> = { complete: "true", partial: "false", failed: "false", incomplete: "false" }

  // strategy → the cases where it fires
  const table: ReadonlyArray<readonly [string, ReadonlyArray<Case>]> = [
    ["always", ["complete", "partial", "failed", "incomplete"]],
    ["unknown-name", ["complete", "partial", "failed", "incomplete"]],
    ["success", ["complete", "incomplete"]],
    ["complete", ["complete"]],
    ["errored", ["partial", "failed"]],
    ["incomplete", ["partial", "failed", "incomplete"]]
  ]
  const cases: Array<readonly [string, Case, boolean]> = table.flatMap(([strategy, fires]) =>
    (["complete", "partial", "failed", "incomplete"] as const).map((c) => [strategy, c, fires.includes(c)] as const)
  )

  it.each(cases)("strategy %s on a %s answer: fires=%s", async (strategy, c, fires) => {
    await withGateway(
      config({ backend: backends[c].map((x) => ({ host: [b.url], ...x })), extra_config: { proxy: { static: { strategy, data } } } }),
      async (g) => {
        const r = await send(g, "/test")
        if (c === "failed" && !fires) {
          expect(r.status).toBe(500)
          expect(r.body).toBe("")
          expect(r.headers["x-krakend-completed"]).toBe("false")
          return
        }
        expect(r.status).toBe(200)
        expect(r.json()).toEqual(fires ? { ...merged[c], ...data } : merged[c])
        // an all-failed answer turned into a stub stays incomplete
        expect(r.headers["x-krakend-completed"]).toBe(completed[c])
      }
    )
  })

  it("an unknown strategy is read as always, with a warning", async () => {
    await withGateway(config({ backend: [{ host: [b.url], url_pattern: "/a" }], extra_config: { proxy: { static: { strategy: "nope", data } } } }), async (g) => {
      expect(g.warnings.map((w) => w.path)).toContain("$.endpoints[0].extra_config.proxy.static")
      const r = await send(g, "/test")
      expect(r.status).toBe(200)
      expect(r.json()).toEqual({ a: 1, s: "static", extra: true })
      expect(r.headers["x-krakend-completed"]).toBe("true")
    })
  })
})
