/**
 * Details existing KrakenD clients notice (KRAKEND-SEMANTICS.md §8), over real HTTP: the
 * `Referer` of followed redirects (never from https to http), and lura's backend error text with
 * `return_error_msg` (credentials kept out of the URL).
 */
import { createServer } from "node:https"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import * as Certs from "../support/Certs.ts"
import { serve } from "../semantics/Harness.ts"

let plain: Backend.Backend

beforeAll(async () => {
  plain = await Backend.start((req, res) => {
    if (req.url === "/hop1") {
      res.writeHead(302, { location: "/hop2?x=1" })
      return res.end()
    }
    if (req.url === "/hop2?x=1") {
      res.writeHead(307, { location: "/end" })
      return res.end()
    }
    if (req.url === "/missing") return Backend.json(res, 404, { error: "nope" })
    Backend.json(res, 200, { referer: req.headers["referer"] ?? null })
  })
})
afterAll(() => plain.close())

const seenReferers = (path: string) => plain.requests.filter((r) => r.url.startsWith(path)).map((r) => r.headers["referer"] ?? null)

describe("redirects followed by the backend client", () => {
  it("send the URL that answered each redirect as Referer, replacing the previous hop's", async () => {
    const gw = await serve({
      version: 3,
      host: [plain.url],
      endpoints: [{ endpoint: "/r", input_headers: ["Referer"], backend: [{ url_pattern: "/hop1" }] }]
    })
    try {
      const res = await fetch(`${gw.url}/r`, { headers: { referer: "https://client.example/page" } })
      expect(await res.json()).toEqual({ referer: `${plain.url}/hop2?x=1` })
      expect(seenReferers("/hop1")).toContain("https://client.example/page")
      expect(seenReferers("/hop2")).toContain(`${plain.url}/hop1`)
    } finally {
      await gw.close()
    }
  })

  it("never from https to http", async () => {
    const dir = Certs.folder()
    const ca = Certs.authority(dir, "ca")
    const leaf = ca.issue("backend", { dns: ["localhost"] })
    const secure = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
      res.writeHead(302, { location: `${plain.url}/landed` })
      res.end()
    })
    await new Promise<void>((r) => secure.listen(0, "127.0.0.1", r))
    const gw = await serve({
      version: 3,
      client_tls: { ca_certs: [ca.cert] },
      endpoints: [{ endpoint: "/s", backend: [{ host: [`https://localhost:${(secure.address() as AddressInfo).port}`], url_pattern: "/start" }] }]
    })
    try {
      const res = await fetch(`${gw.url}/s`)
      expect(await res.json()).toEqual({ referer: null })
    } finally {
      await gw.close()
      secure.closeAllConnections()
      secure.close()
    }
  })
})

describe("backend error text (router.return_error_msg)", () => {
  it("is lura's: invalid status code <N> [<method> <url_pattern>]: <URL>, without credentials", async () => {
    const withCredentials = plain.url.replace("http://", "http://user:secret@")
    const gw = await serve({
      version: 3,
      extra_config: { router: { return_error_msg: true } },
      endpoints: [{ endpoint: "/e", backend: [{ host: [withCredentials], url_pattern: "/missing" }] }]
    })
    try {
      const res = await fetch(`${gw.url}/e`)
      const body = await res.text()
      expect(res.status).toBe(500)
      expect(body).toBe(`invalid status code 404 [GET /missing]: ${plain.url}/missing`)
      expect(body).not.toContain("secret")
    } finally {
      await gw.close()
    }
  })
})
