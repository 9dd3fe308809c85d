import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { config, send, withGateway } from "./Harness.ts"

describe("error statuses (KRAKEND-SEMANTICS §2.5, §2.12) and the gateway policy", () => {
  let b: Backend.Backend
  beforeAll(async () => {
    b = await Backend.start((req, res) => {
      if (req.url === "/ok") return Backend.json(res, 200, { ok: true })
      if (req.url === "/teapot") {
        res.writeHead(418, { "content-type": "text/plain" })
        return res.end("short and stout")
      }
      if (req.url === "/accepted") return Backend.json(res, 202, { queued: true })
      if (req.url === "/nocontent") return res.writeHead(204).end()
      if (req.url === "/slow") return setTimeout(() => Backend.json(res, 200, {}), 3000)
      return Backend.json(res, 500, {})
    })
  })
  afterAll(() => b.close())

  const dead = "http://127.0.0.1:1"
  const gatewayPolicy = { extra_config: { "sluice/errors": { status_policy: "gateway" } } }
  const withMsg = (svc: Record<string, unknown>) => ({ ...svc, extra_config: { ...(svc["extra_config"] as object | undefined), router: { return_error_msg: true } } })

  type Row = readonly [name: string, backends: ReadonlyArray<Record<string, unknown>>, service: Record<string, unknown>, status: number, body: string | RegExp, completed: string, endpoint?: Record<string, unknown>]
  const sequential = { extra_config: { proxy: { sequential: true } } }
  const table: ReadonlyArray<Row> = [
    ["krakend: a 418 → 500, empty body", [{ url_pattern: "/teapot" }], {}, 500, "", "false"],
    ["krakend: return_error_code passes 418 (empty body)", [{ url_pattern: "/teapot", extra_config: { "backend/http": { return_error_code: true } } }], {}, 418, "", "false"],
    ["krakend: return_error_code + return_error_msg gives the body", [{ url_pattern: "/teapot", extra_config: { "backend/http": { return_error_code: true } } }], withMsg({}), 418, "short and stout", "false"],
    ["krakend: return_error_details → 200 with error_<alias>", [{ url_pattern: "/teapot", extra_config: { "backend/http": { return_error_details: "t" } } }], {}, 200, '{"error_t":{"http_status_code":418,"http_body":"short and stout","http_body_encoding":"text/plain"}}', "false"],
    ["krakend: a 202 is an error → 500", [{ url_pattern: "/accepted" }], {}, 500, "", "false"],
    ["krakend: a transport error → 500", [{ url_pattern: "/x", host: [dead] }], {}, 500, "", "false"],
    ["krakend: a timeout → 500", [{ url_pattern: "/slow" }], { timeout: "300ms" }, 500, "", "false"],
    ["krakend: return_error_msg writes the message", [{ url_pattern: "/teapot" }], withMsg({}), 500, /invalid status code 418/, "false"],
    ["krakend: sequential, backend 0's return_error_code 418 passes (empty body)", [{ url_pattern: "/teapot", extra_config: { "backend/http": { return_error_code: true } } }, { url_pattern: "/ok" }], {}, 418, "", "false", sequential],
    ["krakend: sequential, backend 0's return_error_code 418 with return_error_msg gives the body", [{ url_pattern: "/teapot", extra_config: { "backend/http": { return_error_code: true } } }, { url_pattern: "/ok" }], withMsg({}), 418, "short and stout", "false", sequential],
    ["krakend: sequential, backend 0 fails without return_error_code → 500", [{ url_pattern: "/teapot" }, { url_pattern: "/ok" }], {}, 500, "", "false", sequential],
    ["krakend: sequential, a later return_error_code failure stays a partial 200", [{ url_pattern: "/ok" }, { url_pattern: "/teapot", extra_config: { "backend/http": { return_error_code: true } } }], {}, 200, '{"ok":true}', "false", sequential],
    ["krakend: all of several failed → 500", [{ url_pattern: "/teapot", extra_config: { "backend/http": { return_error_code: true } } }, { url_pattern: "/fail" }], {}, 500, "", "false"],
    ["gateway: a 418 passes through", [{ url_pattern: "/teapot" }], gatewayPolicy, 418, "", "false"],
    ["gateway: with return_error_msg the backend body", [{ url_pattern: "/teapot" }], withMsg(gatewayPolicy), 418, "short and stout", "false"],
    ["gateway: a transport error → 502", [{ url_pattern: "/x", host: [dead] }], gatewayPolicy, 502, "", "false"],
    ["gateway: a timeout → 504", [{ url_pattern: "/slow" }], { ...gatewayPolicy, timeout: "300ms" }, 504, "", "false"],
    ["gateway: all timed out → 504", [{ url_pattern: "/slow" }, { url_pattern: "/slow" }], { ...gatewayPolicy, timeout: "300ms" }, 504, "", "false"],
    ["gateway: all failed, mixed → 502", [{ url_pattern: "/slow" }, { url_pattern: "/fail" }], { ...gatewayPolicy, timeout: "300ms" }, 502, "", "false"],
    ["gateway: a 202 is success", [{ url_pattern: "/accepted" }], gatewayPolicy, 200, '{"queued":true}', "true"],
    ["gateway: a 204 is success (empty)", [{ url_pattern: "/nocontent" }, { url_pattern: "/ok" }], gatewayPolicy, 200, '{"ok":true}', "true"],
    ["gateway: a partial merge stays 200", [{ url_pattern: "/ok" }, { url_pattern: "/fail" }], gatewayPolicy, 200, '{"ok":true}', "false"]
  ]

  type FullRow = readonly [Row[0], Row[1], Row[2], Row[3], Row[4], Row[5], Record<string, unknown>]
  const rows = table.map((r): FullRow => [r[0], r[1], r[2], r[3], r[4], r[5], r[6] ?? {}])

  it.each(rows)("%s", async (_n, backends, service, status, body, completed, endpoint) => {
    await withGateway(config({ ...endpoint, backend: backends.map((x) => ({ host: [b.url], ...x })) }, service), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(status)
      if (typeof body === "string") expect(r.body).toBe(body)
      else expect(r.body).toMatch(body)
      expect(r.headers["x-krakend-completed"]).toBe(completed)
    })
  })

  it("router.error_body gives JSON 404/405 bodies", async () => {
    await withGateway(
      config({ backend: [{ host: [b.url], url_pattern: "/ok" }] }, { extra_config: { router: { error_body: { "404": { e: "nf" }, "405": { e: "na" } } } } }),
      async (g) => {
        const nf = await send(g, "/nope")
        expect([nf.status, nf.body, nf.headers["x-krakend-completed"]]).toEqual([404, '{"e":"nf"}', "false"])
        const na = await send(g, "/test", { method: "POST" })
        expect([na.status, na.body, na.headers["x-krakend-completed"]]).toEqual([405, '{"e":"na"}', "false"])
      }
    )
  })
})
