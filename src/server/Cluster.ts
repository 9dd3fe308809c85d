/**
 * Multi-core serving with `node:cluster`: the primary forks N workers that run the same
 * `sluice run` command and share the listening socket. A worker that dies unexpectedly is
 * replaced (at most once per second). Interrupting the primary (SIGTERM/SIGINT) sends SIGTERM to
 * every worker — each drains its in-flight requests — and completes when all have exited.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import cluster, { type Worker } from "node:cluster"
import { availableParallelism } from "node:os"

/** True in a worker forked by `supervise`. */
export const isWorker = (): boolean => cluster.isWorker

/** The default number of workers: one per core. */
export const defaultWorkers = (): number => Math.max(1, availableParallelism())

/** Forks `count` workers running this process's own command line and supervises them. */
export const supervise = (count: number): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    const workers = new Set<Worker>()
    let stopping = false
    let lastRestart = 0
    const fork = () => {
      const worker = cluster.fork()
      workers.add(worker)
      worker.on("exit", (code, signal) => {
        workers.delete(worker)
        if (stopping) {
          if (workers.size === 0) resume(Effect.void)
          return
        }
        const now = Date.now()
        process.stderr.write(`sluice worker ${worker.process.pid} exited (${signal ?? code}); `)
        if (now - lastRestart < 1_000) {
          process.stderr.write("restarting too often, stopping\n")
          stopping = true
          for (const w of workers) w.process.kill("SIGTERM")
          if (workers.size === 0) resume(Effect.die(new Error("sluice workers keep exiting")))
          return
        }
        lastRestart = now
        process.stderr.write("restarting it\n")
        fork()
      })
    }
    for (let i = 0; i < count; i++) fork()
    return Effect.callback<void>((done) => {
      stopping = true
      if (workers.size === 0) return done(Effect.void)
      for (const w of workers) {
        w.on("exit", () => {
          if (workers.size === 0) done(Effect.void)
        })
        w.process.kill("SIGTERM")
      }
    })
  })
