import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BackendError } from "../../src/proxy/ProxyError.ts"
import * as Backend from "../support/Backend.ts"
import { callBackend, failure, success } from "./Fixtures.ts"

describe("StatusHandler", () => {
  let b: Backend.Backend
  beforeAll(async () => {
    b = await Backend.start((req, res) => {
      const status = Number((req.url ?? "/200").slice(1))
      res.writeHead(status, { "content-type": "text/plain" })
      res.end(status === 204 || status === 304 ? undefined : status < 300 ? '{"ok":true}' : "boom")
    })
  })
  afterAll(() => b.close())

  it.each([200, 201])("%i is a success", async (status) => {
    expect(success(await callBackend({ host: [b.url], url_pattern: `/${status}` })).data).toEqual({ ok: true })
  })

  it.each([202, 204, 400, 404, 500, 503])("%i is a Status error", async (status) => {
    const e = failure(await callBackend({ host: [b.url], url_pattern: `/${status}` })) as BackendError
    expect(e.reason).toBe("Status")
    expect(e.status).toBe(status)
    // lura's text: `invalid status code <N> [<method> <url_pattern>]: <URL>`
    expect(e.message).toBe(`invalid status code ${status} [GET /${status}]: ${b.url}/${status}`)
    expect(e.exposeStatus).toBe(false)
  })

  it("carries the body and the content type; return_error_code exposes the status", async () => {
    const e = failure(
      await callBackend({ host: [b.url], url_pattern: "/418", extra_config: { "backend/http": { return_error_code: true, return_error_details: undefined } } })
    ) as BackendError
    expect(e).toMatchObject({ reason: "Status", status: 418, body: "boom", contentType: "text/plain", exposeStatus: true })
  })

  it("return_error_details turns the failure into incomplete data (and wins over return_error_code)", async () => {
    const res = success(
      await callBackend({ host: [b.url], url_pattern: "/500", extra_config: { "backend/http": { return_error_code: true, return_error_details: "svc" } } })
    )
    expect(res.isComplete).toBe(false)
    expect(res.metadata.status).toBe(500)
    expect(res.data).toEqual({ error_svc: { http_status_code: 500, http_body: "boom", http_body_encoding: "text/plain" } })
  })

  it("no-op: no status check", async () => {
    const res = success(await callBackend({ host: [b.url], url_pattern: "/500", encoding: "no-op" }))
    expect(res.metadata.status).toBe(500)
    res.io?.resume()
  })
})
