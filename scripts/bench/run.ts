/**
 * Sluice's benchmark suite: the backend alone ("direct"), a hand-written node:http + undici
 * gateway (the Node limit), fastify + @fastify/reply-from (the best Node peer) and Sluice, side
 * by side in one run, interleaved rounds, medians, ratios. The gateways are pinned to CPU 1 and
 * wrk + the backend to CPU 0 where `taskset` exists (2-core machines). nginx serves the backend
 * fixtures when installed, else a node:http backend.
 *
 *   npm run bench                                   # all scenarios, 3 rounds of 10 s
 *   ROUNDS=5 DURATION=15 SCENARIOS=proxy,merge npm run bench
 *   SLUICE_B=/path/to/other/checkout npm run bench  # A/B: "sluice B" is that checkout (×sluice)
 *   FRESH=1 SLUICE_B=… npm run bench           # every core gateway started anew before each round
 *
 * An A/B also prints B over A per scenario: median, geometric mean with its 95 % interval, rounds
 * won, CPU ratio. Per-round ratios move ±20 % on a shared 2-core machine: a 5 % effect needs
 * about 24 rounds before its interval leaves 1.
 *
 * Needs `wrk` (apt-get install wrk; nginx optional). Prints a table and writes
 * bench-results/<date>.json.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { connect, createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Fixtures from "./Fixtures.ts"

const root = new URL("../../", import.meta.url).pathname
const rounds = Number(process.env.ROUNDS ?? 3)
const duration = Number(process.env.DURATION ?? 10)
const only = process.env.SCENARIOS?.split(",")

const has = (cmd: string): boolean => {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}
const pin = has("taskset")
const pinned = (cpu: number | undefined, cmd: string, args: ReadonlyArray<string>): [string, Array<string>] =>
  pin && cpu !== undefined ? ["taskset", ["-c", String(cpu), cmd, ...args]] : [cmd, [...args]]

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer()
    s.listen(0, "127.0.0.1", () => {
      const a = s.address()
      const port = typeof a === "object" && a !== null ? a.port : 0
      s.close(() => resolve(port))
    })
  })

const children: Array<ChildProcess> = []
const spawnUntil = (cpu: number | undefined, cmd: string, args: ReadonlyArray<string>, ready: RegExp, env: Record<string, string> = {}) =>
  new Promise<{ proc: ChildProcess; port: number }>((resolve, reject) => {
    const [c, argv] = pinned(cpu, cmd, args)
    const proc = spawn(c, argv, { cwd: root, env: { ...process.env, ...env } })
    children.push(proc)
    let out = ""
    let started = false
    // once ready, output (an access log under load) is drained and dropped, not kept and searched
    const onData = (d: Buffer) => {
      if (started) return
      out += d.toString()
      const m = ready.exec(out)
      if (m !== null) {
        started = true
        out = ""
        resolve({ proc, port: Number(m[1]) })
      }
    }
    proc.stdout?.on("data", onData)
    proc.stderr?.on("data", onData)
    proc.on("exit", (code) => reject(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${out}`)))
  })

/**
 * The CLI of a Sluice checkout as an installed package runs it (`bin/sluice.mjs`): its compiled
 * build, made here first (`tsc -p tsconfig.build.json`). `SLUICE_SOURCE=1` runs the TypeScript
 * sources instead: Node then strips their types with a WebAssembly transpiler whose memory stays
 * in the process (~12 MB of RSS more, the same CPU per request).
 */
const sluiceCli = (checkout: string): string => {
  if (process.env.SLUICE_SOURCE !== undefined) return join(checkout, "src/cli/main.ts")
  execFileSync(process.execPath, [join(checkout, "node_modules/typescript/bin/tsc"), "-p", join(checkout, "tsconfig.build.json")], { stdio: "inherit" })
  return join(checkout, "dist/src/cli/main.js")
}

const node = (cpu: number | undefined, file: string, args: ReadonlyArray<string>, env: Record<string, string> = {}, flags: ReadonlyArray<string> = []) =>
  spawnUntil(cpu, process.execPath, [...flags, file, ...args], /(?:port=|listening on https?:\/\/[^:\s]+:)(\d+)/, env)

/**
 * Node flags every Node target runs with: the ones the README tells to run Sluice with. Without
 * `--no-memory-reducer` any of them (raw node as much as Sluice) could run ~20 % slower in the
 * rounds after an idle gap, as V8 shrinks an idle process's heap.
 */
const nodeFlags = ["--no-memory-reducer"]

const startNginx = async (dir: string, www: string) => {
  const port = await freePort()
  const conf = join(dir, "nginx.conf")
  writeFileSync(conf, `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 65;
  default_type application/json;
  types { application/json json; }
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  server {
    listen 127.0.0.1:${port};
    root ${www};
    location ~ ^/cached/([a-z0-9]+)(/.*)?$ { add_header Cache-Control "public, max-age=600"; try_files /$1.json =404; }
    location ~ ^/([a-z0-9]+)(/.*)?$ { try_files /$1.json =404; }
  }
}
`)
  mkdirSync(join(dir, "tmp"), { recursive: true })
  const [c, argv] = pinned(0, "nginx", ["-c", conf, "-p", dir])
  const proc = spawn(c, argv, { stdio: "ignore" })
  children.push(proc)
  for (let i = 0; i < 50; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1")
      socket.once("connect", () => {
        socket.destroy()
        resolve(true)
      })
      socket.once("error", () => resolve(false))
    })
    if (up) return { proc, port }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`nginx did not start: ${readFileSync(join(dir, "error.log"), "utf8")}`)
}

interface Sample {
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly rssMb: number
  readonly errors: number
  /** CPU time (user + system) of the target's processes per answered request, in µs. */
  readonly cpuUs: number
}

const toMs = (v: string | undefined): number => {
  const m = /([\d.]+)(us|ms|s)\b/.exec(v ?? "")
  if (m === null) return NaN
  const n = Number(m[1])
  return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : n
}

const rssMb = (pids: ReadonlyArray<number>): number => {
  let total = 0
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
      total += m === null ? 0 : Number(m[1]) / 1024
    } catch {
      // process gone
    }
  }
  return total
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
const ticksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100
  } catch {
    return 100
  }
})()

/** User + system CPU ticks of the processes (field 14 and 15 of /proc/<pid>/stat). */
const cpuTicks = (pids: ReadonlyArray<number>): number => {
  let total = 0
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      total += Number(fields[11]) + Number(fields[12])
    } catch {
      // process gone
    }
  }
  return total
}

const pidsOf = (proc: ChildProcess): Array<number> => {
  const pids = proc.pid === undefined ? [] : [proc.pid]
  try {
    const kids = execFileSync("sh", ["-c", `pgrep -P ${proc.pid} || true`]).toString().split(/\s+/).filter(Boolean).map(Number)
    pids.push(...kids)
  } catch {
    // no children
  }
  return pids
}

const wrk = (
  url: string,
  seconds: number,
  connections: number,
  pids: ReadonlyArray<number>,
  cpu: number | undefined,
  extra: ReadonlyArray<string> = []
) =>
  new Promise<Sample>((resolve, reject) => {
    const [c, argv] = pinned(cpu, "wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", ...extra, url])
    const ticks = cpuTicks(pids)
    const proc = spawn(c, argv)
    let out = ""
    let peak = 0
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pids))), 500)
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()))
    proc.on("exit", () => {
      clearInterval(sampler)
      const used = cpuTicks(pids) - ticks
      const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN)
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN)
      if (Number.isNaN(rps)) return reject(new Error(`wrk failed on ${url}: ${out}`))
      const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) +
        Number(/Socket errors: connect (\d+)/.exec(out)?.[1] ?? 0)
      resolve({
        rps,
        p50: toMs(/\s50%\s+(\S+)/.exec(out)?.[1]),
        p99: toMs(/\s99%\s+(\S+)/.exec(out)?.[1]),
        rssMb: Math.round(Math.max(peak, rssMb(pids))),
        errors,
        cpuUs: (used / ticksPerSecond) * 1e6 / requests
      })
    })
  })

/** The median; of an even count, the mean of the two middle values (not the upper one: that biased 8-round ratios up). */
const median = (xs: ReadonlyArray<number>): number => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/**
 * B over A, round by round: the median and the geometric mean of the req/s ratios with its 95 %
 * interval (Student's t over the log ratios), the rounds B was faster, the median CPU ratio. An
 * interval that holds 1 is no result, whatever the median says.
 */
const abSummary = (a: ReadonlyArray<Sample>, b: ReadonlyArray<Sample>): string => {
  const ratios = a.map((x, i) => b[i]!.rps / x.rps)
  const logs = ratios.map(Math.log)
  const n = logs.length
  const mean = logs.reduce((sum, x) => sum + x, 0) / n
  const sd = n < 2 ? NaN : Math.sqrt(logs.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (n - 1))
  const t = [NaN, 12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.2, 2.18, 2.16, 2.14, 2.13, 2.12][n - 1] ?? 2.09
  const half = (t * sd) / Math.sqrt(n)
  const cpu = median(a.map((x, i) => b[i]!.cpuUs / x.cpuUs))
  return `sluice B / sluice ${median(ratios).toFixed(3)} (median), ${Math.exp(mean).toFixed(3)} (geometric mean, 95 % interval ${
    Math.exp(mean - half).toFixed(3)
  }–${Math.exp(mean + half).toFixed(3)}); B faster in ${ratios.filter((r) => r > 1).length} of ${n} rounds; CPU per request B / A ${cpu.toFixed(3)}`
}

/**
 * raw node and fastify write no access log, so Sluice's comparisons run without KrakenD's (on by
 * default); the `access` scenario measures what it costs.
 */
const quiet = { router: { disable_access_log: true } }

/** What every bench gateway shares: loopback, a 2 s timeout, the backend, no access log. */
const serviceHead = (backend: string) => ({ version: 3, listen_ip: "127.0.0.1", timeout: "2s", host: [backend], extra_config: quiet })

const sluiceConfig = (backend: string) => ({ ...serviceHead(backend), endpoints: Fixtures.endpoints })

/**
 * The 1-backend route alone in a fresh process that serves nothing else (a process that served
 * the other scenarios has a grown heap and is no fair baseline):
 * - `plain`: no plugins;
 * - `plugins`: one handler plugin (request-id) and one modifier (rewrite) on the route;
 * - `unused`: a second endpoint carries a modifier, a rate limit, a bot detector, CEL, a JSON Schema,
 *   Lua, a JWT validator (`jwks`), a circuit breaker and a proxy rate limit, and the gateway has
 *   telemetry (metrics to Prometheus on `promPort`) with the measured path and its endpoint in
 *   `skip_paths` (the global layer matches the raw path, the endpoint layers the pattern), so
 *   the measured route shares a gateway with features it does not use.
 */
const sluiceRouteConfig = (backend: string, variant: "plain" | "plugins" | "unused", jwks = "", promPort = 0) => {
  const route = { endpoint: "/proxy/{id}", backend: [{ url_pattern: "/a/{id}" }] }
  const rewrite = { "plugin/req-resp-modifier": { name: ["rewrite"], rewrite: { response: { data: { set: { via: "sluice" } } } } } }
  return {
    version: 3,
    listen_ip: "127.0.0.1",
    timeout: "2s",
    host: [backend],
    extra_config: variant === "plugins"
      ? { ...quiet, "plugin/http-server": { name: ["request-id"], "request-id": {} } }
      : variant === "unused"
      ? {
        ...quiet,
        "telemetry/opentelemetry": { skip_paths: ["/proxy/7", "/proxy/{id}"], exporters: { prometheus: [{ name: "prom", port: promPort, listen_ip: "127.0.0.1" }] } }
      }
      : quiet,
    endpoints: variant === "plugins"
      ? [{ ...route, extra_config: rewrite }]
      : variant === "unused"
      ? [route, {
        endpoint: "/other/{id}",
        extra_config: {
          ...rewrite,
          "qos/ratelimit/router": { max_rate: 1000, client_max_rate: 10, strategy: "ip" },
          "security/bot-detector": { deny: ["curl.*"] },
          "validation/cel": [{ check_expr: "req_method == 'GET'" }],
          "validation/json-schema": { type: "object" },
          "modifier/lua-proxy": { pre: "local r = request.load()", post: "local d = response.load():data()" },
          "auth/validator": { alg: "RS256", jwk_local_path: jwks, roles: ["user"] }
        },
        backend: [{
          url_pattern: "/a/{id}",
          extra_config: {
            "qos/circuit-breaker": { interval: 60, timeout: 10, max_errors: 5 },
            "qos/ratelimit/proxy": { max_rate: 1000, capacity: 1000 }
          }
        }]
      }]
      : [route]
  }
}

/** A ~1 KiB order and a schema checking it (required, types, pattern, enum, nested items). */
const orderSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  required: ["id", "customer", "items"],
  additionalProperties: false,
  properties: {
    id: { type: "string", pattern: "^ord-[0-9]+$" },
    customer: { type: "object", required: ["email", "tier"], properties: { email: { type: "string", format: "email" }, tier: { enum: ["free", "pro", "enterprise"] } } },
    items: {
      type: "array",
      minItems: 1,
      items: { type: "object", required: ["sku", "qty", "price"], properties: { sku: { type: "string" }, qty: { type: "integer", minimum: 1 }, price: { type: "number" } } }
    }
  }
}
const orderBody = JSON.stringify({
  id: "ord-1234",
  customer: { email: "buyer@example.com", tier: "pro" },
  items: Array.from({ length: 16 }, (_, i) => ({ sku: `sku-${1000 + i}-blue-large`, qty: 1 + (i % 3), price: 19.99 + i }))
})

/** The 1-backend route taking a POSTed order, with or without its JSON Schema (the backend is read with GET). */
const sluiceValidationConfig = (backend: string, validate: boolean) => ({
  ...serviceHead(backend),
  endpoints: [{
    endpoint: "/orders/{id}",
    method: "POST",
    ...(validate ? { extra_config: { "validation/json-schema": orderSchema } } : {}),
    backend: [{ url_pattern: "/a/{id}", method: "GET" }]
  }]
})

/** The 1-backend route behind an RS256 validator reading a local JWK set. */
const sluiceJwtConfig = (backend: string, jwks: string) => ({
  ...serviceHead(backend),
  endpoints: [{
    endpoint: "/proxy/{id}",
    backend: [{ url_pattern: "/a/{id}" }],
    extra_config: { "auth/validator": { alg: "RS256", jwk_local_path: jwks, roles: ["user"], propagate_claims: [["sub", "X-User"]] } }
  }]
})

/**
 * An RS256 key, its JWK set file, one token, and a wrk script that sends `count` distinct tokens
 * in turn (more than a key set remembers, so every request pays a signature check).
 */
const jwtFixtures = async (dir: string, count: number) => {
  const { SignJWT, exportJWK, generateKeyPair } = await import("jose")
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true })
  const jwks = join(dir, "jwks.json")
  writeFileSync(jwks, JSON.stringify({ keys: [{ ...await exportJWK(publicKey), kid: "bench", alg: "RS256" }] }))
  const sign = (i: number) =>
    new SignJWT({ sub: `user-${i}`, roles: ["user"] }).setProtectedHeader({ alg: "RS256", kid: "bench" }).setExpirationTime("2h").sign(privateKey)
  const tokens = await Promise.all(Array.from({ length: count }, (_, i) => sign(i)))
  const script = join(dir, "tokens.lua")
  writeFileSync(script, `local tokens = {\n${tokens.map((t) => `"${t}"`).join(",\n")}\n}
local i = 0
request = function()
  i = i % #tokens + 1
  return wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. tokens[i] })
end
`)
  return { jwks, token: tokens[0]!, script }
}

/** A self-signed certificate for 127.0.0.1 (the `tls` scenario), made with the openssl CLI. */
const certificate = (dir: string) => {
  const cert = join(dir, "cert.pem")
  const key = join(dir, "key.pem")
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"
  ], { stdio: "ignore" })
  return { cert, key }
}

interface Target {
  readonly name: string
  port: number
  pids: ReadonlyArray<number>
  readonly paths: Partial<Record<string, string>>
  /** More wrk arguments (headers, a script). */
  readonly wrkArgs?: ReadonlyArray<string>
  /** `https` for a TLS listener. */
  readonly scheme?: "http" | "https"
}

/** A started process: its port and process. */
interface Started {
  readonly proc: ChildProcess
  readonly port: number
}

/** Whether one of `keys` is among the scenarios that run (all of them without SCENARIOS). */
const runs = (keys: ReadonlyArray<string>): boolean => only === undefined || keys.some((k) => only.includes(k))

/**
 * Starts a process only when one of its scenarios runs: an idle gateway still does periodic work
 * (telemetry exporters, a Redis client, timers) on the gateways' core, so a run starts only what
 * it measures.
 */
const when = <A>(keys: ReadonlyArray<string>, start: () => Promise<A>): Promise<A | undefined> =>
  runs(keys) ? start() : Promise.resolve(undefined)

/** The target entry of a started process, none when it was not started. */
const at = (started: Started | undefined, target: Omit<Target, "port" | "pids">): Array<Target> =>
  started === undefined ? [] : [{ ...target, port: started.port, pids: pidsOf(started.proc) }]

/** The scenarios every baseline (raw node, fastify) and the main Sluice process serve. */
const core = ["proxy", "bytes", "merge", "noop", "seq"]

const main = async () => {
  if (!has("wrk")) {
    console.error("wrk not found: apt-get install wrk (nginx optional)")
    process.exit(2)
  }
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-"))
  chmodSync(dir, 0o755) // nginx workers run as an unprivileged user
  const www = Fixtures.write(dir)
  const useNginx = has("nginx") && process.env.NO_NGINX === undefined
  const be = useNginx ? await startNginx(dir, www) : await node(0, "scripts/bench/backend.ts", [])
  const backend = `http://127.0.0.1:${be.port}`
  console.error(`backend: ${useNginx ? "nginx" : "node:http"} on ${backend}; pinned: ${pin}`)
  const config = join(dir, "sluice.json")
  writeFileSync(config, JSON.stringify(sluiceConfig(backend)))
  const startRaw = () => node(1, "scripts/bench/raw-proxy.ts", [], { BACKEND: backend }, nodeFlags)
  const startFastify = () => node(1, "scripts/bench/fastify-proxy.ts", [], { BACKEND: backend }, nodeFlags)
  const raw = await when(core, startRaw)
  const fastify = await when(core, startFastify)
  const cli = sluiceCli(root)
  /** `sluice run` of `file` with `workers` workers, pinned to CPU 1 (`pinned: false`: on any core). */
  const serve = (file: string, workers = 1, pinned = true) =>
    node(pinned ? 1 : undefined, cli, ["run", "-c", file, "-p", "0", "--workers", String(workers)], {}, nodeFlags)
  const startSluice = () => serve(config)
  const sluice = await when(core, startSluice)
  // A/B: SLUICE_B=<another checkout> adds "sluice B", that checkout serving the same config
  const other = process.env.SLUICE_B
  const cliB = other === undefined ? undefined : sluiceCli(other)
  const startSluiceB = () => node(1, cliB!, ["run", "-c", config, "-p", "0", "--workers", "1"], {}, nodeFlags)
  const sluiceB = cliB === undefined ? undefined : await when(core, startSluiceB)
  const jwt = await jwtFixtures(dir, 12_000)
  const route = async (variant: "plain" | "plugins" | "unused") => {
    const file = join(dir, `sluice-${variant}.json`)
    writeFileSync(file, JSON.stringify(sluiceRouteConfig(backend, variant, jwt.jwks, variant === "unused" ? await freePort() : 0)))
    return serve(file)
  }
  const unplugged = await when(["plugin", "jwt", "tls", "otel", "cel", "qos", "lua", "ratelimit", "cache", "access"], () => route("plain"))
  const plugged = await when(["plugin"], () => route("plugins"))
  const unused = await when(["plugin"], () => route("unused"))
  const jwtFile = join(dir, "sluice-jwt.json")
  writeFileSync(jwtFile, JSON.stringify(sluiceJwtConfig(backend, jwt.jwks)))
  const jwtOne = await when(["jwt"], () => serve(jwtFile))
  const jwtMany = await when(["jwt"], () => serve(jwtFile))
  // the telemetry scenario: traces (every request sampled) to an OTLP sink, metrics to Prometheus
  const sink = await when(["otel"], () => node(0, "scripts/bench/otlp-sink.ts", []))
  const plain = sluiceRouteConfig(backend, "plain")
  const otelGateway = async (name: string, rate: number, traces: boolean) => {
    const file = join(dir, `sluice-${name}.json`)
    writeFileSync(file, JSON.stringify({
      ...plain,
      extra_config: {
        ...plain.extra_config,
        "telemetry/opentelemetry": {
          trace_sample_rate: rate,
          exporters: {
            otlp: [{ name: "sink", host: "127.0.0.1", port: sink?.port ?? 0, use_http: true, disable_traces: !traces }],
            prometheus: [{ name: "prom", port: await freePort(), listen_ip: "127.0.0.1" }]
          }
        }
      }
    }))
    return serve(file)
  }
  const otel = await when(["otel"], () => otelGateway("otel", 1, true))
  const otelTenth = await when(["otel"], () => otelGateway("otel-10", 0.1, true))
  const otelMetrics = await when(["otel"], () => otelGateway("otel-metrics", 1, false))
  const pair = certificate(dir)
  const tlsFile = join(dir, "sluice-tls.json")
  writeFileSync(tlsFile, JSON.stringify({ ...sluiceRouteConfig(backend, "plain"), tls: { keys: [{ public_key: pair.cert, private_key: pair.key }] } }))
  const tls = await when(["tls"], () => serve(tlsFile))
  // the json-schema scenario: the same POST route without and with the schema
  const postScript = join(dir, "order.lua")
  writeFileSync(postScript, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(orderBody)}\n`)
  const validationGateway = async (validate: boolean) => {
    const file = join(dir, `sluice-validation-${validate}.json`)
    writeFileSync(file, JSON.stringify(sluiceValidationConfig(backend, validate)))
    return serve(file)
  }
  // the plain route with one feature added: on the endpoint, on its backend or on the service
  const plainRoute = sluiceRouteConfig(backend, "plain")
  const variant = (
    name: string,
    add: { readonly endpoint?: object; readonly backend?: object; readonly service?: object; readonly endpoints?: ReadonlyArray<object> }
  ) => {
    const file = join(dir, `sluice-${name}.json`)
    const route = plainRoute.endpoints[0]!
    writeFileSync(file, JSON.stringify({
      ...plainRoute,
      extra_config: { ...plainRoute.extra_config, ...add.service },
      endpoints: [
        {
          ...route,
          ...(add.endpoint === undefined ? {} : { extra_config: add.endpoint }),
          ...(add.backend === undefined ? {} : { backend: [{ url_pattern: "/a/{id}", extra_config: add.backend }] })
        },
        ...(add.endpoints ?? [])
      ]
    }))
    return serve(file)
  }
  // the cel scenario: one CEL rule on the params
  const celGateway = await when(["cel"], () => variant("cel", { endpoint: { "validation/cel": [{ check_expr: "req_params.Id.matches('^[0-9]+$') && int(req_params.Id) > 0" }] } }))
  // the qos scenario: a circuit breaker and a (never reached) proxy rate limit
  const qosGateway = await when(["qos"], () => variant("qos", {
    backend: {
      "qos/circuit-breaker": { interval: 60, timeout: 10, max_errors: 5 },
      "qos/ratelimit/proxy": { max_rate: 1_000_000, capacity: 1_000_000 }
    }
  }))
  // the lua scenario: a Lua pre (read a header, set one) and post (walk the answer's keys, add
  // one) on the backend (modifier/lua-backend)
  const luaGateway = await when(["lua"], () => variant("lua", {
    backend: {
      "modifier/lua-backend": {
        pre: "local r = request.load(); r:headers('X-From-Lua', r:headers('User-Agent') .. '-ok')",
        post: "local d = response.load():data(); local ks = d:keys(); local n = 0; for i = 0, ks:len() - 1 do if d:get(ks:get(i)) ~= nil then n = n + 1 end end; d:set('keys', n)"
      }
    }
  }))
  // the ratelimit scenario: an endpoint and a per-client limit that never refuses, its buckets in
  // memory and in Redis (a redis-server beside the backend, when installed)
  const limits = { max_rate: 1_000_000_000, client_max_rate: 1_000_000_000, every: "1s" }
  const memoryLimited = await when(["ratelimit"], () => variant("ratelimit", { endpoint: { "qos/ratelimit/router": limits } }))
  // the cache scenario: qos/http-cache on answers it may not store fresh (nginx sends no
  // Cache-Control but an ETag: every call is a revalidation) and on answers it keeps (max-age)
  const cached = await when(["cache"], () => variant("cache", {
    backend: { "qos/http-cache": {} },
    endpoints: [{ endpoint: "/cached/{id}", backend: [{ url_pattern: "/cached/a/{id}", extra_config: { "qos/http-cache": {} } }] }]
  }))
  let redisLimited: Started | undefined
  if (!runs(["ratelimit"])) {
    // not measured in this run
  } else if (has("redis-server")) {
    const redisPort = await freePort()
    await spawnUntil(0, "redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], /Ready to accept connections()/)
    redisLimited = await variant("ratelimit-redis", {
      service: { redis: { connection_pools: [{ name: "bench", address: `127.0.0.1:${redisPort}` }] } },
      endpoint: { "qos/ratelimit/router/redis": { connection_name: "bench", ...limits } }
    })
  } else {
    console.error("redis-server not installed: the ratelimit scenario runs without its Redis target")
  }
  const unvalidated = await when(["schema"], () => validationGateway(false))
  const validated = await when(["schema"], () => validationGateway(true))
  // the access-log scenario: the same route with KrakenD's access log on (the default), read by this process
  const accessFile = join(dir, "sluice-access.json")
  writeFileSync(accessFile, JSON.stringify({ ...sluiceRouteConfig(backend, "plain"), extra_config: {} }))
  const access = await when(["access"], () => serve(accessFile))
  const targets: Array<Target> = [
    ...at(be, { name: "direct", paths: { proxy: "/a/7", bytes: "/a/7", noop: "/big" } }),
    ...at(raw, { name: "raw node", paths: { proxy: "/proxy/7", bytes: "/bytes/7", merge: "/merge", noop: "/noop", seq: "/seq/7" } }),
    // the same process answering the backend's bytes as they are (buffered, Content-Length)
    ...at(raw, { name: "raw as-is", paths: { proxy: "/asis/7" } }),
    ...at(fastify, { name: "fastify", paths: { proxy: "/proxy/7", bytes: "/bytes/7", merge: "/merge", noop: "/noop", seq: "/seq/7" } }),
    ...at(sluice, { name: "sluice", paths: { proxy: "/proxy/7", bytes: "/bytes/7", merge: "/merge", noop: "/noop", seq: "/seq/7" } }),
    ...at(sluiceB, { name: "sluice B", paths: { proxy: "/proxy/7", bytes: "/bytes/7", merge: "/merge", noop: "/noop", seq: "/seq/7" } }),
    // the plugin scenario's "sluice" is the same route without plugins, in a process of its own
    ...at(unplugged, { name: "sluice", paths: { plugin: "/proxy/7" } }),
    ...at(plugged, { name: "sluice+plugins", paths: { plugin: "/proxy/7" } }),
    ...at(unused, { name: "sluice+unused", paths: { plugin: "/proxy/7" } }),
    // the jwt scenario compares the same route alone ("sluice" above) with an RS256 validator:
    // one client token (verified once, then remembered), and 12 000 tokens in turn (each verified)
    ...at(unplugged, { name: "sluice", paths: { jwt: "/proxy/7" } }),
    ...at(jwtOne, { name: "sluice+jwt", paths: { jwt: "/proxy/7" }, wrkArgs: ["-H", `Authorization: Bearer ${jwt.token}`] }),
    ...at(jwtMany, { name: "sluice+jwt verify", paths: { jwt: "/proxy/7" }, wrkArgs: ["-s", jwt.script] }),
    // the tls scenario: the same route alone over plain HTTP and over HTTPS (TLS 1.3, keep-alive)
    ...at(unplugged, { name: "sluice", paths: { tls: "/proxy/7" } }),
    ...at(tls, { name: "sluice+tls", paths: { tls: "/proxy/7" }, scheme: "https" }),
    // the telemetry scenario: the same route alone and with traces (rate 1) and metrics on
    ...at(unplugged, { name: "sluice", paths: { otel: "/proxy/7" } }),
    ...at(otel, { name: "sluice+otel", paths: { otel: "/proxy/7" } }),
    ...at(otelTenth, { name: "sluice+otel 10%", paths: { otel: "/proxy/7" } }),
    ...at(otelMetrics, { name: "sluice+metrics", paths: { otel: "/proxy/7" } }),
    ...at(unplugged, { name: "sluice", paths: { cel: "/proxy/7" } }),
    ...at(celGateway, { name: "sluice+cel", paths: { cel: "/proxy/7" } }),
    ...at(unplugged, { name: "sluice", paths: { qos: "/proxy/7", lua: "/proxy/7" } }),
    ...at(luaGateway, { name: "sluice+lua", paths: { lua: "/proxy/7" } }),
    ...at(unplugged, { name: "sluice", paths: { ratelimit: "/proxy/7", cache: "/proxy/7" } }),
    ...at(cached, { name: "sluice+cache, revalidated", paths: { cache: "/proxy/7" } }),
    ...(useNginx ? at(cached, { name: "sluice+cache, hits", paths: { cache: "/cached/7" } }) : []),
    ...at(memoryLimited, { name: "sluice+limit memory", paths: { ratelimit: "/proxy/7" } }),
    ...at(redisLimited, { name: "sluice+limit redis", paths: { ratelimit: "/proxy/7" } }),
    ...at(qosGateway, { name: "sluice+qos", paths: { qos: "/proxy/7" } }),
    ...at(unvalidated, { name: "sluice", paths: { schema: "/orders/7" }, wrkArgs: ["-s", postScript] }),
    ...at(validated, { name: "sluice+schema", paths: { schema: "/orders/7" }, wrkArgs: ["-s", postScript] }),
    ...at(unplugged, { name: "sluice", paths: { access: "/proxy/7" } }),
    ...at(access, { name: "sluice+access log", paths: { access: "/proxy/7" } })
  ]
  const scenarios = [
    { key: "proxy", name: "1-backend JSON proxy", connections: 50 },
    { key: "bytes", name: "1-backend no-op proxy of the same small JSON (bytes through)", connections: 50 },
    { key: "merge", name: "3-backend merge (allow/mapping/group)", connections: 50 },
    { key: "noop", name: "no-op 1 MiB passthrough", connections: 10 },
    { key: "seq", name: "sequential 2-step", connections: 50 },
    { key: "plugin", name: "1-backend proxy alone / with a handler plugin and a modifier / next to an endpoint with a modifier, rate limit, bot detector, CEL, JSON Schema, Lua, a JWT validator, a breaker and a proxy limit, with telemetry on but this path in skip_paths", connections: 50 },
    { key: "jwt", name: "1-backend proxy alone / behind an RS256 validator (local JWK): one token / 12 000 distinct tokens", connections: 50 },
    { key: "tls", name: "1-backend proxy over HTTP / over HTTPS (TLS 1.3, keep-alive connections)", connections: 50 },
    { key: "otel", name: "1-backend proxy alone / with telemetry (4 spans per sampled request to an OTLP sink, metrics to OTLP and Prometheus): every request sampled / 10% / metrics only", connections: 50 },
    { key: "cel", name: "1-backend proxy alone / with one CEL rule on its params (validation/cel)", connections: 50 },
    { key: "qos", name: "1-backend proxy alone / with a circuit breaker and a proxy rate limit on its backend", connections: 50 },
    { key: "lua", name: "1-backend proxy alone / with a Lua pre and post on its backend (modifier/lua-backend)", connections: 50 },
    { key: "cache", name: "1-backend proxy alone / with qos/http-cache: answers without freshness (nginx's ETag: revalidated, 304) / with max-age (hits)", connections: 50 },
    { key: "ratelimit", name: "1-backend proxy alone / with an endpoint and per-client rate limit (never refusing): buckets in memory / in Redis", connections: 50 },
    { key: "schema", name: `1-backend POST of a ${orderBody.length}-byte JSON order without / with its JSON Schema (validation/json-schema)`, connections: 50 },
    { key: "access", name: "1-backend proxy without / with KrakenD's access log (gin's line per request on stdout, a pipe)", connections: 50 }
  ].filter((s) => only === undefined || only.includes(s.key))

  const results: Record<string, Record<string, Array<Sample>>> = {}
  const warmUp = async (ts: ReadonlyArray<Target>) => {
    for (const s of scenarios) {
      for (const t of ts) {
        const path = t.paths[s.key]
        if (path !== undefined) await wrk(`${t.scheme ?? "http"}://127.0.0.1:${t.port}${path}`, 2, s.connections, t.pids, 0, t.wrkArgs)
      }
    }
  }
  await warmUp(targets)
  // FRESH=1: the core gateways (raw node, fastify, Sluice, Sluice B) are started anew, and warmed
  // up, before every round. Two processes of the same build can differ by 5-10 % for their whole
  // life (an A/A run of two identical builds read 1.04x and 1.08x medians for the second one): a
  // fresh pair per round turns that into noise the rounds average out instead of a bias.
  const restartable = [[raw, startRaw], [fastify, startFastify], [sluice, startSluice], [sluiceB, startSluiceB]] as const
  const live = restartable.flatMap(([started, start]) => (started === undefined ? [] : [{ current: started, start }]))
  const restart = async () => {
    const moved: Array<Target> = []
    for (const p of live) {
      const old = p.current
      const exited = new Promise((resolve) => old.proc.once("exit", resolve))
      old.proc.kill("SIGTERM")
      await exited
      p.current = await p.start()
      for (const t of targets) {
        if (t.port !== old.port) continue
        t.port = p.current.port
        t.pids = pidsOf(p.current.proc)
        moved.push(t)
      }
    }
    await warmUp(moved)
  }
  for (let r = 0; r < rounds; r++) {
    if (process.env.FRESH !== undefined && r > 0) await restart()
    const order = r % 2 === 0 ? targets : [...targets].reverse()
    for (const s of scenarios) {
      for (const t of order) {
        const path = t.paths[s.key]
        if (path === undefined) continue
        const sample = await wrk(`${t.scheme ?? "http"}://127.0.0.1:${t.port}${path}`, duration, s.connections, t.pids, 0, t.wrkArgs)
        ;((results[s.key] ??= {})[t.name] ??= []).push(sample)
        console.error(
          `round ${r + 1} ${s.key.padEnd(6)} ${t.name.padEnd(14)} ${sample.rps.toFixed(0).padStart(6)} req/s  p99 ${sample.p99.toFixed(1)} ms${
            sample.errors > 0 ? `  ERRORS ${sample.errors}` : ""
          }`
        )
      }
    }
  }

  // Multi-core: sluice with 2 workers vs 1, nothing pinned (wrk and the backend share the cores).
  let multicore: Record<string, unknown> | undefined
  if (process.env.SKIP_WORKERS === undefined && (only === undefined || only.includes("workers"))) {
    const one = await serve(config, 1, false)
    const two = await serve(config, 2, false)
    await new Promise((r) => setTimeout(r, 1_000))
    const w: Record<string, Array<Sample>> = { "1 worker": [], "2 workers": [] }
    for (let r = 0; r < rounds; r++) {
      w["1 worker"]!.push(await wrk(`http://127.0.0.1:${one.port}/proxy/7`, duration, 100, pidsOf(one.proc), undefined))
      w["2 workers"]!.push(await wrk(`http://127.0.0.1:${two.port}/proxy/7`, duration, 100, pidsOf(two.proc), undefined))
    }
    const a = median(w["1 worker"]!.map((x) => x.rps))
    const b = median(w["2 workers"]!.map((x) => x.rps))
    // CPU per request stays flat when the workers share nothing; the gain is then bounded by the
    // CPU left to the gateway next to wrk and the backend on the same cores.
    multicore = {
      "1 worker req/s": Math.round(a),
      "2 workers req/s": Math.round(b),
      ratio: Number((b / a).toFixed(2)),
      "1 worker CPU µs/req": Number(median(w["1 worker"]!.map((x) => x.cpuUs)).toFixed(1)),
      "2 workers CPU µs/req": Number(median(w["2 workers"]!.map((x) => x.cpuUs)).toFixed(1))
    }
  }

  const table: Array<Record<string, string | number>> = []
  for (const s of scenarios) {
    const byTarget = results[s.key] ?? {}
    const rawSamples = byTarget["raw node"] ?? []
    const asIsSamples = byTarget["raw as-is"] ?? []
    const fastifySamples = byTarget["fastify"] ?? []
    const sluiceSamples = byTarget["sluice"] ?? []
    for (const name of new Set(targets.map((t) => t.name))) {
      const xs = byTarget[name]
      if (xs === undefined) continue
      const ratio = (base: ReadonlyArray<Sample>) =>
        base.length === 0 ? NaN : Number(median(xs.map((x, i) => x.rps / (base[i]?.rps ?? NaN))).toFixed(2))
      // the spread of the per-round ratios: the noise of this run
      const range = (base: ReadonlyArray<Sample>) => {
        const rs = xs.map((x, i) => x.rps / (base[i]?.rps ?? NaN)).filter((r) => !Number.isNaN(r))
        return rs.length === 0 ? "" : `${Math.min(...rs).toFixed(2)}–${Math.max(...rs).toFixed(2)}`
      }
      // the baseline's CPU time per request over the target's: above 1, the target does the work for less CPU
      const cpuRatio = (base: ReadonlyArray<Sample>) =>
        base.length === 0 ? NaN : Number(median(xs.map((x, i) => (base[i]?.cpuUs ?? NaN) / x.cpuUs)).toFixed(2))
      table.push({
        scenario: s.key,
        target: name,
        "req/s": Math.round(median(xs.map((x) => x.rps))),
        "p50 ms": Number(median(xs.map((x) => x.p50)).toFixed(2)),
        "p99 ms": Number(median(xs.map((x) => x.p99)).toFixed(2)),
        "RSS MB": median(xs.map((x) => x.rssMb)),
        "×raw RSS": rawSamples.length === 0 ? NaN : Number((median(xs.map((x) => x.rssMb)) / median(rawSamples.map((x) => x.rssMb))).toFixed(2)),
        "×raw p99": rawSamples.length === 0 ? NaN : Number((median(xs.map((x) => x.p99)) / median(rawSamples.map((x) => x.p99))).toFixed(2)),
        "CPU µs/req": Number(median(xs.map((x) => x.cpuUs)).toFixed(1)),
        "×raw CPU": cpuRatio(rawSamples),
        "×raw": ratio(rawSamples),
        "×raw as-is": ratio(asIsSamples),
        "×raw range": range(asIsSamples.length > 0 ? asIsSamples : rawSamples),
        "×fastify": ratio(fastifySamples),
        "×sluice": ratio(sluiceSamples),
        errors: xs.reduce((n, x) => n + x.errors, 0)
      })
    }
  }
  console.table(table)
  if (multicore !== undefined) console.table([multicore])
  // A/B: the per-round ratios of "sluice B" over "sluice", with the interval a claim needs
  for (const s of scenarios) {
    const a = results[s.key]?.["sluice"]
    const b = results[s.key]?.["sluice B"]
    if (a !== undefined && b !== undefined) console.log(`${s.key}: ${abSummary(a, b)}`)
  }
  mkdirSync(join(root, "bench-results"), { recursive: true })
  const file = join(root, "bench-results", `${new Date().toISOString().replace(/[:.]/g, "-")}.json`)
  writeFileSync(file, JSON.stringify({ rounds, duration, pinned: pin, backend: useNginx ? "nginx" : "node", table, multicore, results }, null, 2))
  console.error(`wrote ${file}`)
}

const cleanup = () => {
  for (const c of children) {
    try {
      // SIGTERM lets nginx's master stop its workers; node processes exit on it too.
      c.kill("SIGTERM")
    } catch {
      // gone
    }
  }
}
process.on("SIGINT", () => {
  cleanup()
  process.exit(130)
})
main().then(cleanup, (e: unknown) => {
  console.error(e)
  cleanup()
  process.exit(1)
})
