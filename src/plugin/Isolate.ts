/**
 * Isolated modifiers (`"isolate": true` in a `plugin/req-resp-modifier` namespace): the
 * modifier's `request` / `response` run in a `worker_threads` Worker with `resourceLimits`
 * instead of on the gateway's event loop, so a CPU loop or a leak cannot stall the gateway. One
 * worker per isolated use, started when the pipe is built; it imports the same plugin file
 * (`./IsolateWorker.ts`) and gets each call with the settings the main thread already decoded.
 * Each call is an `Effect.callback` that posts the call and resumes on the answer; the usual
 * budget (`Budget.guard`) bounds it — the gateway's loop stays free, so the timer fires even
 * while the worker spins. A call that is interrupted while pending (its budget passed, or the
 * client went away), a worker error (`ERR_WORKER_OUT_OF_MEMORY`) or exit terminates the worker,
 * fails its pending calls with a `PluginError` (→ 500 like other plugin failures), and a fresh
 * worker replaces it at once (warm for the next call).
 *
 * What crosses the thread boundary is structured-cloned: a response's `io` stream cannot (such
 * a call fails), its `errors` reach the plugin as plain `{ _tag, message }` objects and the
 * gateway keeps its own `errors` on the answer, and `data` values lose their prototypes.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { Worker } from "node:worker_threads"
import type { ProxyRequest, ProxyResponse } from "../proxy/Proxy.ts"
import { ModifierError } from "../proxy/ProxyError.ts"
import { type Modifier, PluginError, type Respond } from "./Plugin.ts"

/** A call posted to the worker. */
export interface Call {
  readonly id: number
  readonly kind: "request" | "response"
  readonly req: unknown
  readonly res?: unknown
  readonly config: unknown
}

/** The worker's answer to a call. */
export type Answer =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | {
    readonly id: number
    readonly ok: false
    readonly modifier: {
      readonly message: string
      readonly status: number | undefined
      readonly contentType: string | undefined
      readonly headers: Readonly<Record<string, string>> | undefined
    }
  }
  | { readonly id: number; readonly ok: false; readonly reason: "Failed" | "Defect"; readonly message: string }

/** Where the plugin comes from and the worker's memory limit. */
export interface Options {
  /** The plugin module file (a folder-loaded plugin's source). */
  readonly file: string
  /** Old-generation heap limit in MB (default 64). */
  readonly memoryMb?: number | undefined
  /**
   * How long the worker may take to answer a call that was abandoned (its budget passed or its
   * client left) before it counts as stuck and is replaced (default 1 s; the plugin's budget).
   */
  readonly stuckAfterMs?: number | undefined
}

/** An isolated modifier: the same plugin value with calls sent to its worker, and `close`. */
export interface Isolated {
  readonly modifier: Modifier
  /** Terminates the worker; later calls fail. */
  readonly close: () => void
}

/** The default old-generation heap limit of a worker, in MB. */
export const defaultMemoryMb = 64

const workerUrl = new URL(import.meta.url.endsWith(".ts") ? "./IsolateWorker.ts" : "./IsolateWorker.js", import.meta.url)

type Resume = (effect: Effect.Effect<unknown, ModifierError | PluginError>) => void

interface Running {
  readonly worker: Worker
  readonly pending: Map<number, Resume>
  /** Calls nobody waits for any more; their late answers are dropped. */
  readonly abandoned: Set<number>
}

const messageOf = (u: unknown): string =>
  typeof u === "object" && u !== null && "message" in u && typeof u.message === "string" ? u.message : String(u)

/** Wraps `plugin` (loaded from `options.file`) so its calls run in a worker thread. */
export const make = (plugin: Modifier, options: Options): Isolated => {
  const { name } = plugin
  const memoryMb = options.memoryMb ?? defaultMemoryMb
  const stuckAfterMs = Math.max(1, options.stuckAfterMs ?? 1_000)
  let current: Running | undefined
  let closed = false
  let nextId = 0

  // A worker stopped while serving calls is replaced at once, so the next call finds it warm; one
  // that died idle (e.g. its module failed to load) is replaced lazily by the next call.
  const failAll = (running: Running, message: string, respawn: boolean) => {
    if (current === running) current = !closed && (respawn || running.pending.size > 0) ? spawn() : undefined
    const resumes = [...running.pending.values()]
    running.pending.clear()
    for (const resume of resumes) resume(Effect.fail(new PluginError({ reason: "Defect", plugin: name, message })))
  }

  const stop = (running: Running, message: string, respawn: boolean) => {
    running.abandoned.clear()
    failAll(running, message, respawn)
    void running.worker.terminate()
  }

  const spawn = (): Running => {
    const worker = new Worker(workerUrl, {
      workerData: { file: options.file, name },
      resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.max(1, Math.min(16, Math.ceil(memoryMb / 4))) }
    })
    const running: Running = { worker, pending: new Map(), abandoned: new Set() }
    worker.on("message", (answer: Answer) => {
      if (running.abandoned.delete(answer.id)) return
      const resume = running.pending.get(answer.id)
      if (resume === undefined) return
      running.pending.delete(answer.id)
      if (answer.ok) resume(Effect.succeed(answer.value))
      else if ("modifier" in answer) resume(Effect.fail(new ModifierError(answer.modifier)))
      else resume(Effect.fail(new PluginError({ reason: answer.reason, plugin: name, message: answer.message })))
    })
    worker.on("error", (e) => {
      const code = (e as { readonly code?: unknown }).code
      stop(running, `plugin ${name}'s worker failed${typeof code === "string" ? ` (${code})` : ""}: ${messageOf(e)}`, false)
    })
    worker.on("exit", (exitCode) => failAll(running, `plugin ${name}'s worker exited with code ${exitCode}`, false))
    worker.unref()
    return running
  }

  const call = (message: Omit<Call, "id">): Effect.Effect<unknown, ModifierError | PluginError> =>
    Effect.callback<unknown, ModifierError | PluginError>((resume) => {
      if (closed) {
        resume(Effect.fail(new PluginError({ reason: "Defect", plugin: name, message: `plugin ${name}'s worker is closed` })))
        return
      }
      const running = current ?? (current = spawn())
      const id = nextId++
      try {
        running.worker.postMessage({ ...message, id } satisfies Call)
      } catch (e) {
        resume(Effect.fail(new PluginError({ reason: "Failed", plugin: name, message: `plugin ${name} is isolated: its input cannot cross to its worker: ${messageOf(e)}` })))
        return
      }
      running.pending.set(id, resume)
      // An abandoned call (budget passed, client gone) only costs its own request; the worker is
      // replaced only if it still has not answered it after `stuckAfterMs` (a CPU loop, a hang),
      // so one client that leaves never fails the other calls in flight.
      return Effect.sync(() => {
        if (!running.pending.delete(id)) return
        running.abandoned.add(id)
        const watchdog = setTimeout(() => {
          if (running.abandoned.has(id) && current === running) {
            stop(running, `plugin ${name}'s worker was stopped: it did not answer an abandoned call within ${stuckAfterMs}ms`, true)
          }
        }, stuckAfterMs)
        watchdog.unref()
      })
    })

  current = spawn()

  const modifier: { -readonly [K in keyof Modifier]: Modifier[K] } = { kind: "modifier", name, config: plugin.config }
  if (plugin.request !== undefined) {
    modifier.request = (req, config) =>
      call({ kind: "request", req, config }) as Effect.Effect<ProxyRequest | Respond, ModifierError>
  }
  if (plugin.response !== undefined) {
    modifier.response = (res, req, config) => {
      if (res.io !== undefined) {
        return Effect.fail(new PluginError({
          reason: "Failed",
          plugin: name,
          message: `plugin ${name} is isolated: a no-op response stream cannot cross to its worker`
        })) as unknown as Effect.Effect<ProxyResponse, ModifierError>
      }
      const errors = res.errors.map((e) => ({ _tag: e._tag, message: e.message }))
      return Effect.map(
        call({ kind: "response", req, res: { ...res, errors }, config }),
        (out): ProxyResponse => ({ ...(out as ProxyResponse), io: undefined, errors: res.errors })
      ) as Effect.Effect<ProxyResponse, ModifierError>
    }
  }
  return {
    modifier,
    close: () => {
      closed = true
      if (current !== undefined) stop(current, `plugin ${name}'s worker is closed`, false)
    }
  }
}
