/**
 * Side-by-side benchmark: the raw node:http + undici proxy (the Node limit) and Sluice, same
 * backend, same scenarios, interleaved rounds, medians and ratios. The gateway under test is
 * pinned to CPU 1 and wrk + the backend to CPU 0 when `taskset` exists.
 *
 *   npm run bench                       # 3 rounds of 10 s per target and scenario
 *   ROUNDS=5 DURATION=15 npm run bench
 *
 * Needs `wrk` (apt-get install wrk). Writes bench-results/<date>.json.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const root = new URL("../../", import.meta.url).pathname
const rounds = Number(process.env.ROUNDS ?? 3)
const duration = Number(process.env.DURATION ?? 10)
const connections = Number(process.env.CONNECTIONS ?? 50)

const has = (cmd: string): boolean => {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}
const pin = has("taskset")
const pinned = (cpu: number, cmd: string, args: ReadonlyArray<string>): [string, Array<string>] =>
  pin ? ["taskset", ["-c", String(cpu), cmd, ...args]] : [cmd, [...args]]

const children: Array<ChildProcess> = []
const start = (cpu: number, file: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<number>((resolve, reject) => {
    const [cmd, argv] = pinned(cpu, process.execPath, [file, ...args])
    const proc = spawn(cmd, argv, { cwd: root, env: { ...process.env, ...env } })
    children.push(proc)
    let out = ""
    const onData = (d: Buffer) => {
      out += d.toString()
      const m = /port=(\d+)|listening on http:\/\/[^:\s]+:(\d+)/.exec(out)
      if (m !== null) resolve(Number(m[1] ?? m[2]))
    }
    proc.stdout.on("data", onData)
    proc.stderr.on("data", onData)
    proc.on("exit", (code) => reject(new Error(`${file} exited ${code}: ${out}`)))
  })

interface Sample {
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly rss: number
}

const toMs = (v: string): number => {
  const m = /([\d.]+)(us|ms|s)/.exec(v)
  if (m === null) return NaN
  const n = Number(m[1])
  return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : n
}

const rssOf = (pid: number | undefined): number => {
  try {
    const status = execFileSync("cat", [`/proc/${pid}/status`]).toString()
    const m = /VmRSS:\s+(\d+)/.exec(status)
    return m === null ? NaN : Number(m[1]) / 1024
  } catch {
    return NaN
  }
}

const wrk = (url: string, seconds: number, pid: number | undefined): Sample => {
  const [cmd, args] = pinned(0, "wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", url])
  let rss = NaN
  const sampler = setInterval(() => (rss = Math.max(Number.isNaN(rss) ? 0 : rss, rssOf(pid))), 1000)
  const out = execFileSync(cmd, args).toString()
  clearInterval(sampler)
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN)
  const p50 = toMs(/50%\s+(\S+)/.exec(out)?.[1] ?? "")
  const p99 = toMs(/99%\s+(\S+)/.exec(out)?.[1] ?? "")
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out)
  if (non2xx !== null) console.error(`  warning: ${non2xx[1]} non-2xx answers from ${url}`)
  return { rps, p50, p99, rss: Math.max(rss, rssOf(pid)) }
}

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!
}

const main = async () => {
  if (!has("wrk")) {
    console.error("wrk not found: apt-get install wrk")
    process.exit(2)
  }
  const backendPort = await start(0, "scripts/bench/backend.ts", [])
  const backend = `http://127.0.0.1:${backendPort}`
  const rawPort = await start(1, "scripts/bench/raw-proxy.ts", [], { BACKEND: backend })
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-"))
  const config = join(dir, "bench.json")
  writeFileSync(config, JSON.stringify({
    version: 3,
    listen_ip: "127.0.0.1",
    timeout: "2s",
    host: [backend],
    endpoints: [
      { endpoint: "/proxy/{id}", backend: [{ url_pattern: "/a/{id}" }] },
      {
        endpoint: "/merge",
        backend: [
          { url_pattern: "/a", allow: ["id", "name", "profile"], group: "user" },
          { url_pattern: "/b", allow: ["orders"] },
          { url_pattern: "/c", group: "stats" }
        ]
      }
    ]
  }))
  const sluicePort = await start(1, "src/cli/main.ts", ["run", "-c", config, "-p", "0"])
  const targets = [
    { name: "raw node+undici", port: rawPort, pid: children[1]?.pid },
    { name: "sluice", port: sluicePort, pid: children[2]?.pid }
  ]
  const scenarios = [
    { name: "1-backend proxy", path: "/proxy/7" },
    { name: "3-backend merge", path: "/merge" }
  ]
  const results: Record<string, Record<string, Array<Sample>>> = {}
  for (const s of scenarios) for (const t of targets) wrk(`http://127.0.0.1:${t.port}${s.path}`, 3, t.pid) // warm-up
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? targets : [...targets].reverse()
    for (const s of scenarios) {
      for (const t of order) {
        const sample = wrk(`http://127.0.0.1:${t.port}${s.path}`, duration, t.pid)
        ;((results[s.name] ??= {})[t.name] ??= []).push(sample)
        console.error(`round ${r + 1} ${s.name} ${t.name}: ${sample.rps.toFixed(0)} req/s p99 ${sample.p99.toFixed(1)} ms`)
      }
    }
  }
  const table: Array<Record<string, string | number>> = []
  for (const s of scenarios) {
    const raw = results[s.name]!["raw node+undici"]!
    for (const t of targets) {
      const xs = results[s.name]![t.name]!
      const rps = median(xs.map((x) => x.rps))
      const ratios = xs.map((x, i) => x.rps / raw[i]!.rps)
      table.push({
        scenario: s.name,
        target: t.name,
        "req/s": Math.round(rps),
        "p50 ms": median(xs.map((x) => x.p50)),
        "p99 ms": median(xs.map((x) => x.p99)),
        "RSS MB": Math.round(median(xs.map((x) => x.rss))),
        "×raw (median of rounds)": Number(median(ratios).toFixed(2)),
        "×raw range": `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`
      })
    }
  }
  console.table(table)
  mkdirSync(join(root, "bench-results"), { recursive: true })
  const file = join(root, "bench-results", `${new Date().toISOString().replace(/[:.]/g, "-")}.json`)
  writeFileSync(file, JSON.stringify({ rounds, duration, connections, pinned: pin, table, results }, null, 2))
  console.error(`wrote ${file}`)
}

main().finally(() => {
  for (const c of children) c.kill("SIGKILL")
})
