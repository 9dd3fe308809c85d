/**
 * `auth/validator` settings: what is refused when the config is decoded (each with its JSON
 * path) and when the gateway starts (files, TLS settings), and the key identification strategies.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { afterAll, beforeAll } from "vitest"
import * as Config from "../../src/config/Config.ts"
import type { ConfigError } from "../../src/config/ConfigError.ts"
import * as Backend from "../support/Backend.ts"
import { serve } from "../semantics/Harness.ts"
import * as Jwt from "./Support.ts"

const issuesOf = (input: unknown) => Effect.flip(Config.decode(input)).pipe(Effect.map((e: ConfigError) => e.issues))

const endpointWith = (validator: Record<string, unknown>, backend: Record<string, unknown> = {}) => ({
  version: 3,
  host: ["http://127.0.0.1:1"],
  endpoints: [{ endpoint: "/a", backend: [{ url_pattern: "/b", ...backend }], extra_config: { "auth/validator": validator } }]
})

const AT = "$.endpoints[0].extra_config[\"auth/validator\"]"

describe("decoding", () => {
  it.effect("a plain-http jwk_url needs disable_jwk_security (KrakenD would answer 401 forever)", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(endpointWith({ alg: "RS256", jwk_url: "http://idp/jwks" }))
      expect(issues).toEqual([{ path: `${AT}.jwk_url`, message: expect.stringContaining("JWK client is using an insecure connection") }])
      const ok = yield* Config.decode(endpointWith({ alg: "RS256", jwk_url: "http://idp/jwks", disable_jwk_security: true }))
      expect(ok.config.endpoints[0]!.extra_config["auth/validator"]?.jwk_url).toBe("http://idp/jwks")
    }))

  it.effect("keys must come from exactly one place; cache with a local file and encrypted files are refused", () =>
    Effect.gen(function*() {
      expect(yield* issuesOf(endpointWith({ alg: "RS256" }))).toEqual([{ path: `${AT}.alg`, message: expect.stringContaining("set jwk_url or jwk_local_path") }])
      expect((yield* issuesOf(endpointWith({ alg: "RS256", jwk_url: "https://i/j", jwk_local_path: "k.json" })))[0]!.path).toBe(`${AT}.jwk_local_path`)
      expect((yield* issuesOf(endpointWith({ alg: "RS256", jwk_local_path: "k.json", cache: true })))[0]!.message).toContain("cache could not be used with jwk_local_path")
      expect((yield* issuesOf(endpointWith({ alg: "RS256", jwk_local_path: "k.json", secret_url: "base64key://x" })))[0]).toEqual({
        path: `${AT}.secret_url`,
        message: expect.stringContaining("not implemented")
      })
    }))

  it.effect("an unknown alg, strategy or key is an error with its path", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(endpointWith({ alg: "RS257", jwk_url: "https://i/j", key_identify_strategy: "name", jwk_urll: "x" }))
      expect(issues.map((i) => i.path)).toEqual([`${AT}.jwk_urll`, `${AT}.alg`, `${AT}.key_identify_strategy`])
      expect(issues[0]!.message).toContain("did you mean \"jwk_url\"")
    }))

  it.effect("at service level auth/validator only holds shared_cache_duration: a validator written there is refused", () =>
    Effect.gen(function*() {
      const ok = yield* Config.decode({ version: 3, extra_config: { "auth/validator": { shared_cache_duration: 60 } }, endpoints: [] })
      expect(ok.config.extra_config["auth/validator"]).toEqual({ shared_cache_duration: 60 })
      const issues = yield* issuesOf({ version: 3, extra_config: { "auth/validator": { alg: "RS256", jwk_url: "https://i/j" } }, endpoints: [] })
      expect(issues).toEqual([
        { path: "$.extra_config[\"auth/validator\"].alg", message: expect.stringContaining("protects no endpoint") },
        { path: "$.extra_config[\"auth/validator\"].jwk_url", message: expect.stringContaining("protects no endpoint") }
      ])
    }))

  it.effect("a {JWT.x} placeholder needs a validator on its endpoint", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf({
        version: 3,
        host: ["http://127.0.0.1:1"],
        endpoints: [{ endpoint: "/a", backend: [{ url_pattern: "/u/{JWT.sub}" }] }]
      })
      expect(issues).toEqual([{ path: "$.endpoints[0].backend[0].url_pattern", message: expect.stringContaining("{JWT.sub} needs an auth/validator") }])
      const ok = yield* Config.decode(endpointWith({ alg: "RS256", jwk_url: "https://i/j" }, { url_pattern: "/u/{JWT.sub}" }))
      expect(ok.config.endpoints[0]!.backend[0].url_pattern).toBe("/u/{JWT.sub}")
    }))

  it.effect("scopes without scopes_key, or a scopes_matcher other than any/all, are refused (KrakenD silently skips or reads any)", () =>
    Effect.gen(function*() {
      expect((yield* issuesOf(endpointWith({ alg: "RS256", jwk_url: "https://i/j", scopes: ["admin"] })))[0]).toEqual({
        path: `${AT}.scopes`,
        message: expect.stringContaining("scopes are checked only with scopes_key")
      })
      expect((yield* issuesOf(endpointWith({ alg: "RS256", jwk_url: "https://i/j", scopes: ["a"], scopes_key: "scope", scopes_matcher: "ALL" })))[0]!.path)
        .toBe(`${AT}.scopes_matcher`)
    }))

  it.effect("1.x keys of krakend-jose get their 2.x names", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(endpointWith({ alg: "RS256", jwk_url: "https://i/j", "jwk-url": "https://i/j" }))
      expect(issues[0]!.message).toBe("jwk-url is a KrakenD 1.x name that KrakenD 2 ignores; write \"jwk_url\"")
    }))
})

describe("starting", () => {
  let backend: Backend.Backend
  beforeAll(async () => {
    backend = await Backend.start((_req, res) => Backend.json(res, 200, { ok: true }))
  })
  afterAll(() => backend.close())

  const startError = async (config: unknown): Promise<string> => {
    try {
      const gw = await serve(config)
      await gw.close()
    } catch (e) {
      return String(e)
    }
    throw new Error("the gateway started")
  }

  it("a missing jwk_local_path fails the start with the JSON path as written and the file tried", async () => {
    const message = await startError({
      version: 3,
      host: [backend.url],
      endpoints: [{
        endpoint: "/a",
        backend: [{ url_pattern: "/b" }],
        extra_config: { "github.com/devopsfaith/krakend-jose/validator": { alg: "HS256", jwk_local_path: "./no/such/jwks.json" } }
      }]
    })
    expect(message).toContain("$.endpoints[0].extra_config[\"github.com/devopsfaith/krakend-jose/validator\"].jwk_local_path")
    expect(message).toContain(`cannot read the JWK set ${join(process.cwd(), "no/such/jwks.json")}: no such file`)
  })

  it("a relative jwk_local_path is read from the working directory", async () => {
    const k = await Jwt.key("HS256", "sim2")
    const file = relative(process.cwd(), Jwt.jwksFile([k.jwk]))
    expect(file.startsWith("/")).toBe(false)
    const gw = await serve(endpointWith({ alg: "HS256", jwk_local_path: file }, { host: [backend.url] }))
    try {
      const res = await fetch(`${gw.url}/a`, { headers: { authorization: `Bearer ${await Jwt.token(k)}` } })
      expect(res.status).toBe(200)
    } finally {
      await gw.close()
    }
  })

  it("a set with no key usable with alg, or not a JWK set, fails the start", async () => {
    const rs = await Jwt.key("RS256", "r")
    expect(await startError(endpointWith({ alg: "HS256", jwk_local_path: Jwt.jwksFile([rs.jwk]) }))).toContain("no key usable with HS256")
    const dir = mkdtempSync(join(tmpdir(), "sluice-jwk-"))
    writeFileSync(join(dir, "bad.json"), "[1,2]")
    expect(await startError(endpointWith({ alg: "HS256", jwk_local_path: join(dir, "bad.json") }))).toContain("not a JWK set")
  })

  it("unknown cipher suites, unreadable jwk_local_ca and malformed fingerprints fail the start with their path", async () => {
    const base = { alg: "RS256", jwk_url: "https://127.0.0.1:1/jwks" }
    expect(await startError(endpointWith({ ...base, cipher_suites: [49199, 5] })))
      .toContain(`${AT}.cipher_suites[1]: cipher suite 5 (RC4 or 3DES) is not available`)
    expect(await startError(endpointWith({ ...base, jwk_local_ca: "./missing-ca.pem" }))).toContain(`${AT}.jwk_local_ca`)
    expect(await startError(endpointWith({ ...base, jwk_fingerprints: ["abc"] }))).toContain(`${AT}.jwk_fingerprints[0]: decoding fingerprint #0`)
  })
})

describe("key_identify_strategy", () => {
  let backend: Backend.Backend
  beforeAll(async () => {
    backend = await Backend.start((_req, res) => Backend.json(res, 200, { ok: true }))
  })
  afterAll(() => backend.close())

  it("x5t, x5t#S256 and kid_x5t find keys by their thumbprints", async () => {
    const k = await Jwt.key("HS256", "kid-1")
    const jwk = { ...k.jwk, x5t: "dGh1bWI", "x5t#S256": "czI1Ng" }
    const file = Jwt.jwksFile([jwk])
    const endpoint = (path: string, strategy: string) => ({
      endpoint: path,
      backend: [{ url_pattern: "/b" }],
      extra_config: { "auth/validator": { alg: "HS256", jwk_local_path: file, key_identify_strategy: strategy } }
    })
    const gw = await serve({
      version: 3,
      host: [backend.url],
      endpoints: [endpoint("/x5t", "x5t"), endpoint("/s256", "x5t#S256"), endpoint("/both", "kid_x5t"), endpoint("/kid", "kid")]
    })
    const call = async (path: string, header: Record<string, unknown>) =>
      (await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${await Jwt.token({ ...k, kid: "other" }, {}, header)}` } })).status
    try {
      expect(await call("/x5t", { x5t: "dGh1bWI" })).toBe(200)
      expect(await call("/x5t", { x5t: "wrong" })).toBe(401)
      expect(await call("/s256", { "x5t#S256": "czI1Ng" })).toBe(200)
      expect(await call("/both", { kid: "kid-1", x5t: "dGh1bWI" })).toBe(200)
      expect(await call("/both", { kid: "kid-1" })).toBe(401)
      expect(await call("/kid", { kid: "kid-1" })).toBe(200)
    } finally {
      await gw.close()
    }
  })
})
