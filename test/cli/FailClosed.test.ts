/**
 * The fail-closed rule and KrakenD's legacy names through the real command line: `sluice check`
 * exits 1 naming the path and the reason; `sluice run` refuses before listening; the
 * `sluice/compat` escape hatch starts with one WARNING per ignored use; the CORS and bot
 * detector features work over real HTTP under their legacy names.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { runCli, startSluice, writeConfig } from "../support/Sluice.ts"

let backend: Backend.Backend
beforeAll(async () => {
  backend = await Backend.start((_req, res) => Backend.json(res, 200, { ok: true }))
})
afterAll(() => backend.close())

/** The 1.x name of auth/client-credentials, a protection Sluice does not implement yet. */
const LEGACY = "github.com/devopsfaith/krakend-oauth2-clientcredentials"

const protectedConfig = (extra: Record<string, unknown> = {}) => ({
  version: 3,
  host: [backend.url],
  extra_config: extra,
  endpoints: [{
    endpoint: "/private",
    backend: [{
      url_pattern: "/secret",
      extra_config: { [LEGACY]: { client_id: "id", client_secret: "secret", token_url: "https://idp.example/token" } }
    }]
  }]
})

describe("sluice check and run on an unimplemented protection", () => {
  it("check exits 1 with the JSON path (as written) and the reason", async () => {
    const r = await runCli(["check", "-c", writeConfig(protectedConfig())])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`$.endpoints[0].backend[0].extra_config[${JSON.stringify(LEGACY)}]`)
    expect(r.stderr).toContain("namespace \"auth/client-credentials\" is not implemented by Sluice yet: the backend would be called without it")
    expect(r.stdout).not.toContain("Syntax OK")
  })

  it("run refuses to start, before listening, and the backend is never called", async () => {
    const before = backend.requests.length
    const r = await runCli(["run", "-c", writeConfig(protectedConfig()), "-p", "0", "--workers", "1"])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("krakend-oauth2-clientcredentials")
    expect(r.stdout + r.stderr).not.toContain("listening")
    expect(backend.requests.length).toBe(before)
  })

  it("check refuses the underscore near miss that KrakenD 2 would silently ignore", async () => {
    const config = protectedConfig()
    const endpoint = {
      endpoint: "/private",
      extra_config: { "github_com/devopsfaith/krakend-jose/validator": { alg: "RS256" } },
      backend: [{ url_pattern: "/secret" }]
    }
    const r = await runCli(["check", "-c", writeConfig({ ...config, endpoints: [endpoint] })])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("KrakenD 2 ignores this spelling and the endpoint would be served without it; write \"auth/validator\"")
  })

  it("with sluice/compat.ignore the gateway starts, logs one WARNING per ignored use, and serves", async () => {
    const config = protectedConfig({ "sluice/compat": { ignore: ["auth/client-credentials"] } })
    const gw = await startSluice({ ...config, endpoints: [...config.endpoints, { ...config.endpoints[0]!, endpoint: "/private2" }] })
    try {
      const warnings = gw.output().split("\n").filter((line) => line.includes("IGNORED"))
      expect(warnings).toHaveLength(2)
      expect(warnings[0]).toContain("SLUICE WARNING: config ")
      expect(warnings[0]).toContain(`$.endpoints[0].backend[0].extra_config[${JSON.stringify(LEGACY)}]`)
      expect(warnings[1]).toContain(`$.endpoints[1].backend[0].extra_config[${JSON.stringify(LEGACY)}]`)
      expect(gw.output()).toContain(
        `SLUICE INFO: config $.endpoints[0].backend[0].extra_config[${JSON.stringify(LEGACY)}]: legacy name of "auth/client-credentials"`
      )
      const answer = await fetch(`${gw.url}/private`)
      expect(answer.status).toBe(200)
    } finally {
      await gw.stop()
    }
  })

  it("check prints legacy names as INFO with the current spelling", async () => {
    const r = await runCli(["check", "-c", writeConfig({
      version: 3,
      host: [backend.url],
      extra_config: { "github_com/devopsfaith/krakend-cors": { allow_origins: ["https://a.example"] } },
      endpoints: [{ endpoint: "/a", backend: [{ url_pattern: "/a" }] }]
    })])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("INFO $.extra_config[\"github_com/devopsfaith/krakend-cors\"]: legacy name of \"security/cors\"")
  })
})

describe("implemented protections under their legacy names, over real HTTP", () => {
  it("CORS (github_com/devopsfaith/krakend-cors) answers preflights and decorates answers", async () => {
    const gw = await startSluice({
      version: 3,
      host: [backend.url],
      extra_config: { "github_com/devopsfaith/krakend-cors": { allow_origins: ["https://app.example"], allow_methods: ["GET"] } },
      endpoints: [{ endpoint: "/a", backend: [{ url_pattern: "/a" }] }]
    })
    try {
      const preflight = await fetch(`${gw.url}/a`, {
        method: "OPTIONS",
        headers: { Origin: "https://app.example", "Access-Control-Request-Method": "GET" }
      })
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example")
      const other = await fetch(`${gw.url}/a`, { headers: { Origin: "https://evil.example" } })
      expect(other.status).toBe(200)
      expect(other.headers.get("access-control-allow-origin")).toBeNull()
      const allowed = await fetch(`${gw.url}/a`, { headers: { Origin: "https://app.example" } })
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example")
    } finally {
      await gw.stop()
    }
  })

  it("the bot detector (github_com/devopsfaith/krakend-botdetector) refuses bots at service and endpoint level", async () => {
    const before = backend.requests.length
    const gw = await startSluice({
      version: 3,
      host: [backend.url],
      extra_config: { "github_com/devopsfaith/krakend-botdetector": { deny: ["EvilBot/1.0"] } },
      endpoints: [{
        endpoint: "/a",
        extra_config: { "github_com/devopsfaith/krakend-botdetector": { patterns: ["(?i)crawler"] } },
        backend: [{ url_pattern: "/a" }]
      }]
    })
    try {
      expect((await fetch(`${gw.url}/a`, { headers: { "User-Agent": "EvilBot/1.0" } })).status).toBe(403)
      expect((await fetch(`${gw.url}/a`, { headers: { "User-Agent": "SomeCrawler 2" } })).status).toBe(403)
      expect(backend.requests.length).toBe(before)
      expect((await fetch(`${gw.url}/a`, { headers: { "User-Agent": "Mozilla/5.0" } })).status).toBe(200)
      expect(backend.requests.length).toBe(before + 1)
    } finally {
      await gw.stop()
    }
  })
})
