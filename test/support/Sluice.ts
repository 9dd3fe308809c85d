/**
 * Starts `sluice run` as a real child process on a config (written to a temp file), on
 * 127.0.0.1 with port 0, and waits for its "listening on" line.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createServer as createNetServer } from "node:net"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const root = new URL("../../", import.meta.url).pathname

export interface RunningSluice {
  readonly url: string
  /** The config file it runs (a test may rewrite it to reload). */
  readonly file: string
  readonly port: number
  readonly proc: ChildProcess
  /** Everything the process wrote so far. */
  readonly output: () => string
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>
  readonly stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

/** A free TCP port on 127.0.0.1 (for configs that must name their own port). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createNetServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const a = server.address()
      const port = typeof a === "object" && a !== null ? a.port : 0
      server.close(() => resolve(port))
    })
  })

/**
 * Waits (at most 10 s) until `workers` processes of a `--workers` run logged "listening on": a
 * worker logs it once its pipes are built, and answers 503 with Retry-After before.
 */
export const untilListening = async (gw: RunningSluice, workers: number): Promise<number> => {
  const count = () => (gw.output().match(/listening on/g) ?? []).length
  for (let i = 0; i < 200 && count() < workers; i++) await new Promise((r) => setTimeout(r, 50))
  return count()
}

/** Writes a config object (or text) to a temp file and returns its path. */
export const writeConfig = (config: unknown): string => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-"))
  const file = join(dir, "gateway.json")
  writeFileSync(file, typeof config === "string" ? config : JSON.stringify(config, null, 2))
  return file
}

/** Runs the CLI to completion (for `check`, `schema`, failing `run`). */
export const runCli = (args: ReadonlyArray<string>, timeoutMs = 15_000) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const proc = spawn(process.execPath, [join(root, "src/cli/main.ts"), ...args], { cwd: root })
    let stdout = ""
    let stderr = ""
    proc.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => {
      proc.kill("SIGKILL")
      reject(new Error(`sluice ${args.join(" ")} did not exit: ${stdout}${stderr}`))
    }, timeoutMs)
    proc.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

/**
 * Starts `sluice run -c <config> -p 0` (plus extra args) and waits until it listens: by its
 * "listening on" line, or — when `options.port` is given (for configs whose log level hides that
 * INFO line) — by polling `/__health` on that port.
 */
export const startSluice = (
  config: unknown,
  extraArgs: ReadonlyArray<string> = [],
  options: { readonly port?: number; readonly env?: Readonly<Record<string, string>> } = {}
): Promise<RunningSluice> =>
  new Promise((resolve, reject) => {
    const file = writeConfig(config)
    const args = [
      join(root, "src/cli/main.ts"),
      "run",
      "-c",
      file,
      ...(options.port !== undefined ? ["-p", String(options.port)] : extraArgs.includes("-p") ? [] : ["-p", "0"]),
      ...(extraArgs.includes("--workers") ? [] : ["--workers", "1"]),
      ...extraArgs
    ]
    const proc = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...options.env } })
    let out = ""
    let done = false
    const exited = new Promise<number | null>((res) => proc.on("exit", (code) => res(code)))
    const timer = setTimeout(() => {
      proc.kill("SIGKILL")
      reject(new Error(`sluice did not start:\n${out}`))
    }, 15_000)
    const ready = (port: number) => {
      if (done) return
      done = true
      clearTimeout(timer)
      resolve({
        url: `http://127.0.0.1:${port}`,
        file,
        port,
        proc,
        output: () => out,
        exited,
        stop: (signal = "SIGTERM") => {
          if (proc.exitCode === null) proc.kill(signal)
          return exited
        }
      })
    }
    const onData = (d: Buffer) => {
      out += d.toString()
      const m = /listening on https?:\/\/[^:\s]+:(\d+)/.exec(out)
      if (m !== null) ready(Number(m[1]))
    }
    proc.stdout.on("data", onData)
    proc.stderr.on("data", onData)
    if (options.port !== undefined) {
      const port = options.port
      const poll = () => {
        if (done) return
        fetch(`http://127.0.0.1:${port}/__health`).then(
          (r) => (r.ok ? ready(port) : setTimeout(poll, 50)),
          () => setTimeout(poll, 50)
        )
      }
      poll()
    }
    void exited.then((code) => {
      clearTimeout(timer)
      if (!done) reject(new Error(`sluice exited with ${code} before listening:\n${out}`))
    })
  })
