/**
 * Where one route's memory goes under a steady load: Sluice (its compiled build) on CPU 1 with
 * V8's `--trace-gc-nvp`, the node:http backend and `wrk` on CPU 0, then windows of load. Per window:
 * req/s, RSS, the garbage per request (what the scavenges free), the bytes promoted to the old
 * generation per request, scavenge and mark-compact time.
 * Promotion is the number to watch: objects of finished requests that reach the old generation
 * stay until a mark-compact (RSS, pauses, p99).
 *
 *   npm run bench:gc                                  # /noop (1 MiB stream), 6 windows of 8 s, -c10
 *   ROUTE=/proxy/7 CONNECTIONS=50 WINDOWS=4 npm run bench:gc
 *   ROUTE=/proxy/7,/noop WINDOWS=3 npm run bench:gc    # 3 windows of each, in turn, in one process
 *   CHECKOUT=/path/to/other/checkout npm run bench:gc  # the same for another build
 *
 * Needs `wrk`. The routes are the bench's (`run.ts`): /proxy/7, /merge, /noop, /bytes/7, /seq/7.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Fixtures from "./Fixtures.ts"

const root = new URL("../../", import.meta.url).pathname
const checkout = process.env.CHECKOUT ?? root
const routes = (process.env.ROUTE ?? "/noop").split(",")
const windows = Number(process.env.WINDOWS ?? 6)
const duration = Number(process.env.DURATION ?? 8)
const connections = (route: string) => Number(process.env.CONNECTIONS ?? (route === "/noop" ? 10 : 50))

const children: Array<ChildProcess> = []
process.on("exit", () => children.forEach((c) => c.kill()))

/** Starts `args` pinned to `cpu`, calls `line` with every output line, resolves the port it prints. */
const start = (cpu: number, args: ReadonlyArray<string>, cwd: string, line: (l: string) => void = () => {}) =>
  new Promise<{ proc: ChildProcess; port: number }>((resolve, reject) => {
    const proc = spawn("taskset", ["-c", String(cpu), process.execPath, ...args], { cwd })
    children.push(proc)
    let rest = ""
    let port = 0
    const onData = (d: Buffer) => {
      const lines = (rest + d.toString()).split("\n")
      rest = lines.pop() ?? ""
      for (const l of lines) {
        if (port === 0) {
          const m = /(?:port=|listening on http:\/\/[^:\s]+:)(\d+)/.exec(l)
          if (m !== null) resolve({ proc, port: (port = Number(m[1])) })
        }
        line(l)
      }
    }
    proc.stdout.on("data", onData)
    proc.stderr.on("data", onData)
    proc.on("exit", (code) => port === 0 && reject(new Error(`${args.join(" ")} exited ${code}`)))
  })

interface Gc { scavenges: number; freed: number; promoted: number; scavengeMs: number; markCompacts: number; markCompactMs: number }
const zero = (): Gc => ({ scavenges: 0, freed: 0, promoted: 0, scavengeMs: 0, markCompacts: 0, markCompactMs: 0 })
let gc = zero()

/** One `--trace-gc-nvp` line: `name=value` pairs; `gc=s` is a scavenge, `gc=mc` a mark-compact. */
const onTrace = (l: string) => {
  const kind = /\bgc=(\w+)/.exec(l)?.[1]
  if (kind === undefined) return
  const field = (name: string) => Number(new RegExp(`\\b${name}=([\\d.]+)`).exec(l)?.[1] ?? 0)
  if (kind === "s") {
    gc.scavenges++
    gc.freed += field("total_size_before") - field("total_size_after")
    gc.promoted += field("promoted")
    gc.scavengeMs += field("pause")
  } else if (kind === "mc") {
    gc.markCompacts++
    gc.markCompactMs += field("pause")
  }
}

const rssMb = (pid: number) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024)

/** One window of load; asynchronous, so that the trace keeps being read (a full pipe would stall Sluice). */
const wrk = (port: number, route: string) =>
  new Promise<{ requests: number; rps: number }>((resolve, reject) => {
    const proc = spawn("taskset", ["-c", "0", "wrk", "-t1", `-c${connections(route)}`, `-d${duration}s`, `http://127.0.0.1:${port}${route}`])
    let out = ""
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()))
    proc.on("error", reject)
    proc.on("exit", () =>
      resolve({ requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0), rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0) }))
  })

const dir = mkdtempSync(join(tmpdir(), "sluice-gc-"))
const backend = await start(0, [join(root, "scripts/bench/backend.ts")], root)
const config = join(dir, "sluice.json")
writeFileSync(config, JSON.stringify({
  version: 3,
  listen_ip: "127.0.0.1",
  timeout: "2s",
  host: [`http://127.0.0.1:${backend.port}`],
  extra_config: { router: { disable_access_log: true } }, // as in the bench; V8's trace shares stdout
  endpoints: Fixtures.endpoints
}))
execFileSync(process.execPath, [join(checkout, "node_modules/typescript/bin/tsc"), "-p", join(checkout, "tsconfig.build.json")], { stdio: "inherit" })
const sluice = await start(1, ["--no-memory-reducer", "--trace-gc-nvp", "dist/src/cli/main.js", "run", "-c", config, "-p", "0"], checkout, onTrace)
console.log(`${checkout}: ${routes.map((r) => `${r} -c${connections(r)}`).join(", ")}; ${windows} windows of ${duration} s each`)

const rows: Array<Record<string, number | string>> = []
const total = { ...zero(), requests: 0 }
for (const route of routes) for (let w = 1; w <= windows; w++) {
  gc = zero()
  const { requests, rps } = await wrk(sluice.port, route)
  await new Promise((r) => setTimeout(r, 200)) // the last trace lines
  const per = (bytes: number) => Number((bytes / 1024 / Math.max(1, requests)).toFixed(2))
  rows.push({
    route,
    window: w,
    "req/s": Math.round(rps),
    "RSS MB": rssMb(sluice.proc.pid!),
    "garbage KB/req": per(gc.freed),
    "promoted KB/req": per(gc.promoted),
    "promoted MB": Number((gc.promoted / 1048576).toFixed(1)),
    scavenges: gc.scavenges,
    "scavenge ms": Math.round(gc.scavengeMs),
    "mark-compacts": gc.markCompacts,
    "mark-compact ms": Math.round(gc.markCompactMs)
  })
  total.requests += requests
  for (const k of Object.keys(gc) as Array<keyof Gc>) total[k] += gc[k]
}
console.table(rows)
console.log(
  `all windows: ${total.requests} requests, promoted ${(total.promoted / 1048576).toFixed(1)} MB ` +
    `(${(total.promoted / 1024 / total.requests).toFixed(2)} KB/request), garbage ${(total.freed / 1024 / total.requests).toFixed(1)} KB/request (freed by scavenges), ` +
    `scavenges ${total.scavenges} (${Math.round(total.scavengeMs)} ms), mark-compacts ${total.markCompacts} (${Math.round(total.markCompactMs)} ms)`
)
process.exit(0)
