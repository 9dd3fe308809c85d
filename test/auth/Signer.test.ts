/**
 * `auth/signer` over real HTTP: KrakenD CE's `jwt_4` fixture reproduced byte for byte (HS256,
 * kid `sim2`, the fixture's JWK set), the token verified with the same JWK by `jose`, the full
 * serialization, non-object keys left alone, RS256/ES256 tokens that verify, and the start errors.
 */
import { compactVerify, exportJWK, flattenedVerify, generateKeyPair, importJWK } from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { type Served, serve } from "../semantics/Harness.ts"
import * as Jwt from "./Support.ts"

/** The JWK set of KrakenD CE's integration tests (`tests/integration.go` symmetricJWKEndpoint). */
const ceKeys = [
  { kty: "oct", alg: "A128KW", k: "GawgguFyGrWKav7AX4VKUg", kid: "sim1" },
  { kty: "oct", k: "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow", kid: "sim2", alg: "HS256" }
]

const accessToken = {
  aud: "http://api.example.com",
  iss: "https://krakend.io",
  sub: "1234567890qwertyuio",
  jti: "mnb23vcsrt756yuiomnbvcx98ertyuiop",
  roles: ["role_y"],
  exp: 1735689600
}

let backend: Backend.Backend
let gw: Served
let rsJwk: Record<string, unknown>
let esJwk: Record<string, unknown>

beforeAll(async () => {
  backend = await Backend.start((req, res) =>
    req.url === "/fail" ? Backend.json(res, 500, {}) : Backend.json(res, 200, { message: "pong", html: "<b>&</b>", nested: { z: 1, a: { y: 2, b: 3 } } }))
  const rs = await generateKeyPair("RS256", { extractable: true })
  const es = await generateKeyPair("ES256", { extractable: true })
  rsJwk = { ...await exportJWK(rs.privateKey), kid: "rs-sign", alg: "RS256" }
  esJwk = { ...await exportJWK(es.privateKey), kid: "es-sign", alg: "ES256" }
  const hsFile = Jwt.jwksFile(ceKeys)
  const signer = (extra: Record<string, unknown>) => ({ "auth/signer": { alg: "HS256", kid: "sim2", keys_to_sign: ["access_token"], jwk_local_path: hsFile, ...extra } })
  const tokenData = { proxy: { static: { strategy: "always", data: { access_token: accessToken } } } }
  gw = await serve({
    version: 3,
    host: [backend.url],
    endpoints: [
      { endpoint: "/token", cache_ttl: "1m", backend: [{ url_pattern: "/echo", deny: ["message", "html", "nested"] }], extra_config: { ...tokenData, ...signer({}) } },
      { endpoint: "/full", backend: [{ url_pattern: "/echo", deny: ["message", "html", "nested"] }], extra_config: { ...tokenData, ...signer({ full: true }) } },
      { endpoint: "/mixed", output_encoding: "xml", backend: [{ url_pattern: "/echo" }], extra_config: signer({ keys_to_sign: ["nested", "message", "missing"] }) },
      { endpoint: "/fail", backend: [{ url_pattern: "/fail" }], extra_config: signer({}) },
      {
        endpoint: "/rs",
        backend: [{ url_pattern: "/echo", group: "claims" }],
        extra_config: { "auth/signer": { alg: "RS256", kid: "rs-sign", keys_to_sign: ["claims"], jwk_local_path: Jwt.jwksFile([rsJwk]) } }
      },
      {
        endpoint: "/es",
        backend: [{ url_pattern: "/echo", group: "claims" }],
        extra_config: { "auth/signer": { alg: "ES256", kid: "es-sign", keys_to_sign: ["claims"], jwk_local_path: Jwt.jwksFile([esJwk]) } }
      }
    ]
  })
})
afterAll(async () => {
  await gw?.close()
  await backend?.close()
})

describe("auth/signer", () => {
  it("37 reproduces KrakenD CE's jwt_4 answer byte for byte: always JSON, no completeness header, no Cache-Control", async () => {
    const res = await fetch(`${gw.url}/token`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe(
      "{\"access_token\":\"eyJhbGciOiJIUzI1NiIsImtpZCI6InNpbTIiLCJ0eXAiOiJKV1QifQ.eyJhdWQiOiJodHRwOi8vYXBpLmV4YW1wbGUuY29tIiwiZXhwIjoxNzM1Njg5NjAwLCJpc3MiOiJodHRwczovL2tyYWtlbmQuaW8iLCJqdGkiOiJtbmIyM3Zjc3J0NzU2eXVpb21uYnZjeDk4ZXJ0eXVpb3AiLCJyb2xlcyI6WyJyb2xlX3kiXSwic3ViIjoiMTIzNDU2Nzg5MHF3ZXJ0eXVpbyJ9.zkfOW6Fsd0DzhYTXjc_SA3oOv2mG76JZTAvRaVibPNA\"}"
    )
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8")
    expect(res.headers.get("x-krakend-completed")).toBeNull()
    expect(res.headers.get("cache-control")).toBeNull()
  })

  it("a token it made verifies with the same JWK", async () => {
    const { access_token: token } = await (await fetch(`${gw.url}/token`)).json() as { access_token: string }
    const key = await importJWK(ceKeys[1]!, "HS256")
    const { payload, protectedHeader } = await compactVerify(token, key, { algorithms: ["HS256"] })
    expect(protectedHeader).toEqual({ alg: "HS256", kid: "sim2", typ: "JWT" })
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(accessToken)
  })

  it("39 full: the value is a string holding the flattened JSON serialization", async () => {
    const body = await (await fetch(`${gw.url}/full`)).json() as { access_token: string }
    expect(typeof body.access_token).toBe("string")
    const jws = JSON.parse(body.access_token) as { payload: string; protected: string; signature: string }
    expect(Object.keys(jws)).toEqual(["payload", "protected", "signature"])
    const verified = await flattenedVerify(jws, await importJWK(ceKeys[1]!, "HS256"))
    expect(JSON.parse(new TextDecoder().decode(verified.payload))).toEqual(accessToken)
  })

  it("38 signs only object values: strings and missing keys are left as they are; keys sorted and HTML escaped like Go", async () => {
    const res = await fetch(`${gw.url}/mixed`)
    const text = await res.text()
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8")
    const body = JSON.parse(text) as { message: string; html: string; nested: string }
    expect(body.message).toBe("pong")
    expect(text).toContain("\"html\":\"\\u003cb\\u003e\\u0026\\u003c/b\\u003e\"")
    expect(text.indexOf("\"html\"")).toBeLessThan(text.indexOf("\"message\""))
    const payload = Buffer.from(body.nested.split(".")[1]!, "base64url").toString()
    expect(payload).toBe("{\"a\":{\"b\":3,\"y\":2},\"z\":1}")
  })

  it("a failing backend: 400 with an empty body", async () => {
    const res = await fetch(`${gw.url}/fail`)
    expect([res.status, await res.text()]).toEqual([400, ""])
  })

  it("RS256 and ES256 tokens verify with the public part of the key", async () => {
    for (const [path, jwk, alg] of [["/rs", rsJwk, "RS256"], ["/es", esJwk, "ES256"]] as const) {
      const { claims } = await (await fetch(`${gw.url}${path}`)).json() as { claims: string }
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk
      const { payload } = await compactVerify(claims, await importJWK(publicJwk, alg), { algorithms: [alg] })
      expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ message: "pong" })
    }
  })
})

describe("auth/signer under its legacy name", () => {
  it("github.com/devopsfaith/krakend-jose/signer signs exactly like auth/signer", async () => {
    const legacy = await serve({
      version: 3,
      host: [backend.url],
      endpoints: [{
        endpoint: "/token",
        backend: [{ url_pattern: "/echo", deny: ["message", "html", "nested"] }],
        extra_config: {
          proxy: { static: { strategy: "always", data: { access_token: accessToken } } },
          "github.com/devopsfaith/krakend-jose/signer": { alg: "HS256", kid: "sim2", keys_to_sign: ["access_token"], jwk_local_path: Jwt.jwksFile(ceKeys) }
        }
      }]
    })
    try {
      const legacyBody = await (await fetch(`${legacy.url}/token`)).text()
      expect(legacyBody).toBe(await (await fetch(`${gw.url}/token`)).text())
    } finally {
      await legacy.close()
    }
  })
})

describe("auth/signer start errors", () => {
  const startError = async (signer: Record<string, unknown>) => {
    try {
      await (await serve({
        version: 3,
        host: [backend.url],
        endpoints: [{ endpoint: "/t", backend: [{ url_pattern: "/echo" }], extra_config: { "github.com/devopsfaith/krakend-jose/signer": signer } }]
      })).close()
    } catch (e) {
      return String(e)
    }
    return "started"
  }
  const at = "$.endpoints[0].extra_config[\"github.com/devopsfaith/krakend-jose/signer\"]"

  it("an unknown kid, a public key, an unreachable JWK URL or a missing file fail the start with their path", async () => {
    const base = { alg: "HS256", kid: "nope", keys_to_sign: ["a"], jwk_local_path: Jwt.jwksFile(ceKeys) }
    expect(await startError(base)).toContain(`${at}.kid: no key 'nope' in the JWK set`)
    const rs = await Jwt.key("RS256", "pub")
    expect(await startError({ ...base, alg: "RS256", kid: "pub", jwk_local_path: Jwt.jwksFile([rs.jwk]) })).toContain("a signer needs the private key")
    expect(await startError({ alg: "HS256", kid: "sim2", keys_to_sign: ["a"], jwk_url: "http://127.0.0.1:1/jwks", disable_jwk_security: true }))
      .toContain(`${at}.jwk_url: cannot download the signing key`)
    expect(await startError({ ...base, jwk_local_path: "./missing.json" })).toContain(`${at}.jwk_local_path: cannot read the JWK set`)
  })
})
