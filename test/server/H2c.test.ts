/**
 * `use_h2c` (root or `router.use_h2c`): the plain HTTP port also speaks cleartext HTTP/2 with
 * prior knowledge (the HTTP/2 preface first), next to HTTP/1.1; without it, an HTTP/2 client
 * gets no HTTP/2 answer. A drain ends open HTTP/2 sessions gracefully.
 */
import { connect, type ClientHttp2Session } from "node:http2"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

const h2get = (session: ClientHttp2Session, path: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const stream = session.request({ ":path": path, ":method": "GET" })
    let status = 0
    let body = ""
    stream.on("response", (headers) => (status = Number(headers[":status"])))
    stream.on("data", (c: Buffer) => (body += c.toString()))
    stream.on("end", () => resolve({ status, body }))
    stream.on("error", reject)
    stream.end()
  })

const h2session = (url: string): Promise<ClientHttp2Session> =>
  new Promise((resolve, reject) => {
    const session = connect(url)
    session.once("connect", () => resolve(session))
    session.once("error", reject)
  })

describe("use_h2c", () => {
  let backend: Backend.Backend
  let gw: RunningSluice
  let viaRouter: RunningSluice
  let plain: RunningSluice
  beforeAll(async () => {
    backend = await Backend.start((req, res) => Backend.json(res, 200, { path: req.url }))
    const config = (extra: Record<string, unknown>) => ({
      version: 3,
      ...extra,
      endpoints: [{ endpoint: "/x", backend: [{ host: [backend.url], url_pattern: "/b" }] }]
    })
    gw = await startSluice(config({ use_h2c: true }))
    viaRouter = await startSluice(config({ extra_config: { router: { use_h2c: true } } }))
    plain = await startSluice(config({}))
  })
  afterAll(async () => {
    await Promise.all([gw?.stop(), viaRouter?.stop(), plain?.stop()])
    await backend?.close()
  })

  it("serves HTTP/2 with prior knowledge and HTTP/1.1 on the same port, several streams on one session", async () => {
    for (const server of [gw, viaRouter]) {
      const session = await h2session(server.url)
      try {
        const answers = await Promise.all([h2get(session, "/x"), h2get(session, "/x"), h2get(session, "/nope")])
        expect(answers.map((a) => a.status)).toEqual([200, 200, 404])
        expect(JSON.parse(answers[0]!.body)).toEqual({ path: "/b" })
      } finally {
        session.close()
      }
      const h1 = await fetch(`${server.url}/x`)
      expect([h1.status, await h1.json()]).toEqual([200, { path: "/b" }])
    }
  })

  it("without use_h2c an HTTP/2 client gets no HTTP/2 answer", async () => {
    const outcome = await new Promise<string>((resolve) => {
      const session = connect(plain.url)
      session.on("error", () => resolve("error"))
      session.on("close", () => resolve("closed"))
      const stream = session.request({ ":path": "/x" })
      stream.on("response", () => resolve("answered"))
      stream.on("error", () => resolve("error"))
      stream.end()
      setTimeout(() => {
        session.destroy()
        resolve("timeout")
      }, 3_000)
    })
    expect(outcome).not.toBe("answered")
  })

  it("a drain lets an in-flight HTTP/2 request finish, then exits 0", async () => {
    const slow = await Backend.start((_req, res) => setTimeout(() => Backend.json(res, 200, { slow: true }), 400))
    const server = await startSluice({
      version: 3,
      use_h2c: true,
      endpoints: [{ endpoint: "/slow", backend: [{ host: [slow.url], url_pattern: "/s" }] }]
    })
    try {
      const session = await h2session(server.url)
      const pending = h2get(session, "/slow")
      await new Promise((resolve) => setTimeout(resolve, 100))
      const exited = server.stop()
      expect(await pending).toEqual({ status: 200, body: "{\"slow\":true}" })
      expect(await exited).toBe(0)
      session.destroy()
    } finally {
      await server.stop()
      await slow.close()
    }
  })
})
