/**
 * `qos/http-cache` through `sluice run` over real HTTP: a fresh answer is served without calling
 * the backend again (its request counter proves it), what must not be stored is not (no-store,
 * Set-Cookie, private, Authorization without public), a stale answer with a validator is
 * revalidated and a 304 serves the stored body, Vary separates answers, the LRU bound evicts,
 * `shared` shares one bucket between backends, other methods pass through.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

let backend: Backend.Backend
let gw: RunningSluice
const hits = new Map<string, number>()
let failing = false

const answers: Record<string, (req: { headers: Record<string, string | string[] | undefined> }) => { status?: number; headers: Record<string, string> }> = {
  "/fresh": () => ({ headers: { "cache-control": "max-age=60" } }),
  "/nostore": () => ({ headers: { "cache-control": "no-store, max-age=60" } }),
  "/cookie": () => ({ headers: { "cache-control": "max-age=60", "set-cookie": "s=1" } }),
  "/private": () => ({ headers: { "cache-control": "private, max-age=60" } }),
  "/auth": () => ({ headers: { "cache-control": "max-age=60" } }),
  "/auth-public": () => ({ headers: { "cache-control": "public, max-age=60" } }),
  "/plain": () => ({ headers: {} }),
  "/etag": (req) =>
    req.headers["if-none-match"] === '"v1"'
      ? { status: 304, headers: { etag: '"v1"', "cache-control": "no-cache" } }
      : { headers: { etag: '"v1"', "cache-control": "no-cache" } },
  "/vary": () => ({ headers: { "cache-control": "max-age=60", vary: "X-Lang" } }),
  "/shared": () => ({ headers: { "cache-control": "max-age=60" } }),
  "/smax": () => ({ headers: { "cache-control": "s-maxage=60" } }),
  "/twovary": () => ({ headers: { "cache-control": "max-age=60" } }),
  "/sie": () => (failing ? { status: 500, headers: {} } : { headers: { "cache-control": "max-age=1, stale-if-error=60" } }),
  "/nosie": () => (failing ? { status: 500, headers: {} } : { headers: { "cache-control": "max-age=1" } })
}

beforeAll(async () => {
  backend = await Backend.start((req, res) => {
    const path = (req.url ?? "").split("?")[0]!
    hits.set(req.url ?? "", (hits.get(req.url ?? "") ?? 0) + 1)
    const answer = answers[path]?.(req) ?? { headers: {} }
    if (answer.status === 304) {
      res.writeHead(304, answer.headers)
      return res.end()
    }
    if (answer.status === 500) return Backend.json(res, 500, { broken: true })
    // two Vary lines, as a CORS layer and a compression layer each add one
    if (path === "/twovary") res.setHeader("vary", ["X-Lang", "Origin"])
    Backend.json(res, 200, { path, n: hits.get(req.url ?? ""), lang: req.headers["x-lang"] ?? null }, answer.headers)
  })
  const cached = (pattern: string, cache: Record<string, unknown> = {}, more: Record<string, unknown> = {}) => ({
    host: [backend.url],
    url_pattern: pattern,
    extra_config: { "qos/http-cache": cache },
    ...more
  })
  gw = await startSluice({
    version: 3,
    endpoints: [
      ...["/fresh", "/nostore", "/cookie", "/private", "/plain", "/etag", "/auth-public"].map((p) => ({
        endpoint: p,
        input_query_strings: ["i"],
        backend: [cached(p)]
      })),
      { endpoint: "/auth", input_headers: ["Authorization"], backend: [cached("/auth")] },
      { endpoint: "/auth-public-h", input_headers: ["Authorization"], backend: [cached("/auth-public")] },
      { endpoint: "/vary", input_headers: ["X-Lang"], backend: [cached("/vary")] },
      { endpoint: "/twovary", input_headers: ["X-Lang"], backend: [cached("/twovary")] },
      { endpoint: "/sie", backend: [cached("/sie")] },
      { endpoint: "/nosie", backend: [cached("/nosie")] },
      { endpoint: "/smax", input_headers: ["Authorization"], backend: [cached("/smax")] },
      { endpoint: "/etag-client", input_headers: ["If-None-Match"], backend: [cached("/etag")] },
      { endpoint: "/small", input_query_strings: ["i"], backend: [cached("/fresh", { max_items: 2, max_size: 100_000 })] },
      { endpoint: "/post", method: "POST", backend: [cached("/fresh", {}, { method: "POST" })] },
      { endpoint: "/legacy", backend: [{ host: [backend.url], url_pattern: "/shared", extra_config: { "github.com/devopsfaith/krakend-httpcache": { shared: true } } }] },
      { endpoint: "/shared-a", backend: [cached("/shared", { shared: true })] },
      { endpoint: "/own", backend: [cached("/shared")] }
    ]
  })
})
afterAll(async () => {
  await gw?.stop()
  await backend?.close()
})

const get = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${gw.url}${path}`, init)
  return { status: res.status, body: (await res.json()) as { n: number; lang: string | null; path: string } }
}
const calls = (url: string) => hits.get(url) ?? 0

describe("qos/http-cache", () => {
  it("a fresh answer is served from the cache: the backend is called once", async () => {
    const first = await get("/fresh?i=a")
    const second = await get("/fresh?i=a")
    expect([first.status, second.status]).toEqual([200, 200])
    expect(second.body).toEqual(first.body)
    expect(calls("/fresh?i=a")).toBe(1)
    await get("/fresh?i=b")
    expect(calls("/fresh?i=b")).toBe(1) // another query is another entry
  })

  it("no-store, Set-Cookie, private and an answer without freshness or validators are not stored", async () => {
    for (const path of ["/nostore", "/cookie", "/private", "/plain"]) {
      await get(path)
      await get(path)
      expect([path, calls(path)]).toEqual([path, 2])
    }
  })

  it("an answer to a request with Authorization is stored only when the backend says public", async () => {
    const auth = { headers: { Authorization: "Bearer x" } }
    await get("/auth", auth)
    await get("/auth", auth)
    expect(calls("/auth")).toBe(2)
    await get("/auth-public-h", auth)
    await get("/auth-public-h", auth)
    expect(calls("/auth-public")).toBe(1)
  })

  it("a stale answer with an ETag is revalidated; the backend's 304 serves the stored body", async () => {
    const first = await get("/etag")
    const second = await get("/etag")
    expect(calls("/etag")).toBe(2)
    expect(second).toEqual(first)
    const last = backend.requests.filter((r) => r.url === "/etag").at(-1)!
    expect(last.headers["if-none-match"]).toBe('"v1"')
  })

  it("Vary separates answers by the varied request header", async () => {
    const en = await get("/vary", { headers: { "X-Lang": "en" } })
    const enAgain = await get("/vary", { headers: { "X-Lang": "en" } })
    expect(calls("/vary")).toBe(1)
    expect(enAgain.body.lang).toBe("en")
    const fr = await get("/vary", { headers: { "X-Lang": "fr" } })
    expect(fr.body.lang).toBe("fr")
    expect(calls("/vary")).toBe(2)
    expect(en.body.lang).toBe("en")
  })

  it("repeated Vary lines are read as one list: answers are cached, never a 500", async () => {
    const a = await get("/twovary", { headers: { "X-Lang": "en" } })
    const b = await get("/twovary", { headers: { "X-Lang": "en" } })
    expect([a.status, b.status, calls("/twovary")]).toEqual([200, 200, 1])
  })

  it("s-maxage alone does not make an answer to an Authorization request storable (only public does)", async () => {
    const auth = { headers: { Authorization: "Bearer a" } }
    await get("/smax", auth)
    await get("/smax", { headers: { Authorization: "Bearer b" } })
    expect(calls("/smax")).toBe(2)
  })

  it("a revalidation asks with the cache's own validator, not the client's", async () => {
    await get("/etag-client")
    const res = await get("/etag-client", { headers: { "If-None-Match": '"someone-else"' } })
    expect(res.status).toBe(200)
    const last = backend.requests.filter((r) => r.url === "/etag").at(-1)!
    expect(last.headers["if-none-match"]).toBe('"v1"')
  })

  it("stale-if-error: a failing backend gets the stale answer while it allows; without it the failure passes", async () => {
    const fresh = await get("/sie")
    await get("/nosie")
    failing = true
    try {
      await new Promise((r) => setTimeout(r, 1200)) // both stale now
      const stale = await get("/sie")
      expect([stale.status, stale.body]).toEqual([200, fresh.body])
      expect(calls("/sie")).toBe(2) // asked, failed, served stale
      const failed = await fetch(`${gw.url}/nosie`)
      expect(failed.status).toBe(500)
    } finally {
      failing = false
    }
  })

  it("max_items bounds the bucket (least recently used out)", async () => {
    for (const i of ["x1", "x2", "x3"]) await get(`/small?i=${i}`)
    await get("/small?i=x3")
    expect(calls("/fresh?i=x3")).toBe(1)
    await get("/small?i=x1")
    expect(calls("/fresh?i=x1")).toBe(2) // evicted
  })

  it("other methods pass through", async () => {
    await fetch(`${gw.url}/post`, { method: "POST", body: "{}" })
    await fetch(`${gw.url}/post`, { method: "POST", body: "{}" })
    expect(backend.requests.filter((r) => r.method === "POST").length).toBe(2)
  })

  it("shared: true is one bucket for every shared backend (the legacy name too); a backend of its own has its own", async () => {
    await get("/legacy")
    await get("/shared-a")
    expect(calls("/shared")).toBe(1)
    await get("/own")
    expect(calls("/shared")).toBe(2)
    await get("/own")
    expect(calls("/shared")).toBe(2)
  })
})
