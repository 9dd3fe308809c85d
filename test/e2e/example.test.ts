/**
 * The example gateway `npm start` serves: it aggregates the gateway's own /__echo/ and /__debug/.
 */
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort, type RunningSluice, startSluice } from "../support/Sluice.ts"

describe("examples/gateway.json", () => {
  let gw: RunningSluice

  beforeAll(async () => {
    const port = await freePort()
    const config = JSON.parse(readFileSync(new URL("../../examples/gateway.json", import.meta.url), "utf8")) as Record<string, unknown>
    gw = await startSluice({ ...config, port, listen_ip: "127.0.0.1", host: [`http://127.0.0.1:${port}`] }, ["-p", String(port)])
  })
  afterAll(() => gw?.stop("SIGKILL"))

  it("aggregates echo and debug into one object", async () => {
    const res = await fetch(`${gw.url}/demo/42?lang=en&drop=1`, { headers: { "X-Request-Id": "abc" } })
    expect(res.status).toBe(200)
    expect(res.headers.get("x-krakend-completed")).toBe("true")
    expect(res.headers.get("cache-control")).toBe("public, max-age=60")
    expect(await res.json()).toEqual({
      echo: {
        req_method: "GET",
        req_querystring: { lang: ["en"] },
        req_headers: { "X-Request-Id": ["abc"] },
        backend_uri: "/__echo/users/42?lang=en"
      },
      debug: { message: "pong" }
    })
  })

  it("answers partially when one backend fails", async () => {
    const res = await fetch(`${gw.url}/demo/42/partial`)
    expect(res.status).toBe(200)
    expect(res.headers.get("x-krakend-completed")).toBe("false")
    expect(await res.json()).toEqual({ echo: { req_uri: "/__echo/users/42" } })
  })

  it("applies target then deny", async () => {
    const res = await fetch(`${gw.url}/demo/42/uri`)
    expect(await res.json()).toEqual({ host: "", path: "/__echo/users/42", query: "" })
  })
})
