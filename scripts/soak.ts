/**
 * Soak test (RELIABILITY.md G5; not part of `npm test`): runs `sluice run` against a loopback
 * backend and sends a fixed-rate mix for DURATION seconds — successes, backend timeouts, client
 * aborts and 413s — while sampling the gateway's RSS (`/proc/<pid>/status`), heap (after a full
 * GC) and active handles (a probe preloaded into the gateway process writes
 * `process.memoryUsage()` and `process.getActiveResourcesInfo()` to fd 3). At the end it prints
 * the linear-regression slope of RSS, heap and handles after the warm-up.
 *
 *   npm run soak                                     # 600 s at 200 req/s
 *   DURATION=120 RATE=300 SAMPLE=5 WARMUP=30 npm run soak
 */
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import * as Http from "node:http"
import * as Net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Agent, request } from "undici"

const env = (name: string, fallback: number): number => {
  const v = Number(process.env[name])
  return Number.isFinite(v) && v > 0 ? v : fallback
}
const DURATION = env("DURATION", 600)
const RATE = env("RATE", 200)
const SAMPLE = env("SAMPLE", 5)
const WARMUP = env("WARMUP", Math.min(60, Math.round(DURATION / 5)))
const root = new URL("../", import.meta.url).pathname

// --- the backend -----------------------------------------------------------------------------

const backend = Http.createServer((req, res) => {
  req.resume()
  req.on("end", () => {
    const reply = () => {
      if (res.destroyed) return
      const body = JSON.stringify({ id: 1, name: "soak", items: [1, 2, 3], pad: "x".repeat(512) })
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
      res.end(body)
    }
    if (req.url === "/slow") setTimeout(reply, 2_000).unref()
    else if (req.url === "/hold") setTimeout(reply, 1_000).unref()
    else reply()
  })
})

const listen = (server: Net.Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as Net.AddressInfo).port)))

const freePort = async (): Promise<number> => {
  const s = Net.createServer()
  const port = await listen(s)
  await new Promise((r) => s.close(r))
  return port
}

// --- the gateway -----------------------------------------------------------------------------

const probe = `
import { writeSync } from "node:fs"
const tick = () => {
  if (typeof globalThis.gc === "function") globalThis.gc()
  const m = process.memoryUsage()
  try {
    writeSync(3, JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, handles: process.getActiveResourcesInfo().length }) + "\\n")
  } catch {}
}
setInterval(tick, ${SAMPLE * 1000}).unref()
`

const startGateway = async (backendUrl: string) => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-soak-"))
  const probeFile = join(dir, "probe.mjs")
  writeFileSync(probeFile, probe)
  const port = await freePort()
  const config = {
    version: 3,
    listen_ip: "127.0.0.1",
    port,
    timeout: "3s",
    extra_config: { "telemetry/logging": { level: "CRITICAL" } },
    endpoints: [
      { endpoint: "/ok/{id}", backend: [{ host: [backendUrl], url_pattern: "/ok/{id}" }, { host: [backendUrl], url_pattern: "/ok2", group: "more" }] },
      { endpoint: "/timeout", timeout: "200ms", backend: [{ host: [backendUrl], url_pattern: "/slow" }] },
      { endpoint: "/hold", backend: [{ host: [backendUrl], url_pattern: "/hold" }] },
      { endpoint: "/upload", method: "POST", backend: [{ host: [backendUrl], url_pattern: "/upload" }] }
    ]
  }
  const file = join(dir, "gateway.json")
  writeFileSync(file, JSON.stringify(config))
  const proc = spawn(
    process.execPath,
    ["--expose-gc", "--import", probeFile, join(root, "src/cli/main.ts"), "run", "-c", file, "--workers", "1"],
    { cwd: root, stdio: ["ignore", "inherit", "inherit", "pipe"] }
  )
  const samples: Array<{ rss: number; heapUsed: number; external: number; handles: number }> = []
  let buffered = ""
  proc.stdio[3]!.on("data", (d: Buffer) => {
    buffered += d.toString()
    let nl
    while ((nl = buffered.indexOf("\n")) !== -1) {
      samples.push(JSON.parse(buffered.slice(0, nl)))
      buffered = buffered.slice(nl + 1)
    }
  })
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/__health`).then((r) => r.ok, () => false)
    if (ok) break
    await new Promise((r) => setTimeout(r, 50))
  }
  return { proc, port, samples }
}

const procRss = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return m === null ? 0 : Number(m[1]) * 1024
}

// --- the load --------------------------------------------------------------------------------

type Kind = "success" | "timeout" | "abort" | "tooLarge"
const counts: Record<Kind, Map<string, number>> = { success: new Map(), timeout: new Map(), abort: new Map(), tooLarge: new Map() }
const count = (kind: Kind, outcome: string): void => {
  counts[kind].set(outcome, (counts[kind].get(outcome) ?? 0) + 1)
}

const pickKind = (n: number): Kind => {
  const r = n % 10
  return r < 7 ? "success" : r === 7 ? "timeout" : r === 8 ? "abort" : "tooLarge"
}

const send = (agent: Agent, port: number, kind: Kind, n: number): Promise<void> => {
  const origin = `http://127.0.0.1:${port}`
  switch (kind) {
    case "success":
    case "timeout":
      return request(`${origin}${kind === "success" ? `/ok/${n}` : "/timeout"}`, { dispatcher: agent }).then(
        async (r) => {
          await r.body.dump()
          count(kind, String(r.statusCode))
        },
        (e: { code?: string }) => count(kind, e.code ?? "error")
      )
    case "abort": {
      const ac = new AbortController()
      setTimeout(() => ac.abort(), 50).unref()
      return request(`${origin}/hold`, { dispatcher: agent, signal: ac.signal }).then(
        async (r) => {
          await r.body.dump().catch(() => undefined)
          count(kind, String(r.statusCode))
        },
        (e: { name?: string; code?: string }) => count(kind, e.name === "AbortError" || e.code === "UND_ERR_ABORTED" ? "aborted" : e.code ?? "error")
      )
    }
    case "tooLarge":
      // A declared 11 MiB body with only 64 KiB sent: answered 413 from the header alone.
      return new Promise((resolve) => {
        const s = Net.connect(port, "127.0.0.1")
        let text = ""
        let settled = false
        const done = (outcome: string) => {
          if (settled) return
          settled = true
          count(kind, outcome)
          s.destroy()
          resolve()
        }
        s.on("data", (d: Buffer) => {
          text += d.toString("latin1")
          const m = /^HTTP\/1\.1 (\d{3})/.exec(text)
          if (m !== null) done(m[1]!)
        })
        s.on("error", () => done("reset"))
        s.on("close", () => done(text === "" ? "closed" : "other"))
        s.setTimeout(5_000, () => done("timeout"))
        s.write(`POST /upload HTTP/1.1\r\nHost: gw\r\nContent-Type: application/octet-stream\r\nContent-Length: ${11 * 1024 * 1024}\r\n\r\n`)
        s.write(Buffer.alloc(64 * 1024, 0x61))
      })
  }
}

// --- statistics ------------------------------------------------------------------------------

/** Least-squares slope of y over x. */
const slope = (xs: ReadonlyArray<number>, ys: ReadonlyArray<number>): number => {
  const n = xs.length
  if (n < 2) return 0
  const mx = xs.reduce((a, b) => a + b, 0) / n
  const my = ys.reduce((a, b) => a + b, 0) / n
  let num = 0
  let den = 0
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my)
    den += (xs[i]! - mx) ** 2
  }
  return den === 0 ? 0 : num / den
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)

// --- main ------------------------------------------------------------------------------------

const main = async () => {
  const backendPort = await listen(backend)
  const gw = await startGateway(`http://127.0.0.1:${backendPort}`)
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 })
  console.log(`soak: ${DURATION}s at ${RATE} req/s (70% success, 10% backend timeout, 10% client abort, 10% 413), sample every ${SAMPLE}s, warm-up ${WARMUP}s; gateway pid ${gw.proc.pid}`)
  console.log("   t(s)   rss(MB)  procRSS(MB)  heap(MB)  ext(MB)  handles  inflight  sent")
  const started = Date.now()
  const rows: Array<{ t: number; rss: number; heap: number; handles: number }> = []
  let sent = 0
  let inflight = 0
  let maxInflight = 0
  let credit = 0
  const tick = setInterval(() => {
    credit += RATE / 100
    while (credit >= 1) {
      credit--
      if (inflight >= 2_000) {
        count("success", "skipped (client saturated)")
        continue
      }
      const n = sent++
      inflight++
      maxInflight = Math.max(maxInflight, inflight)
      void send(agent, gw.port, pickKind(n), n).finally(() => inflight--)
    }
  }, 10)
  let seen = 0
  const sampler = setInterval(() => {
    while (seen < gw.samples.length) {
      const s = gw.samples[seen++]!
      const t = (Date.now() - started) / 1000
      rows.push({ t, rss: s.rss, heap: s.heapUsed, handles: s.handles })
      console.log(`${t.toFixed(0).padStart(7)} ${mb(s.rss).padStart(9)} ${mb(procRss(gw.proc.pid!)).padStart(12)} ${mb(s.heapUsed).padStart(9)} ${mb(s.external).padStart(8)} ${String(s.handles).padStart(8)} ${String(inflight).padStart(9)} ${String(sent).padStart(6)}`)
    }
  }, 1_000)
  await new Promise((r) => setTimeout(r, DURATION * 1000))
  clearInterval(tick)
  for (let i = 0; i < 100 && inflight > 0; i++) await new Promise((r) => setTimeout(r, 100))
  await new Promise((r) => setTimeout(r, SAMPLE * 1000 + 500))
  clearInterval(sampler)

  const steady = rows.filter((r) => r.t >= WARMUP && r.t <= DURATION)
  const minutes = steady.map((r) => r.t / 60)
  console.log("\noutcomes:")
  for (const kind of Object.keys(counts) as Array<Kind>) {
    console.log(`  ${kind.padEnd(9)} ${[...counts[kind]].map(([k, v]) => `${k}: ${v}`).join(", ")}`)
  }
  console.log(`  sent ${sent} in ${DURATION}s (${(sent / DURATION).toFixed(0)} req/s), max in flight ${maxInflight}`)
  console.log(`\nunder load, after the ${WARMUP}s warm-up (${steady.length} samples):`)
  console.log(`  RSS     ${mb(steady[0]?.rss ?? 0)} → ${mb(steady.at(-1)?.rss ?? 0)} MB, slope ${(slope(minutes, steady.map((r) => r.rss)) / 1024).toFixed(1)} KiB/min`)
  console.log(`  heap    ${mb(steady[0]?.heap ?? 0)} → ${mb(steady.at(-1)?.heap ?? 0)} MB, slope ${(slope(minutes, steady.map((r) => r.heap)) / 1024).toFixed(1)} KiB/min`)
  console.log(`  handles ${steady[0]?.handles ?? 0} → ${steady.at(-1)?.handles ?? 0}, slope ${slope(minutes, steady.map((r) => r.handles)).toFixed(2)} /min`)
  await agent.close()
  gw.proc.kill("SIGTERM")
  const code = await new Promise<number | null>((r) => gw.proc.on("exit", (c) => r(c)))
  console.log(`  gateway exited with ${code} after SIGTERM`)
  backend.close()
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
