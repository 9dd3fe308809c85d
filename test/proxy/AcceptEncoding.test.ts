/**
 * A decoded backend gets the gateway's own Accept-Encoding (it can only inflate gzip/deflate), a
 * no-op backend gets the client's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { callBackend, service, success } from "./Fixtures.ts"

describe("Accept-Encoding towards backends", () => {
  let echo: Backend.Backend
  beforeAll(async () => {
    echo = await Backend.start((req, res) => Backend.json(res, 200, { ae: req.headers["accept-encoding"] ?? null }))
  })
  afterAll(() => echo.close())

  const headers = { "Accept-Encoding": ["br, zstd"] }

  it("replaces a forwarded Accept-Encoding with gzip for a json backend", async () => {
    const res = success(await callBackend({ host: [echo.url], url_pattern: "/x" }, { headers }))
    expect(res.data).toEqual({ ae: "gzip" })
  })

  it("drops it with disable_compression", async () => {
    const res = success(await callBackend({ host: [echo.url], url_pattern: "/x" }, { headers }, service({ disable_compression: true })))
    expect(res.data).toEqual({ ae: null })
  })

  it("keeps the client's for a no-op backend", async () => {
    await callBackend({ host: [echo.url], url_pattern: "/x", encoding: "no-op" }, { headers })
    expect(echo.requests.at(-1)!.headers["accept-encoding"]).toBe("br, zstd")
  })
})

describe("query escaping towards backends", () => {
  it("escapes like Go's url.QueryEscape (space as +, !'()* percent-encoded)", async () => {
    const { queryEscape } = await import("../../src/proxy/HostSelection.ts")
    expect(queryEscape("a b!'()*~-_.")).toBe("a+b%21%27%28%29%2A~-_.")
    expect(queryEscape("x&y=z/é")).toBe("x%26y%3Dz%2F%C3%A9")
  })
})
