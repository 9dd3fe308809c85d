/**
 * `auth/validator` over real HTTP (the gateway on 127.0.0.1 port 0, a loopback echo backend):
 * tokens made at test time with `jose`, local JWK sets written to temp files. Every refusal is
 * checked for KrakenD's exact answer (status, empty body, no Content-Type, Cache-Control or
 * X-Krakend-Completed) and for the backend never being called. AUTH-TLS.md §8 numbers the cases.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { type Served, serve } from "../semantics/Harness.ts"
import * as Jwt from "./Support.ts"

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly body: string
  /** What the backend saw (the echo), for a 200. */
  readonly echo: { readonly path: string; readonly headers: Record<string, string | Array<string>> } | undefined
}

let backend: Backend.Backend
let gw: Served
let hs: Jwt.TestKey
let rs: Jwt.TestKey
let es: Jwt.TestKey
let ed: Jwt.TestKey
let hs512: Jwt.TestKey

const get = async (path: string, headers: Record<string, string> = {}): Promise<Answer> => {
  const res = await fetch(`${gw.url}${path}`, { headers })
  const body = await res.text()
  return { status: res.status, headers: res.headers, body, echo: res.status === 200 ? JSON.parse(body) : undefined }
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` })

/** KrakenD's refusal: the status, an empty body, none of the endpoint's headers. */
const expectRefused = (answer: Answer, status: 401 | 403) => {
  expect(answer.status).toBe(status)
  expect(answer.body).toBe("")
  expect(answer.headers.get("content-type")).toBeNull()
  expect(answer.headers.get("cache-control")).toBeNull()
  expect(answer.headers.get("x-krakend-completed")).toBeNull()
}

const validator = (k: Jwt.TestKey, file: string, extra: Record<string, unknown> = {}) => ({
  "auth/validator": { alg: k.alg, jwk_local_path: file, ...extra }
})

beforeAll(async () => {
  backend = await Backend.start((req, res) => Backend.json(res, 200, { path: req.url, headers: req.headers }))
  ;[hs, rs, es, ed, hs512] = await Promise.all([
    Jwt.key("HS256", "sim2"),
    Jwt.key("RS256", "rs1"),
    Jwt.key("ES256", "es1"),
    Jwt.key("EdDSA", "ed1"),
    Jwt.key("HS512", "sim2")
  ])
  const hsFile = Jwt.jwksFile([hs.jwk])
  const rsFile = Jwt.jwksFile([rs.jwk])
  const endpoint = (path: string, extra: Record<string, unknown>, fields: Record<string, unknown> = {}) => ({
    endpoint: path,
    cache_ttl: "1m",
    backend: [{ url_pattern: "/echo" }],
    extra_config: extra,
    ...fields
  })
  gw = await serve({
    version: 3,
    host: [backend.url],
    endpoints: [
      endpoint("/hs", validator(hs, hsFile)),
      endpoint("/rs", validator(rs, rsFile)),
      endpoint("/es", validator(es, Jwt.jwksFile([es.jwk]))),
      endpoint("/ed", validator(ed, Jwt.jwksFile([ed.jwk]))),
      endpoint("/leeway10", validator(hs, hsFile, { leeway: "10s" })),
      endpoint("/leeway0", validator(hs, hsFile, { leeway: "0s" })),
      endpoint("/iss", validator(hs, hsFile, { issuer: "https://idp.example" })),
      endpoint("/aud", validator(hs, hsFile, { audience: ["a", "b"] })),
      endpoint("/aud1", validator(hs, hsFile, { audience: ["a"] })),
      endpoint("/cookie", validator(hs, hsFile, { cookie_key: "TOKEN" })),
      endpoint("/header", validator(hs, hsFile, { auth_header_name: "X-Token" })),
      endpoint("/roles", validator(hs, hsFile, { roles: ["role_a", "role_c"] })),
      endpoint("/roles-nested", validator(hs, hsFile, { roles: ["admin"], roles_key: "realm_access.roles", roles_key_is_nested: true })),
      endpoint("/roles-flat", validator(hs, hsFile, { roles: ["admin"], roles_key: "realm_access.roles" })),
      endpoint("/roles-url", validator(hs, hsFile, { roles: ["admin"], roles_key: "http://api.example.com/roles", roles_key_is_nested: true })),
      endpoint("/scopes-any", validator(hs, hsFile, { scopes: ["a", "b"], scopes_key: "scope" })),
      endpoint("/scopes-all", validator(hs, hsFile, { scopes: ["a", "b"], scopes_key: "scope", scopes_matcher: "all" })),
      endpoint("/scopes-nested", validator(hs, hsFile, { scopes: ["read"], scopes_key: "authz.scopes" })),
      endpoint("/prop", validator(hs, hsFile, {
        propagate_claims: [["sub", "X-User"], ["n", "X-N"], ["f", "x-f"], ["arr", "X-Arr"], ["obj", "X-Obj"], ["a.b", "X-Nested"], [
          "http://example.com/tenant",
          "X-Tenant"
        ], ["missing", "X-Missing"]]
      })),
      endpoint("/prop-preserve", validator(hs, hsFile, { propagate_claims: [["arr", "X-Arr"]], propagate_claims_preserve_array: true })),
      endpoint("/prop-underscore", validator(hs, hsFile, { propagate_claims: [["sub", "X_User"]] }), { input_headers: ["*"] }),
      {
        endpoint: "/limited-empty",
        backend: [{ url_pattern: "/echo" }],
        extra_config: {
          ...validator(hs, hsFile, { propagate_claims: [["grp", "X-Grp"]], propagate_claims_preserve_array: true }),
          "qos/ratelimit/router": { client_max_rate: 1, strategy: "header", key: "X-Grp", every: "1h" }
        }
      },
      {
        endpoint: "/prop-backend",
        input_headers: ["X-Other", "X-Third"],
        backend: [{ url_pattern: "/echo", input_headers: ["X-Other"] }],
        extra_config: validator(hs, hsFile, { propagate_claims: [["sub", "X-User"]] })
      },
      {
        endpoint: "/param",
        backend: [{ url_pattern: "/p/{JWT.sub}/{JWT.http://example.com/tenant}/{JWT.user.id}/{JWT.missing}?t={JWT.sub}" }],
        extra_config: validator(hs, hsFile)
      },
      {
        endpoint: "/limited",
        backend: [{ url_pattern: "/echo" }],
        extra_config: {
          ...validator(hs, hsFile, { propagate_claims: [["sub", "X-User"]] }),
          "qos/ratelimit/router": { client_max_rate: 1, strategy: "header", key: "X-User", every: "1h" }
        }
      },
      {
        endpoint: "/bot",
        backend: [{ url_pattern: "/echo" }],
        extra_config: { ...validator(hs, hsFile), "security/bot-detector": { deny: ["EvilBot"] } }
      },
      {
        endpoint: "/legacy",
        backend: [{ url_pattern: "/echo" }],
        extra_config: { "github.com/devopsfaith/krakend-jose/validator": { alg: "HS256", jwk_local_path: hsFile, roles: ["r"] } }
      },
      { endpoint: "/open", backend: [{ url_pattern: "/echo" }] }
    ]
  })
})

afterAll(async () => {
  await gw?.close()
  await backend?.close()
})

describe("tokens", () => {
  it("a valid token reaches the backend, for HS256, RS256, ES256 and EdDSA; complete answers keep their headers", async () => {
    for (const [path, k] of [["/hs", hs], ["/rs", rs], ["/es", es], ["/ed", ed]] as const) {
      const answer = await get(path, bearer(await Jwt.token(k)))
      expect(answer.status, path).toBe(200)
      expect(answer.echo?.path).toBe("/echo")
      expect(answer.headers.get("x-krakend-completed")).toBe("true")
      expect(answer.headers.get("cache-control")).toBe("public, max-age=60")
    }
  })

  it("no token: 401, and the backend is never called", async () => {
    const before = backend.requests.length
    expectRefused(await get("/hs"), 401)
    expect(backend.requests.length).toBe(before)
  })

  it("1 alg none, 2 alg confusion, 3 a supported but other alg: 401", async () => {
    expectRefused(await get("/rs", bearer(Jwt.unsigned())), 401)
    // HS256 signed with the RSA public key's JWK bytes as the secret
    const confused: Jwt.TestKey = { alg: "HS256", kid: "rs1", sign: new TextEncoder().encode(JSON.stringify(rs.jwk)), jwk: {} }
    expectRefused(await get("/rs", bearer(await Jwt.token(confused))), 401)
    expectRefused(await get("/hs", bearer(await Jwt.token(hs512))), 401)
  })

  it("a bad signature, a malformed token, a payload that is not an object: 401", async () => {
    const good = await Jwt.token(hs)
    const [h, p] = good.split(".")
    expectRefused(await get("/hs", bearer(`${h}.${p}.${Buffer.from("forged").toString("base64url")}`)), 401)
    expectRefused(await get("/hs", bearer("not-a-token")), 401)
    expectRefused(await get("/hs", bearer("a.b.c")), 401)
    const other = await Jwt.key("HS256", "sim2")
    expectRefused(await get("/hs", bearer(await Jwt.token(other))), 401)
  })

  it("an unknown or a missing kid: 401", async () => {
    expectRefused(await get("/hs", bearer(await Jwt.token({ ...hs, kid: "nope" }))), 401)
    expectRefused(await get("/hs", bearer(await Jwt.token(hs, {}, { kid: undefined }))), 401)
  })

  it("4 expired: 401; within leeway 10s: 200; 5 leeway 0s is raised to 1s; 6 no exp: 200", async () => {
    expectRefused(await get("/hs", bearer(await Jwt.token(hs, { exp: Jwt.at(-5) }))), 401)
    expect((await get("/leeway10", bearer(await Jwt.token(hs, { exp: Jwt.at(-5) })))).status).toBe(200)
    // exp = now (whole seconds): under a 0s leeway this fails within the second; the 1s floor admits it
    expect((await get("/leeway0", bearer(await Jwt.token(hs, { exp: Jwt.at(0) })))).status).toBe(200)
    expect((await get("/hs", bearer(await Jwt.token(hs, { exp: undefined })))).status).toBe(200)
  })

  it("7 nbf in the future, 8 iat in the future: 401; in the past: 200", async () => {
    expectRefused(await get("/hs", bearer(await Jwt.token(hs, { nbf: Jwt.at(60) }))), 401)
    expectRefused(await get("/hs", bearer(await Jwt.token(hs, { iat: Jwt.at(60) }))), 401)
    expect((await get("/hs", bearer(await Jwt.token(hs, { nbf: Jwt.at(-60), iat: Jwt.at(-60) })))).status).toBe(200)
  })

  it("registered claims of the wrong type: 401", async () => {
    expectRefused(await get("/hs", bearer(await Jwt.token(hs, { exp: "tomorrow" }))), 401)
    expectRefused(await get("/aud1", bearer(await Jwt.token(hs, { aud: 5 }))), 401)
  })

  it("9 issuer: exact match only", async () => {
    expect((await get("/iss", bearer(await Jwt.token(hs, { iss: "https://idp.example" })))).status).toBe(200)
    expectRefused(await get("/iss", bearer(await Jwt.token(hs, { iss: "https://IDP.example" }))), 401)
    expectRefused(await get("/iss", bearer(await Jwt.token(hs))), 401)
  })

  it("10 audience: every configured value must be present", async () => {
    expectRefused(await get("/aud", bearer(await Jwt.token(hs, { aud: ["a"] }))), 401)
    expect((await get("/aud", bearer(await Jwt.token(hs, { aud: ["b", "a", "c"] })))).status).toBe(200)
    expect((await get("/aud1", bearer(await Jwt.token(hs, { aud: "a" })))).status).toBe(200)
    expectRefused(await get("/aud1", bearer(await Jwt.token(hs))), 401)
  })
})

describe("where the token is read", () => {
  it("19 the access_token cookie by default, or cookie_key", async () => {
    const t = await Jwt.token(hs)
    expect((await get("/hs", { cookie: `other=1; access_token=${t}` })).status).toBe(200)
    expect((await get("/cookie", { cookie: `TOKEN=${t}` })).status).toBe(200)
    expectRefused(await get("/cookie", { cookie: `access_token=${t}` }), 401)
  })

  it("20 the header beats the cookie: an invalid header token is final", async () => {
    const t = await Jwt.token(hs)
    expectRefused(await get("/hs", { authorization: "Bearer garbage", cookie: `access_token=${t}` }), 401)
    expect((await get("/hs", { authorization: "", cookie: `access_token=${t}` })).status).toBe(200)
  })

  it("21 a bare token and any case of Bearer; auth_header_name", async () => {
    const t = await Jwt.token(hs)
    expect((await get("/hs", { authorization: t })).status).toBe(200)
    expect((await get("/hs", { authorization: `bearer ${t}` })).status).toBe(200)
    expect((await get("/hs", { authorization: `BEARER ${t}` })).status).toBe(200)
    expect((await get("/header", { "x-token": t })).status).toBe(200)
    expectRefused(await get("/header", bearer(t)), 401)
  })
})

describe("roles and scopes", () => {
  it("22 roles: one required role held → 200, none → 403; 23 a space-separated string", async () => {
    expectRefused(await get("/roles", bearer(await Jwt.token(hs, { roles: ["role_y"] }))), 403)
    expectRefused(await get("/roles", bearer(await Jwt.token(hs))), 403)
    expect((await get("/roles", bearer(await Jwt.token(hs, { roles: ["role_a", "role_b"] })))).status).toBe(200)
    expect((await get("/roles", bearer(await Jwt.token(hs, { roles: "x role_c" })))).status).toBe(200)
  })

  it("a roles array with a non-string element matches nothing: 403 (KrakenD panics: 500)", async () => {
    expectRefused(await get("/roles", bearer(await Jwt.token(hs, { roles: ["role_a", 5] }))), 403)
  })

  it("24 nested roles with the flag; the same key without it is flat; 25 a URL-named key stays flat", async () => {
    const nested = await Jwt.token(hs, { realm_access: { roles: ["admin"] } })
    expect((await get("/roles-nested", bearer(nested))).status).toBe(200)
    expectRefused(await get("/roles-flat", bearer(nested)), 403)
    expect((await get("/roles-flat", bearer(await Jwt.token(hs, { "realm_access.roles": ["admin"] })))).status).toBe(200)
    expect((await get("/roles-url", bearer(await Jwt.token(hs, { "http://api.example.com/roles": ["admin"] })))).status).toBe(200)
  })

  it("26 scopes any / all, string and array forms; nested keys (27 scopes without scopes_key: a config error, see ValidatorConfig)", async () => {
    for (const scope of ["a c", ["a", "c"]]) {
      const t = await Jwt.token(hs, { scope })
      expect((await get("/scopes-any", bearer(t))).status).toBe(200)
      expectRefused(await get("/scopes-all", bearer(t)), 403)
    }
    expect((await get("/scopes-all", bearer(await Jwt.token(hs, { scope: "b a" })))).status).toBe(200)
    expectRefused(await get("/scopes-any", bearer(await Jwt.token(hs, { scope: "" }))), 403)
    expect((await get("/scopes-nested", bearer(await Jwt.token(hs, { authz: { scopes: ["read"] } })))).status).toBe(200)
  })
})

describe("propagate_claims", () => {
  it("28-31 claims reach the backend as headers without input_headers, replacing what the client sent, formatted like KrakenD", async () => {
    const t = await Jwt.token(hs, {
      n: 42,
      f: 1.5,
      arr: ["a", "b", 3],
      obj: { x: 1 },
      a: { b: "deep" },
      "http://example.com/tenant": "acme"
    })
    const answer = await get("/prop", { ...bearer(t), "x-user": "evil", "x-missing": "evil", "x-tenant": "evil" })
    expect(answer.status).toBe(200)
    const seen = answer.echo!.headers
    expect(seen["x-user"]).toBe("user-1")
    expect(seen["x-n"]).toBe("42")
    expect(seen["x-f"]).toBe("1.500000")
    expect(seen["x-arr"]).toBe("a,b,3")
    expect(seen["x-obj"]).toBe("{\"x\":1}")
    expect(seen["x-nested"]).toBe("deep")
    expect(seen["x-tenant"]).toBe("acme")
    expect(seen["x-missing"]).toBe("")
    expect(seen["authorization"]).toBeUndefined()
  })

  it("preserve-array mode sends one header value per element", async () => {
    const answer = await get("/prop-preserve", bearer(await Jwt.token(hs, { arr: ["a", "b"] })))
    const index = backend.requests.length - 1
    expect(answer.status).toBe(200)
    const raw = backend.requests[index]!.rawHeaders
    const values = raw.filter((_, i) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === "x-arr")
    expect(values).toEqual(["a", "b"])
  })

  it("a client header that a backend could read as the propagated one (case, _ for -) never sits beside it", async () => {
    const answer = await get("/prop-underscore", { ...bearer(await Jwt.token(hs)), "x_user": "admin", "x-user": "admin" })
    expect(answer.status).toBe(200)
    const raw = backend.requests[backend.requests.length - 1]!.rawHeaders
    const userish = raw.filter((_, i) => i % 2 === 0 && /^x[-_]user$/i.test(raw[i]!)).map((name) => `${name}: ${raw[raw.indexOf(name) + 1]}`)
    expect(userish).toEqual(["X_User: user-1"])
  })

  it("an empty propagated claim is the rate limit's key (no key: 429, like KrakenD), never the client's own header", async () => {
    const t = await Jwt.token(hs, { grp: [] })
    expect((await get("/limited-empty", { ...bearer(t), "x-grp": "a" })).status).toBe(429)
    expect((await get("/limited-empty", { ...bearer(t), "x-grp": "b" })).status).toBe(429)
    expect((await get("/limited-empty", bearer(await Jwt.token(hs, { grp: ["g1"] })))).status).toBe(200)
  })

  it("a propagated header passes a backend's input_headers too", async () => {
    const answer = await get("/prop-backend", { ...bearer(await Jwt.token(hs)), "x-other": "o", "x-third": "t" })
    expect(answer.echo!.headers["x-user"]).toBe("user-1")
    expect(answer.echo!.headers["x-other"]).toBe("o")
    expect(answer.echo!.headers["x-third"]).toBeUndefined()
  })
})

describe("{JWT.x} placeholders", () => {
  it("32-34 are filled from the token: flat, URL-named and nested claims; a missing claim stays literal", async () => {
    const t = await Jwt.token(hs, { "http://example.com/tenant": "acme", user: { id: 7 } })
    const answer = await get("/param", bearer(t))
    expect(answer.echo!.path).toBe("/p/user-1/acme/7/{JWT.missing}?t=user-1")
  })

  it("a claim value is encoded into one path segment", async () => {
    const answer = await get("/param", bearer(await Jwt.token(hs, { sub: "../admin?x=1" })))
    expect(answer.echo!.path.startsWith("/p/..%2Fadmin%3Fx%3D1/")).toBe(true)
  })
})

describe("its place in the endpoint chain", () => {
  it("a refused token is not counted by the rate limit, whose header strategy reads the propagated claim", async () => {
    for (let i = 0; i < 3; i++) expectRefused(await get("/limited", { "x-user": "user-1" }), 401)
    const first = await get("/limited", { ...bearer(await Jwt.token(hs)), "x-user": "someone-else" })
    expect(first.status).toBe(200)
    // the client's own X-User does not give it a fresh bucket: the claim is the key
    const second = await get("/limited", { ...bearer(await Jwt.token(hs)), "x-user": "another" })
    expect(second.status).toBe(429)
    expect((await get("/limited", bearer(await Jwt.token(hs, { sub: "user-2" })))).status).toBe(200)
  })

  it("the bot detector runs first: a bot without a token gets 403", async () => {
    expectRefused(await get("/bot", { "user-agent": "EvilBot" }), 403)
    expectRefused(await get("/bot", { "user-agent": "Mozilla" }), 401)
  })

  it("the legacy name github.com/devopsfaith/krakend-jose/validator is enforced exactly like auth/validator", async () => {
    expectRefused(await get("/legacy"), 401)
    expectRefused(await get("/legacy", bearer(await Jwt.token(hs))), 403)
    expect((await get("/legacy", bearer(await Jwt.token(hs, { roles: ["r"] })))).status).toBe(200)
  })

  it("an endpoint without a validator is untouched", async () => {
    expect((await get("/open")).status).toBe(200)
  })
})
