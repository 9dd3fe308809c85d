/**
 * `validation/cel` on JWT claims through `sluice run` (SCRIPTING.md §8.2 C7): the expressions that
 * contain `JWT` run inside `auth/validator` on a valid token's claims, before its roles check; a
 * false one answers 401 with an empty body and the backend is not called. Where KrakenD would
 * never run them (no validator, a backend), they stop the start.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Jwt from "../auth/Support.ts"
import * as Backend from "../support/Backend.ts"
import { runCli, type RunningSluice, startSluice, writeConfig } from "../support/Sluice.ts"

let backend: Backend.Backend
let gw: RunningSluice
let key: Jwt.TestKey

beforeAll(async () => {
  backend = await Backend.start((_req, res) => Backend.json(res, 200, { ok: true }))
  key = await Jwt.key("HS256", "k1")
  const file = Jwt.jwksFile([key.jwk])
  gw = await startSluice({
    version: 3,
    host: [backend.url],
    endpoints: [{
      endpoint: "/admin",
      extra_config: {
        "auth/validator": { alg: "HS256", jwk_local_path: file, roles: ["user"] },
        "validation/cel": [
          { check_expr: "size(JWT.roles) > 1 && timestamp(now) < timestamp(int(JWT.exp))" },
          { check_expr: "req_method == 'GET'" }
        ]
      },
      backend: [{ url_pattern: "/x" }]
    }]
  })
})
afterAll(async () => {
  await gw?.stop()
  await backend?.close()
})

const get = async (roles: ReadonlyArray<string>) => {
  const before = backend.requests.length
  const res = await fetch(`${gw.url}/admin`, { headers: { authorization: `Bearer ${await Jwt.token(key, { roles })}` } })
  return { status: res.status, body: await res.text(), calls: backend.requests.length - before }
}

describe("CEL on JWT claims", () => {
  it("C7 a false check on a valid token's claims: 401, empty body, the backend not called", async () => {
    expect(await get(["user"])).toEqual({ status: 401, body: "", calls: 0 })
  })

  it("true: the request goes on (the roles check and the request checks still apply)", async () => {
    expect(await get(["user", "admin"])).toMatchObject({ status: 200, calls: 1 })
    // two roles pass the claims check; without "user" the roles check then answers 403
    expect((await get(["x", "y"])).status).toBe(403)
  })

  it("where KrakenD would never run it, the start stops", async () => {
    const check = (endpoint: Record<string, unknown>) =>
      runCli(["check", "-c", writeConfig({ version: 3, host: ["http://127.0.0.1:1"], endpoints: [{ endpoint: "/a", backend: [{ url_pattern: "/" }], ...endpoint }] })])
    const noValidator = await check({ extra_config: { "validation/cel": [{ check_expr: "'a' in JWT.roles" }] } })
    expect(noValidator.code).toBe(1)
    expect(noValidator.stderr).toContain("needs an auth/validator on this endpoint")
    const atBackend = await check({ backend: [{ url_pattern: "/", extra_config: { "validation/cel": [{ check_expr: "'a' in JWT.roles" }] } }] })
    expect(atBackend.code).toBe(1)
    expect(atBackend.stderr).toContain("$.endpoints[0].backend[0].extra_config[\"validation/cel\"][0].check_expr")
  })
})
