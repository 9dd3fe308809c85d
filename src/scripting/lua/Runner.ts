/**
 * Runs a stage's Lua: a pool of VMs per stage (created when needed, reused, never shared by two
 * requests at once: a request keeps its VM from `pre` to `post`, so globals set in `pre` are
 * seen by `post` as in KrakenD, and no other request's), the resume loop (time slices,
 * `http_response` calls made with undici under the request's deadline) and the bounds
 * (`sluice/lua`): a run gets `max_ms` of Lua time and `max_memory_mb`; a VM that hit a bound, or
 * whose run was interrupted, is closed and replaced; a stage has at most `max_vms` VMs, beyond
 * which requests wait for one until their deadline (then 503).
 *
 * @since 0.3.0
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { Agent, interceptors, request as undiciRequest } from "undici"
import type { GatewayConfig } from "../../config/Model.ts"
import * as Version from "../../Version.ts"
import type { ConfigError } from "../../config/ConfigError.ts"
import type { LuaConfig } from "../../config/Model.ts"
import * as Script from "./Script.ts"
import * as Vm from "./Vm.ts"

/** The bounds of a stage's runs and VMs (`sluice/lua`). */
export interface Bounds {
  /** Lua time a run may use (ms), waits for `http_response` excluded. */
  readonly cpuMs: number
  /** Memory a run may allocate beyond what its VM holds (bytes). */
  readonly memory: number
  /** VMs per stage: one per request in flight through it; beyond, requests wait for one. */
  readonly maxVms: number
}

/** The bounds a config asks for (`sluice/lua`), else 1 s, 32 MiB, 256 VMs. */
export const bounds = (config: GatewayConfig): Bounds => {
  const o = config.extra_config["sluice/lua"]
  return { cpuMs: o?.max_ms ?? 1000, memory: (o?.max_memory_mb ?? 32) * 1024 * 1024, maxVms: o?.max_vms ?? 256 }
}

/** Idle VMs kept per stage. */
const keepIdle = 64
/** Memory an idle VM may hold beyond what it held when made (else it is closed, not kept). */
const keptGarbage = 4 * 1024 * 1024
/** Largest body an `http_response` call reads. */
const maxHttpBody = 10 * 1024 * 1024

/** A VM of a stage's pool, with the version it was built from. */
export interface Lease {
  readonly vm: Vm.Vm
  readonly version: Script.Version
  /** Bytes the VM held when made: one that keeps much more after a run is replaced. */
  readonly baseline: number
  env: number
}

/** The pool of one stage. */
export interface Pool {
  readonly script: Script.Script
  readonly bounds: Bounds
  /** A VM with a fresh environment; at `maxVms` in use, waits for one until `deadline` (epoch ms). */
  acquire(deadline: number): Effect.Effect<Lease, RunError>
  release(lease: Lease): void
  /** Closes the idle VMs; VMs released afterwards are closed too (the stage's generation ended). */
  close(): void
}

/** A pool for a script (the WebAssembly module is loaded by `Script.make`). */
export const pool = (script: Script.Script, shared: Vm.Module, limits: Bounds): Pool => {
  const idle: Array<Lease> = []
  const waiters: Array<(lease: Lease | undefined) => void> = []
  let live = 0
  let closed = false
  const fresh = (): Lease => {
    const version = script.current()
    let lease = idle.pop()
    while (lease !== undefined && lease.version !== version) {
      lease.vm.close()
      live--
      lease = idle.pop()
    }
    if (lease === undefined) {
      const vm = Vm.Vm.make(shared, version.settings)
      live++
      lease = { vm, version, baseline: vm.memoryUsed(), env: 0 }
    }
    lease.env = lease.vm.newEnv()
    return lease
  }
  const busy: RunError = { message: "lua: every VM of this stage is busy until the request's deadline (sluice/lua.max_vms)", status: 503 }
  return {
    script,
    bounds: limits,
    acquire: (deadline) =>
      Effect.suspend(() => {
        if (idle.length > 0 || live < limits.maxVms) return Effect.sync(fresh)
        return Effect.callback<Lease, RunError>((resume) => {
          let waiting = true
          const waiter = (lease: Lease | undefined) => {
            waiting = false
            clearTimeout(timer)
            // handed a VM (or a slot, when the released one was closed)
            resume(lease === undefined ? Effect.sync(fresh) : Effect.sync(() => {
              lease.env = lease.vm.newEnv()
              return lease
            }))
          }
          const timer = setTimeout(() => {
            if (!waiting) return
            waiting = false
            waiters.splice(waiters.indexOf(waiter), 1)
            resume(Effect.fail(busy))
          }, Math.max(0, Math.min(deadline - Date.now(), 2 ** 31 - 1)))
          waiters.push(waiter)
          return Effect.sync(() => {
            if (!waiting) return
            waiting = false
            clearTimeout(timer)
            waiters.splice(waiters.indexOf(waiter), 1)
          })
        })
      }),
    release: (lease) => {
      lease.vm.unref(lease.env)
      const next = waiters.shift()
      const reusable = !closed && !lease.vm.broken && lease.vm.memoryUsed() <= lease.baseline + keptGarbage && lease.version === script.current()
      if (next !== undefined && reusable) return next(lease)
      if (reusable && idle.length < keepIdle) idle.push(lease)
      else {
        lease.vm.close()
        live--
      }
      // a waiter gets the freed slot
      next?.(undefined)
    },
    close: () => {
      closed = true
      for (const lease of idle.splice(0)) {
        lease.vm.close()
        live--
      }
    }
  }
}

/**
 * The pool of a Lua namespace: its scripts read, checked and compiled (`Script.make`), closed
 * with the scope (a reload's old generation, the gateway's shutdown).
 */
export const forConfig = (config: LuaConfig, limits: Bounds): Effect.Effect<Pool, ConfigError, Scope.Scope> =>
  Effect.flatMap(Effect.zip(Script.make(config, config.path), Effect.promise(() => Vm.ready())), ([script, shared]) =>
    Effect.acquireRelease(Effect.sync(() => pool(script, shared, limits)), (p) => Effect.sync(() => p.close())))

/** A failed run: Lua's message mapped to the file and line (`msg (file:Ln)`), or custom_error's. */
export interface RunError {
  readonly message: string
  readonly status?: number | undefined
  readonly contentType?: string | undefined
  /** The status holds at service level too (a request body that cannot be read). */
  readonly always?: boolean | undefined
}

const nextTurn = Effect.callback<void>((resume) => {
  const t = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(t))
})

const LUA_OK = 0
const LUA_YIELD = 1

/** `http_response`'s client: Go's default client follows up to 10 redirects. */
let client: ReturnType<Agent["compose"]> | undefined

const httpCall = (call: Vm.HttpCall, deadline: number): Effect.Effect<Vm.HttpResult | string> =>
  Effect.tryPromise({
    try: async (signal) => {
      const headers: Record<string, Array<string>> = { ...call.headers }
      if (!Object.keys(headers).some((k) => k.toLowerCase() === "user-agent")) headers["User-Agent"] = [Version.userAgent]
      const remaining = deadline - Date.now()
      if (remaining <= 0) throw new Error("the request's deadline passed")
      const res = await undiciRequest(call.url, {
        method: call.method as "GET",
        headers,
        body: call.body === "" ? null : call.body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(remaining)]),
        dispatcher: (client ??= new Agent().compose(interceptors.redirect({ maxRedirections: 10 })))
      })
      const chunks: Array<Buffer> = []
      let size = 0
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length
        if (size > maxHttpBody) {
          res.body.destroy()
          throw new Error(`the answer of ${call.url} is larger than ${maxHttpBody} bytes`)
        }
        chunks.push(chunk as Buffer)
      }
      const body = Buffer.concat(chunks).toString("utf8")
      const out: Record<string, Array<string>> = {}
      for (const [name, value] of Object.entries(res.headers)) {
        if (value === undefined) continue
        out[name.toLowerCase()] = Array.isArray(value) ? value : [value]
      }
      return { status: res.statusCode, headers: out, body } satisfies Vm.HttpResult
    },
    catch: (error) => (error instanceof Error ? error.message : String(error))
  }).pipe(Effect.catch((message) => Effect.succeed(message)))

/**
 * Drives a started run to its end: resumes after time slices and `http_response` calls.
 * Succeeds with the VM's stack holding the state table at index 1.
 */
export const drive = (lease: Lease, status: number, deadline: number): Effect.Effect<void, RunError> => {
  const vm = lease.vm
  const loop = (s: number): Effect.Effect<void, RunError> => {
    if (s === LUA_OK) return Effect.void
    if (s !== LUA_YIELD) {
      const failure = vm.failure(s)
      return Effect.fail(failure.status === undefined ? { message: Script.describe(lease.version, failure.message) } : failure)
    }
    const call = vm.yielded()
    if (call === undefined) return Effect.flatMap(nextTurn, () => loop(vm.resume(0)))
    return Effect.flatMap(httpCall(call, deadline), (result) => {
      vm.pushHttp(result)
      return loop(vm.resume(2))
    })
  }
  return loop(status).pipe(Effect.onInterrupt(() => Effect.sync(() => vm.abandon())))
}
