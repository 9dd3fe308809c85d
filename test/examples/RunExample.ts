/**
 * Runs an example (`node examples/<file>.ts`) as a child process with its environment, and waits
 * until it answers HTTP on its port. `--conditions=sluice-source` resolves its `sluice` import to
 * the TypeScript sources, not to a possibly stale `dist/`.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import { freePort } from "../support/Sluice.ts"

const root = new URL("../../", import.meta.url).pathname

export interface RunningExample {
  readonly url: string
  readonly proc: ChildProcess
  readonly stop: () => Promise<void>
}

/** Starts `examples/<file>` with `env` plus a free `PORT`; resolves once `probe` gets an answer. */
export const runExample = async (file: string, env: Readonly<Record<string, string>>, probe = "/"): Promise<RunningExample> => {
  const port = await freePort()
  const proc = spawn(process.execPath, ["--conditions=sluice-source", join(root, "examples", file)], { cwd: root, env: { ...process.env, ...env, PORT: String(port) } })
  let out = ""
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()))
  proc.stderr.on("data", (d: Buffer) => (out += d.toString()))
  const exited = new Promise<void>((resolve) => proc.on("exit", () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const started = Date.now()
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`examples/${file} exited: ${out}`)
    const answered = await fetch(`${url}${probe}`).then(() => true, () => false)
    if (answered) break
    if (Date.now() - started > 15_000) {
      proc.kill("SIGKILL")
      throw new Error(`examples/${file} did not start: ${out}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url,
    proc,
    stop: () => {
      if (proc.exitCode === null) proc.kill("SIGTERM")
      return exited
    }
  }
}
