/** `examples/plugins.ts` (a handler and a client plugin), run as a process against a loopback backend. */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { signature } from "../../examples/plugins.ts"
import * as Backend from "../support/Backend.ts"
import { type RunningExample, runExample } from "./RunExample.ts"

describe("examples/plugins.ts", () => {
  let api: Backend.Backend
  let gw: RunningExample

  beforeAll(async () => {
    api = await Backend.start((req, res) => Backend.json(res, 200, { item: req.url, signature: req.headers["x-signature"] ?? null }))
    gw = await runExample("plugins.ts", { API_URL: api.url })
  })
  afterAll(async () => {
    await gw?.stop()
    await api?.close()
  })

  it("the handler plugin rejects a request without a known key, before any backend call", async () => {
    const before = api.requests.length
    const missing = await fetch(`${gw.url}/items/3`)
    expect(missing.status).toBe(401)
    expect(await missing.json()).toEqual({ error: "unknown API key" })
    const wrong = await fetch(`${gw.url}/items/3`, { headers: { "X-Api-Key": "nope" } })
    expect(wrong.status).toBe(401)
    expect(api.requests.length).toBe(before)
  })

  it("the client plugin signs the backend call", async () => {
    const res = await fetch(`${gw.url}/items/3`, { headers: { "X-Api-Key": "k2" } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ item: "/items/3", signature: signature("s3cret", "GET", "/items/3") })
  })

  it("a backend without the client plugin is called unsigned", async () => {
    const res = await fetch(`${gw.url}/public/4`, { headers: { "X-Api-Key": "k1" } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ item: "/items/4", signature: null })
  })
})
