/**
 * `/__health` under load and while draining, through `sluice run` over real HTTP: it answers
 * while hundreds of requests wait on their backend; with `sluice/server.shutdown_delay` it answers
 * 503 `draining` from SIGTERM on while requests are still served, then the listener closes.
 */
import type * as Http from "node:http"
import * as Net from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { startSluice } from "../support/Sluice.ts"

let backend: Backend.Backend
let held: Array<Http.ServerResponse> = []
beforeAll(async () => {
  backend = await Backend.start((_req, res) => {
    held.push(res)
  })
})
afterAll(() => backend.close())

const release = () => {
  for (const res of held) Backend.json(res, 200, { ok: true })
  held = []
}

const waitFor = async (what: () => boolean | Promise<boolean>, label: string) => {
  for (let i = 0; i < 500; i++) {
    if (await what()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`timed out waiting for ${label}`)
}

const config = () => ({
  version: 3,
  timeout: "20s",
  host: [backend.url],
  endpoints: [{ endpoint: "/slow", backend: [{ url_pattern: "/held" }] }]
})

describe("/__health", () => {
  it("answers ok while 200 requests wait on their backend", async () => {
    const gw = await startSluice(config())
    try {
      const pending = Array.from({ length: 200 }, () => fetch(`${gw.url}/slow`).then((r) => r.status))
      await waitFor(() => held.length === 200, "200 backend calls")
      const health = await fetch(`${gw.url}/__health`)
      expect(health.status).toBe(200)
      expect(((await health.json()) as { status: string }).status).toBe("ok")
      // every slow request was still waiting when the health answer came
      expect(held).toHaveLength(200)
      release()
      expect(new Set(await Promise.all(pending))).toEqual(new Set([200]))
    } finally {
      release()
      await gw.stop()
    }
  })

  it("with sluice/server.shutdown_delay: after SIGTERM it answers 503 draining while requests are still served, then the listener closes", async () => {
    const gw = await startSluice({ ...config(), extra_config: { "sluice/server": { shutdown_delay: "2s" } } })
    try {
      const inFlight = fetch(`${gw.url}/slow`).then((r) => r.status)
      await waitFor(() => held.length === 1, "the backend call")
      gw.proc.kill("SIGTERM")
      await waitFor(async () => (await fetch(`${gw.url}/__health`)).status === 503, "health to say draining")
      const health = await fetch(`${gw.url}/__health`)
      expect(await health.json()).toMatchObject({ agents: {}, status: "draining" })
      expect(health.headers.get("connection")).toBe("close")
      // a new request during the delay is still served, on a connection that is then closed
      const fresh = fetch(`${gw.url}/slow`).then((r) => ({ status: r.status, connection: r.headers.get("connection") }))
      await waitFor(() => held.length === 2, "the second backend call")
      release()
      expect(await inFlight).toBe(200)
      expect(await fresh).toEqual({ status: 200, connection: "close" })
      await waitFor(() => refused(gw.port), "the listener to close after the delay")
      expect(await gw.exited).toBe(0)
    } finally {
      release()
      await gw.stop("SIGKILL")
    }
  })

  it("without a delay (KrakenD's behaviour) the listener closes at once and in-flight requests finish", async () => {
    const gw = await startSluice(config())
    try {
      const inFlight = fetch(`${gw.url}/slow`).then((r) => r.status)
      await waitFor(() => held.length === 1, "the backend call")
      gw.proc.kill("SIGTERM")
      await waitFor(() => refused(gw.port), "the listener to close")
      release()
      expect(await inFlight).toBe(200)
      expect(await gw.exited).toBe(0)
    } finally {
      release()
      await gw.stop("SIGKILL")
    }
  })
})

/** Whether a new connection to the port is refused. */
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = Net.connect(port, "127.0.0.1")
    probe.once("connect", () => {
      probe.destroy()
      resolve(false)
    })
    probe.once("error", () => resolve(true))
  })
