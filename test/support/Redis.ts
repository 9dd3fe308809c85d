/**
 * A real `redis-server` on 127.0.0.1 and a free port, for the Redis rate-limit tests (no Redis
 * mock). `.ci/run` installs the Debian package when it is missing; locally:
 * `apt-get install -y redis-server`.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { freePort } from "./Sluice.ts"

export interface RedisServer {
  readonly port: number
  readonly address: string
  /** Kills the server (SIGKILL: an outage, not a shutdown). */
  readonly kill: () => Promise<void>
  /** Starts it again on the same port (empty). */
  readonly restart: () => Promise<void>
  readonly stop: () => Promise<void>
  /** Runs a redis-cli command against it. */
  readonly cli: (...args: ReadonlyArray<string>) => string
}

/** Whether `redis-server` is installed. */
export const installed = (): boolean => {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

const launch = (port: number): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    const onData = (d: Buffer) => {
      out += d.toString()
      if (out.includes("Ready to accept connections")) resolve(proc)
    }
    proc.stdout?.on("data", onData)
    proc.stderr?.on("data", onData)
    proc.on("exit", (code) => reject(new Error(`redis-server exited ${code}: ${out}`)))
  })

/** Starts a redis-server; fails loudly when it is not installed. */
export const start = async (): Promise<RedisServer> => {
  if (!installed()) throw new Error("redis-server is not installed: apt-get install -y redis-server (.ci/run does it)")
  const port = await freePort()
  let proc = await launch(port)
  const exited = (p: ChildProcess) => new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once("exit", () => r())))
  return {
    port,
    address: `127.0.0.1:${port}`,
    kill: async () => {
      proc.kill("SIGKILL")
      await exited(proc)
    },
    restart: async () => {
      proc = await launch(port)
    },
    stop: async () => {
      proc.kill("SIGTERM")
      await exited(proc)
    },
    cli: (...args) => execFileSync("redis-cli", ["-p", String(port), ...args]).toString().trim()
  }
}
