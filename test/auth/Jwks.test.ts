/**
 * Remote JWK sets (`jwk_url`) over real HTTP: a loopback JWKS server counts its downloads while
 * the gateway rotates, caches, cools down, and survives a server that is down, slow or wrong
 * (AUTH-TLS.md §8, cases 11–18). A slow or dead JWKS server never hangs a request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Validator from "../../src/auth/Validator.ts"
import * as Backend from "../support/Backend.ts"
import { type Served, serve } from "../semantics/Harness.ts"
import * as Jwt from "./Support.ts"

let backend: Backend.Backend
let k1: Jwt.TestKey
let k2: Jwt.TestKey

beforeAll(async () => {
  backend = await Backend.start((_req, res) => Backend.json(res, 200, { ok: true }))
  ;[k1, k2] = await Promise.all([Jwt.key("RS256", "k1"), Jwt.key("RS256", "k2")])
})
afterAll(() => backend.close())

/** A gateway with one validated endpoint `/v` on `jwks`, closed after `f`. */
const withGateway = async (
  jwks: Jwt.JwksServer,
  extra: Record<string, unknown>,
  f: (gw: Served) => Promise<void>
): Promise<void> => {
  const gw = await serve({
    version: 3,
    host: [backend.url],
    endpoints: [{
      endpoint: "/v",
      backend: [{ url_pattern: "/ok" }],
      extra_config: { "auth/validator": { alg: "RS256", jwk_url: jwks.url, disable_jwk_security: true, ...extra } }
    }, {
      endpoint: "/w",
      backend: [{ url_pattern: "/ok" }],
      extra_config: { "auth/validator": { alg: "RS256", jwk_url: jwks.url, disable_jwk_security: true, ...extra } }
    }]
  })
  try {
    await f(gw)
  } finally {
    await gw.close()
    await jwks.close()
  }
}

const status = async (gw: Served, token: string, path = "/v") =>
  (await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).status

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Waits until the JWKS server has served `n` downloads (the start prefetches in the background). */
const hitsReach = async (jwks: Jwt.JwksServer, n: number) => {
  for (let i = 0; i < 100 && jwks.hits() < n; i++) await sleep(10)
  return jwks.hits()
}

describe("jwk_url", () => {
  it("prefetches at start, and endpoints naming the same URL share one download", async () => {
    const jwks = await Jwt.jwksServer([k1.jwk])
    await withGateway(jwks, { cache: true }, async (gw) => {
      expect(await hitsReach(jwks, 1)).toBe(1)
      const t = await Jwt.token(k1)
      for (let i = 0; i < 5; i++) expect(await status(gw, t, i % 2 === 0 ? "/v" : "/w")).toBe(200)
      expect(jwks.hits()).toBe(1)
    })
  })

  it("11 an unknown kid downloads the set again: a rotated key works at once", async () => {
    const jwks = await Jwt.jwksServer([k1.jwk])
    await withGateway(jwks, { cache: true }, async (gw) => {
      await hitsReach(jwks, 1)
      await sleep(1100) // past the one-download-a-second floor
      jwks.serve([k1.jwk, k2.jwk])
      expect(await status(gw, await Jwt.token(k2))).toBe(200)
      expect(jwks.hits()).toBe(2)
      expect(await status(gw, await Jwt.token(k1))).toBe(200)
      expect(jwks.hits()).toBe(2)
    })
  })

  it("a key the set no longer lists is refused after the next download", async () => {
    const jwks = await Jwt.jwksServer([k1.jwk, k2.jwk])
    await withGateway(jwks, { cache: true, cache_duration: 1 }, async (gw) => {
      await hitsReach(jwks, 1)
      const old = await Jwt.token(k1)
      expect(await status(gw, old)).toBe(200)
      jwks.serve([k2.jwk])
      await sleep(1100)
      expect(await status(gw, old)).toBe(401)
      expect(await status(gw, await Jwt.token(k2))).toBe(200)
    })
  })

  it("12 failed_jwk_key_cooldown: an unknown kid downloads once, then is refused without a download until the cooldown ends", async () => {
    const jwks = await Jwt.jwksServer([k1.jwk])
    await withGateway(jwks, { cache: true, failed_jwk_key_cooldown: "2s" }, async (gw) => {
      await hitsReach(jwks, 1)
      await sleep(1100)
      const unknown = await Jwt.token({ ...k1, kid: "k9" })
      for (let i = 0; i < 5; i++) expect(await status(gw, unknown)).toBe(401)
      expect(jwks.hits()).toBe(2)
      await sleep(2100)
      expect(await status(gw, unknown)).toBe(401)
      expect(jwks.hits()).toBe(3)
    })
  })

  it("13 without a cooldown, unknown kids cannot make the gateway download more than once a second (KrakenD: every request)", async () => {
    const jwks = await Jwt.jwksServer([k1.jwk])
    await withGateway(jwks, { cache: true }, async (gw) => {
      await hitsReach(jwks, 1)
      await sleep(1100)
      const tokens = await Promise.all(Array.from({ length: 40 }, (_, i) => Jwt.token({ ...k1, kid: `x${i}` })))
      const started = Date.now()
      const answers = await Promise.all(tokens.map(async (t, i) => {
        await sleep(i * 50) // two seconds of unknown kids
        return status(gw, t)
      }))
      const seconds = (Date.now() - started) / 1000
      expect(answers.every((s) => s === 401)).toBe(true)
      expect(jwks.hits() - 1).toBeLessThanOrEqual(Math.ceil(seconds) + 1)
      expect(jwks.hits() - 1).toBeGreaterThanOrEqual(1)
    })
  })

  it("a key published while a download is under way is not refused for the cooldown: the next download finds it", async () => {
    const jwks = await Jwt.jwksServer([k1.jwk])
    await withGateway(jwks, { cache: true, failed_jwk_key_cooldown: "5m" }, async (gw) => {
      await hitsReach(jwks, 1)
      jwks.serve([k1.jwk, k2.jwk]) // published within the second after the start's download
      expect(await status(gw, await Jwt.token(k2))).toBe(200)
      expect(jwks.hits()).toBe(2)
    })
  })

  it("14 a JWKS server that is down: 401 at once, the start does not wait for it", async () => {
    const jwks = await Jwt.jwksServer([k1.jwk])
    const url = jwks.url
    await jwks.close()
    const gw = await serve({
      version: 3,
      host: [backend.url],
      endpoints: [{
        endpoint: "/v",
        backend: [{ url_pattern: "/ok" }],
        extra_config: { "auth/validator": { alg: "RS256", jwk_url: url, disable_jwk_security: true, cache: true } }
      }]
    })
    try {
      const started = Date.now()
      expect(await status(gw, await Jwt.token(k1))).toBe(401)
      expect(Date.now() - started).toBeLessThan(Validator.FETCH_TIMEOUT_MS)
    } finally {
      await gw.close()
    }
  })

  it("15 a JWKS server that never answers: concurrent requests share one download and get 401 when it times out", async () => {
    const jwks = await Jwt.jwksServer([k1.jwk])
    jwks.mode("hang")
    await withGateway(jwks, { cache: true }, async (gw) => {
      await hitsReach(jwks, 1) // the start's prefetch is hanging
      const t = await Jwt.token(k1)
      const answers = await Promise.all(Array.from({ length: 10 }, () => status(gw, t)))
      expect(answers).toEqual(Array(10).fill(401))
      expect(jwks.hits()).toBe(1)
    })
  }, 20_000)

  it("16 a cached key survives an outage until its cache_duration, then 401 (KrakenD's parity)", async () => {
    const jwks = await Jwt.jwksServer([k1.jwk])
    await withGateway(jwks, { cache: true, cache_duration: 2 }, async (gw) => {
      await hitsReach(jwks, 1)
      const t = await Jwt.token(k1)
      expect(await status(gw, t)).toBe(200)
      jwks.mode("error")
      expect(await status(gw, t)).toBe(200)
      await sleep(2100)
      expect(await status(gw, t)).toBe(401)
      jwks.mode("json")
      await sleep(1100)
      expect(await status(gw, t)).toBe(200)
    })
  })

  it("a failed refresh (an unknown kid while the server errors) keeps the cached keys: stale keys are not dropped", async () => {
    const jwks = await Jwt.jwksServer([k1.jwk])
    await withGateway(jwks, { cache: true }, async (gw) => {
      await hitsReach(jwks, 1)
      const t = await Jwt.token(k1)
      expect(await status(gw, t)).toBe(200)
      jwks.mode("error")
      await sleep(1100)
      expect(await status(gw, await Jwt.token(k2))).toBe(401)
      expect(jwks.hits()).toBe(2)
      expect(await status(gw, t)).toBe(200)
    })
  })

  it("17 a set not served as JSON is refused: 401", async () => {
    const jwks = await Jwt.jwksServer([k1.jwk])
    jwks.mode("text")
    await withGateway(jwks, { cache: true }, async (gw) => {
      await hitsReach(jwks, 1)
      expect(await status(gw, await Jwt.token(k1))).toBe(401)
    })
  })

  it("18 cache: false still keeps a download for a second (KrakenD downloads twice per request)", async () => {
    const jwks = await Jwt.jwksServer([k1.jwk])
    await withGateway(jwks, {}, async (gw) => {
      await hitsReach(jwks, 1)
      const t = await Jwt.token(k1)
      const before = jwks.hits()
      for (let i = 0; i < 5; i++) expect(await status(gw, t)).toBe(200)
      expect(jwks.hits() - before).toBeLessThanOrEqual(1)
      await sleep(1100)
      expect(await status(gw, t)).toBe(200)
      expect(jwks.hits()).toBeGreaterThan(before)
    })
  })

  it("HS256 keys (kty oct) from a JWKS URL work, which jose's own JWKS helpers refuse", async () => {
    const hs = await Jwt.key("HS256", "sim2")
    const jwks = await Jwt.jwksServer([hs.jwk, k1.jwk])
    const gw = await serve({
      version: 3,
      host: [backend.url],
      endpoints: [{
        endpoint: "/v",
        backend: [{ url_pattern: "/ok" }],
        extra_config: { "auth/validator": { alg: "HS256", jwk_url: jwks.url, disable_jwk_security: true, cache: true } }
      }]
    })
    try {
      expect(await status(gw, await Jwt.token(hs))).toBe(200)
    } finally {
      await gw.close()
      await jwks.close()
    }
  })
})
