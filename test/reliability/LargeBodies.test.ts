/**
 * RELIABILITY U9 (huge backend bodies) through `sluice run`: a decoded (not `no-op`) answer has a
 * size limit (10 MiB by default; `sluice/server.max_backend_response_size`, per backend
 * `sluice/backend.max_response_size`). A body announced above it fails at once, before it is
 * read; an unsized one is cut when it passes it; the gateway's memory grows by a few MiB, not by
 * the body. `no-op` bodies stream without a limit.
 */
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { type RunningSluice, startSluice } from "../support/Sluice.ts"

const MiB = 1024 * 1024

/** The gateway process's resident memory, in MiB. */
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024

/** Bytes of a JSON array string, `size` bytes long, written in 64 KiB chunks. */
const streamJson = (res: import("node:http").ServerResponse, size: number, sized: boolean) => {
  res.writeHead(200, { "content-type": "application/json", ...(sized ? { "content-length": String(size) } : {}) })
  const chunk = Buffer.alloc(64 * 1024, 0x61) // "aaaa…": inside a JSON string
  let sent = 0
  res.write("[\"")
  sent += 2
  const pump = () => {
    while (sent < size - 2) {
      const n = Math.min(chunk.length, size - 2 - sent)
      sent += n
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return res.once("drain", pump)
    }
    res.end("\"]")
  }
  res.on("close", () => (sent = size)) // the gateway hung up: stop
  pump()
}

let backend: Backend.Backend
let gw: RunningSluice
const served: Record<string, number> = {}

beforeAll(async () => {
  backend = await Backend.start((req, res) => {
    served[req.url!] = (served[req.url!] ?? 0) + 1
    if (req.url === "/chunked") return streamJson(res, 64 * MiB, false)
    if (req.url === "/sized") return streamJson(res, 64 * MiB, true)
    if (req.url === "/twelve") return streamJson(res, 12 * MiB, false)
    if (req.url === "/small") return streamJson(res, 4 * 1024, true)
    return Backend.json(res, 404, {})
  })
  gw = await startSluice({
    version: 3,
    timeout: "30s",
    host: [backend.url],
    extra_config: { router: { return_error_msg: true } },
    endpoints: [
      { endpoint: "/chunked", backend: [{ url_pattern: "/chunked", is_collection: true }] },
      { endpoint: "/sized", backend: [{ url_pattern: "/sized", is_collection: true }] },
      { endpoint: "/noop", output_encoding: "no-op", backend: [{ url_pattern: "/twelve" }] },
      {
        endpoint: "/tight",
        backend: [{ url_pattern: "/small", is_collection: true, extra_config: { "sluice/backend": { max_response_size: 1024 } } }]
      }
    ]
  })
})
afterAll(async () => {
  await gw?.stop()
  await backend?.close()
})

describe("U9 huge decoded bodies", () => {
  it("a body announced above the limit fails at once, before it is read: the gateway's memory barely moves", async () => {
    const pid = gw.proc.pid!
    await fetch(`${gw.url}/tight`) // warm up
    const before = rssMb(pid)
    const started = Date.now()
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${gw.url}/sized`)
      expect(res.status).toBe(500)
      expect(await res.text()).toContain("exceeded the maximum response size")
    }
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(rssMb(pid) - before).toBeLessThan(8)
  })

  it("a 64 MiB unsized (chunked) JSON body is cut once it passes the limit: 500, memory bounded by the limit, not the body", async () => {
    const pid = gw.proc.pid!
    const before = rssMb(pid)
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${gw.url}/chunked`)
      expect(res.status).toBe(500)
      expect(await res.text()).toContain("exceeded the maximum response size")
    }
    // at most the 10 MiB limit is held per request (an unlimited gateway grew by ~390 MiB here)
    expect(rssMb(pid) - before).toBeLessThan(64)
  }, 60_000)

  it("the limit is set per backend", async () => {
    const res = await fetch(`${gw.url}/tight`)
    expect(res.status).toBe(500)
    expect(await res.text()).toContain("exceeded the maximum response size")
  })

  it("no-op bodies stream without a limit", async () => {
    const res = await fetch(`${gw.url}/noop`)
    expect(res.status).toBe(200)
    expect((await res.arrayBuffer()).byteLength).toBe(12 * MiB)
  })
})
