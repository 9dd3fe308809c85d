/**
 * `examples/plugins.json` (`npm run start:plugins`): the bundled server loads the three plugin
 * kinds from `examples/plugins/` (a relative folder, resolved against the working directory).
 */
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort, type RunningSluice, startSluice } from "../support/Sluice.ts"

describe("examples/plugins.json", () => {
  let gw: RunningSluice

  beforeAll(async () => {
    const port = await freePort()
    const config = JSON.parse(readFileSync(new URL("../../examples/plugins.json", import.meta.url), "utf8")) as Record<string, unknown>
    expect(config["plugin"]).toEqual({ folder: "./examples/plugins", pattern: ".plugin." })
    gw = await startSluice({ ...config, listen_ip: "127.0.0.1", host: [`http://127.0.0.1:${port}`] }, ["-p", String(port)])
  })
  afterAll(() => gw?.stop())

  it("the handler answers /__info as JSON and stamps every other answer", async () => {
    const info = await fetch(`${gw.url}/__info`)
    expect([info.status, await info.json()]).toEqual([200, { gateway: "sluice-plugins-example", plugins: ["gateway-info", "tenant", "weather"] }])
    const health = await fetch(`${gw.url}/__health`)
    expect(health.headers.get("x-gateway")).toBe("sluice-plugins-example")
  })

  it("the modifier sends X-Tenant to the backend (no input_headers needed) and stamps the answer; ?tenant=blocked → 403", async () => {
    const res = await fetch(`${gw.url}/tenant/7`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ echo: { req_uri: "/__echo/users/7", req_headers: { "X-Tenant": ["acme"] } }, tenant: "acme" })
    const blocked = await fetch(`${gw.url}/tenant/7?tenant=blocked`)
    expect(blocked.status).toBe(403)
  })

  it("the client plugin answers its backend next to a plain one; an unknown city is a partial answer", async () => {
    const paris = await fetch(`${gw.url}/weather/paris`)
    expect([paris.status, paris.headers.get("x-krakend-completed"), await paris.json()]).toEqual([
      200,
      "true",
      { celsius: 14, source: "weather plugin", req_uri: "/__echo/cities/paris" }
    ])
    const rome = await fetch(`${gw.url}/weather/rome`)
    expect([rome.status, rome.headers.get("x-krakend-completed"), await rome.json()]).toEqual([200, "false", { req_uri: "/__echo/cities/rome" }])
  })
})
