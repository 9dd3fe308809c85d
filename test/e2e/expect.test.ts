/**
 * A client sending `Expect: 100-continue` (curl does for bodies over 1 MiB) gets `100 Continue`
 * from the gateway, which reads the body and forwards it without the `Expect` header — even with
 * `input_headers: ["*"]` (undici refuses to send `Expect`; forwarding it failed the call).
 */
import { request } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

describe("Expect: 100-continue", () => {
  let backend: Backend.Backend
  let gw: RunningSluice
  beforeAll(async () => {
    backend = await Backend.start((req, res, body) => Backend.json(res, 200, { body: body.toString(), expect: req.headers["expect"] ?? null }))
    gw = await startSluice({
      version: 3,
      endpoints: [{ endpoint: "/p", method: "POST", input_headers: ["*"], backend: [{ host: [backend.url], url_pattern: "/in" }] }]
    })
  })
  afterAll(async () => {
    await gw?.stop()
    await backend?.close()
  })

  it("is answered 100 Continue by the gateway; the backend gets the body without Expect", async () => {
    const result = await new Promise<{ continued: boolean; status: number; body: string }>((resolve, reject) => {
      let continued = false
      const req = request(`${gw.url}/p`, { method: "POST", headers: { expect: "100-continue", "content-type": "application/json" } }, (res) => {
        let body = ""
        res.on("data", (c: Buffer) => (body += c.toString()))
        res.on("end", () => resolve({ continued, status: res.statusCode ?? 0, body }))
      })
      req.on("continue", () => {
        continued = true
        req.end(JSON.stringify({ a: 1 }))
      })
      req.on("error", reject)
    })
    expect(result.continued, gw.output()).toBe(true)
    expect(result.status, gw.output()).toBe(200)
    expect(JSON.parse(result.body)).toEqual({ body: "{\"a\":1}", expect: null })
  })
})
