/**
 * Multi-core serving with `node:cluster`: the primary forks N workers that run the same
 * `sluice run` command and share the listening socket. A worker that dies unexpectedly is
 * replaced (at most once per second). Interrupting the primary (SIGTERM/SIGINT) sends SIGTERM to
 * every worker — each drains its in-flight requests — and completes when all have exited.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import cluster, { type Worker } from "node:cluster"
import { availableParallelism } from "node:os"

/** The environment variable marking the workers `supervise` forks (not any cluster worker). */
export const workerMark = "SLUICE_CLUSTER_WORKER"

/** True in a worker forked by `supervise`. */
export const isWorker = (): boolean => cluster.isWorker

/** The default number of workers: one per core. */
export const defaultWorkers = (): number => Math.max(1, availableParallelism())

/** The workers could not be kept running (already reported on stderr: no stack trace). */
export class WorkersFailed extends Data.TaggedError("WorkersFailed")<{ readonly message: string }> {}

/**
 * Forks `count` workers running this process's own command line and supervises them;
 * `onFork` sees every worker forked (the revoker replays its entries to it).
 */
export const supervise = (count: number, onFork?: ((worker: Worker) => void) | undefined): Effect.Effect<void, WorkersFailed> =>
  Effect.callback<void, WorkersFailed>((resume) => {
    const workers = new Set<Worker>()
    const listening = new Set<Worker>()
    let stopping = false
    let failure: string | undefined
    let lastRestart = 0
    const failed = (reason: string) => {
      process.stderr.write(`${reason}\n`)
      return Effect.fail(new WorkersFailed({ message: reason }))
    }
    const stopAll = (reason: string) => {
      failure = reason
      stopping = true
      for (const w of workers) w.process.kill("SIGTERM")
      if (workers.size === 0) resume(failed(reason))
    }
    const fork = () => {
      const worker = cluster.fork({ [workerMark]: "1" })
      onFork?.(worker)
      workers.add(worker)
      worker.once("listening", () => listening.add(worker))
      worker.on("exit", (code, signal) => {
        workers.delete(worker)
        if (stopping) {
          if (workers.size === 0) resume(failure === undefined ? Effect.void : failed(failure))
          return
        }
        // A worker that never listened failed to start (config, plugins, port): stop everything.
        if (!listening.has(worker)) return stopAll(`sluice worker ${worker.process.pid} failed to start (${signal ?? code})`)
        listening.delete(worker)
        const now = Date.now()
        if (now - lastRestart < 1_000) return stopAll("sluice workers keep exiting")
        lastRestart = now
        process.stderr.write(`sluice worker ${worker.process.pid} exited (${signal ?? code}); restarting it\n`)
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
