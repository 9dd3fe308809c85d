/**
 * `auth/revoker` over real HTTP: revocations posted to the loopback listener make every JWT
 * validator refuse the token (401, before the role check), for `TTL`…`2·TTL`; with
 * `--workers 2` the primary forwards them to each worker, also to one that restarts later.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import { afterAll, beforeAll } from "vitest"
import * as Revoker from "../../src/auth/Revoker.ts"
import * as Config from "../../src/config/Config.ts"
import type { ConfigError } from "../../src/config/ConfigError.ts"
import * as Backend from "../support/Backend.ts"
import { freePort, startSluice, untilListening } from "../support/Sluice.ts"
import { serve } from "../semantics/Harness.ts"
import * as Jwt from "./Support.ts"

let backend: Backend.Backend
let hs: Jwt.TestKey
let file: string

beforeAll(async () => {
  backend = await Backend.start((_req, res) => Backend.json(res, 200, { ok: true }))
  hs = await Jwt.key("HS256", "sim2")
  file = Jwt.jwksFile([hs.jwk])
})
afterAll(() => backend.close())

const config = (port: number, revoker: Record<string, unknown> = {}, name = "auth/revoker") => ({
  version: 3,
  host: [backend.url],
  extra_config: { [name]: { N: 10_000, P: 0.0000001, TTL: 60, port, token_keys: ["jti", "sub"], ...revoker } },
  endpoints: [
    { endpoint: "/v", backend: [{ url_pattern: "/ok" }], extra_config: { "auth/validator": { alg: "HS256", jwk_local_path: file } } },
    { endpoint: "/admin", backend: [{ url_pattern: "/ok" }], extra_config: { "auth/validator": { alg: "HS256", jwk_local_path: file, roles: ["admin"] } } }
  ]
})

const post = async (port: number, path: string, body: unknown) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) })
  return { status: res.status, body: await res.json() as unknown }
}

const status = async (url: string, path: string, token: string) =>
  (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })).status

describe("the bloom filter", () => {
  it("is sized as KrakenD sizes it: m = ceil(-n ln p / ln²2) bits, k = ceil(ln 2 · m / n)", () => {
    // n = 1e7, p = 1e-7: 1e7 · 16.11810 / 0.4804530 = 335 477 043.2… bits, ln 2 · 33.55 = 23.25… hashes
    expect(Revoker.sizing(10_000_000, 0.0000001)).toEqual({ m: 335_477_044, k: 24 })
  })

  it.effect("finds what was added and (with overwhelming probability) nothing else", () =>
    Effect.gen(function*() {
      const r = yield* Revoker.make({ n: 1000, p: 0.0001, ttl: 60, hash_name: "optimal", port: 0, token_keys: ["jti"] })
      expect(r.add(Array.from({ length: 1000 }, (_, i) => `jti-${i}`))).toBe(1000)
      expect(Array.from({ length: 1000 }, (_, i) => r.check(`jti-${i}`)).every(Boolean)).toBe(true)
      const falsePositives = Array.from({ length: 10_000 }, (_, i) => r.check(`jti-other-${i}`)).filter(Boolean).length
      expect(falsePositives).toBeLessThan(10)
      expect(r.rejects({ jti: "5" })).toBe(true)
      expect(r.rejects({ jti: 5 })).toBe(false) // only string claims are checked
    }).pipe(Effect.scoped))
})

describe("auth/revoker over HTTP", () => {
  it("a revoked jti or sub is refused with 401, before the role check; /check answers lookups", async () => {
    const port = await freePort()
    const gw = await serve(config(port))
    try {
      const token = await Jwt.token(hs, { jti: "abc" })
      const other = await Jwt.token(hs, { jti: "def", sub: "alice" })
      expect(await status(gw.url, "/v", token)).toBe(200)
      expect(await status(gw.url, "/admin", token)).toBe(403)
      expect(await post(port, "/add", { elems: ["jti-abc", "sub-alice"] })).toEqual({ status: 200, body: { count: 2 } })
      expect(await status(gw.url, "/v", token)).toBe(401)
      expect(await status(gw.url, "/admin", token)).toBe(401)
      expect(await status(gw.url, "/v", other)).toBe(401)
      expect(await status(gw.url, "/v", await Jwt.token(hs, { jti: "ghi" }))).toBe(200)
      expect(await post(port, "/check", { elems: ["jti-abc", "jti-ghi"] })).toEqual({ status: 200, body: { checks: [true, false] } })
    } finally {
      await gw.close()
    }
  })

  it("refuses malformed requests to the listener", async () => {
    const port = await freePort()
    const gw = await serve(config(port))
    try {
      expect((await post(port, "/add", "not json")).status).toBe(400)
      expect((await post(port, "/add", { elems: [1] })).status).toBe(400)
      expect((await fetch(`http://127.0.0.1:${port}/add`)).status).toBe(404)
    } finally {
      await gw.close()
    }
  })

  it("a revocation lasts between 2·TTL and 3·TTL (KrakenD's rotate.go: added to current and next, read from previous and current)", async () => {
    const port = await freePort()
    const gw = await serve(config(port, { TTL: 1 }))
    try {
      const token = await Jwt.token(hs, { jti: "short" })
      await post(port, "/add", { elems: ["jti-short"] })
      expect(await status(gw.url, "/v", token)).toBe(401)
      await new Promise((r) => setTimeout(r, 1_900))
      expect(await status(gw.url, "/v", token)).toBe(401)
      await new Promise((r) => setTimeout(r, 1_300))
      expect(await status(gw.url, "/v", token)).toBe(200)
    } finally {
      await gw.close()
    }
  })

  it("works under its legacy name github_com/devopsfaith/bloomfilter, with Go's lower-case key spellings", async () => {
    const port = await freePort()
    const base = config(port, {}, "github_com/devopsfaith/bloomfilter")
    const legacy = { ...base, extra_config: { "github_com/devopsfaith/bloomfilter": { n: 1000, p: 0.001, ttl: 60, port, token_keys: ["jti"] } } }
    const gw = await serve(legacy)
    try {
      await post(port, "/add", { elems: ["jti-x"] })
      expect(await status(gw.url, "/v", await Jwt.token(hs, { jti: "x" }))).toBe(401)
    } finally {
      await gw.close()
    }
  })

  it("a port in use stops the start with its path", async () => {
    const port = await freePort()
    const first = await serve(config(port))
    try {
      await expect(serve(config(port))).rejects.toThrow("$.extra_config[\"auth/revoker\"].port: cannot listen on 127.0.0.1")
    } finally {
      await first.close()
    }
  })
})

describe("auth/revoker settings", () => {
  const issuesOf = (revoker: Record<string, unknown>) =>
    Effect.flip(Config.decode({ version: 3, extra_config: { "auth/revoker": revoker }, endpoints: [] })).pipe(
      Effect.map((e: ConfigError) => e.issues)
    )

  it.effect("N, P and TTL are required (either case), once; TTL > 0; 1.x key names get their 2.x names", () =>
    Effect.gen(function*() {
      const at = "$.extra_config[\"auth/revoker\"]"
      expect((yield* issuesOf({ P: 0.01, TTL: 1, port: 1, token_keys: [] }))[0]).toEqual({ path: `${at}.N`, message: "N is required" })
      expect((yield* issuesOf({ N: 1, n: 1, P: 0.01, TTL: 1, port: 1, token_keys: [] }))[0]!.path).toBe(`${at}.n`)
      expect((yield* issuesOf({ N: 1, P: 0.01, TTL: 0, port: 1, token_keys: [] }))[0]!.path).toBe(`${at}.TTL`)
      expect((yield* issuesOf({ N: 1, P: 0.01, TTL: 1, port: 1, token_keys: [], revoke_server_ping_url: "https://rs" }))[0]).toEqual({
        path: `${at}.revoke_server_ping_url`,
        message: expect.stringContaining("revoked tokens would keep working")
      })
      expect((yield* issuesOf({ N: 1, P: 0.01, TTL: 1, port: 1, TokenKeys: ["jti"] })).map((i) => i.message)).toContain(
        "TokenKeys is a KrakenD 1.x name that KrakenD 2 ignores; write \"token_keys\""
      )
    }))
})

describe("auth/revoker with --workers 2", () => {
  it("the primary forwards every revocation to each worker, and replays them to a worker that restarts", async () => {
    const port = await freePort()
    const gw = await startSluice(config(port), ["--workers", "2"])
    try {
      const token = await Jwt.token(hs, { jti: "clustered" })
      // both workers serving (a worker still building its pipes answers 503 with Retry-After)
      await untilListening(gw, 2)
      for (let i = 0; i < 4; i++) expect(await status(gw.url, "/v", token)).toBe(200)
      expect(await post(port, "/add", { elems: ["jti-clustered"] })).toEqual({ status: 200, body: { count: 1 } })
      await new Promise((r) => setTimeout(r, 200))
      // fresh connections: both workers answer
      const answers = await Promise.all(Array.from({ length: 10 }, () => status(gw.url, "/v", token)))
      expect(answers).toEqual(Array(10).fill(401))
      const workers = execFileSync("pgrep", ["-P", String(gw.proc.pid)]).toString().split(/\s+/).filter(Boolean).map(Number)
      expect(workers.length).toBe(2)
      process.kill(workers[0]!, "SIGKILL")
      let replaced = false
      for (let i = 0; i < 100 && !replaced; i++) {
        await new Promise((r) => setTimeout(r, 100))
        const now = execFileSync("pgrep", ["-P", String(gw.proc.pid)]).toString().split(/\s+/).filter(Boolean).map(Number)
        replaced = now.length === 2 && !now.includes(workers[0]!)
      }
      expect(replaced).toBe(true)
      await new Promise((r) => setTimeout(r, 1_500))
      const after = await Promise.all(Array.from({ length: 10 }, () => status(gw.url, "/v", token)))
      expect(after).toEqual(Array(10).fill(401))
    } finally {
      await gw.stop()
    }
  }, 30_000)
})
