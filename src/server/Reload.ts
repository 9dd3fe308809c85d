/**
 * Hot reload (`sluice run --watch`, SIGHUP): the gateway serves generations. A reload decodes
 * the config again and builds every pipe of the new generation (plugins imported again) before
 * anything changes; only then does the next request go to it. Requests in flight finish on the
 * generation they started on, which is closed (its transport pools, Lua VMs, isolated plugin
 * workers, telemetry exporters, Redis connections) once its last request ended. A config that
 * does not decode or build is logged with its paths and the running generation keeps serving.
 *
 * What the listener owns is not reloaded: `port`, `listen_ip`, `tls`, the server timeouts, the
 * log settings and `--workers` need a restart (a changed one is logged as a warning).
 *
 * @since 0.3.0
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpServer from "effect/http/HttpServer"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import { type Stats, statSync, unwatchFile, watchFile } from "node:fs"
import type { ConfigError } from "../config/ConfigError.ts"
import type { GatewayConfig } from "../config/Model.ts"
import * as Gateway from "../Gateway.ts"
import * as Loader from "../plugin/Loader.ts"
import * as Cluster from "./Cluster.ts"
import * as Readiness from "./Readiness.ts"
import type { HttpApp } from "../router/Router.ts"

/** One built gateway and the requests it is serving. */
interface Generation {
  readonly id: number
  readonly config: GatewayConfig
  readonly app: HttpApp
  readonly scope: Scope.Closeable
  inflight: number
  retired: boolean
}

/** What a reloadable gateway needs besides its first config. */
export interface Options extends Gateway.Options {
  /** Reads and decodes the config again (the file, the plugin settings it names). */
  readonly load: Effect.Effect<GatewayConfig, ConfigError>
  /** A file to watch: a change reloads (a burst of writes reloads once). */
  readonly watch?: string | undefined
}

/** Settings of the listener: a reload cannot change them. */
const listenerKeys = (c: GatewayConfig): string =>
  JSON.stringify([c.port, c.listen_ip, c.tls === undefined, c.read_timeout, c.write_timeout, c.idle_timeout, c.read_header_timeout, c.extra_config["telemetry/logging"]])

const describe = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  if (typeof error === "object" && error !== null && "issues" in error) {
    const issues = (error as ConfigError).issues
    return issues.map((i) => `${i.path}: ${i.message}`).join("; ")
  }
  return error instanceof Error ? error.message : String(error)
}

const statOrUndefined = (file: string): Stats | undefined => {
  try {
    return statSync(file)
  } catch {
    return undefined
  }
}

/**
 * Calls `onChange` when `file` changes, for as long as the scope lives. Polled (a stat every
 * 300 ms): editors and `sed -i` replace the file, which an inode watch misses. Compared with the
 * file as it is now, not at the first poll, so a write right after the start is seen.
 */
export const watchConfig = (file: string, onChange: () => void): Effect.Effect<void, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      let seen = statOrUndefined(file)
      const changed = (now: Stats) => {
        if (seen === undefined || now.mtimeMs !== seen.mtimeMs || now.size !== seen.size || now.ino !== seen.ino) {
          seen = now
          onChange()
        }
      }
      watchFile(file, { interval: 300 }, changed)
      return changed
    }),
    (changed) => Effect.sync(() => unwatchFile(file, changed))
  )

/** Calls `f` on every SIGHUP (instead of Node's default, exiting), for as long as the scope lives. */
export const onSighup = (f: () => void): Effect.Effect<void, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.sync(() => process.on("SIGHUP", f)), () => Effect.sync(() => process.off("SIGHUP", f)))

/** The gateway served in generations, reloaded on SIGHUP and (with `watch`) on file changes. */
export const layer = (initial: GatewayConfig, options: Options): Layer.Layer<never, ConfigError, HttpServer.HttpServer> =>
  Layer.effectDiscard(Effect.gen(function*() {
    let ids = 0
    const closing = yield* Queue.unbounded<Scope.Closeable>()
    // retired generations close here, after their last request, never on a request's fiber
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(closing), (scope) => Scope.close(scope, Exit.void))))
    const build = (config: GatewayConfig): Effect.Effect<Generation, ConfigError> =>
      Effect.flatMap(Scope.make(), (scope) =>
        Gateway.app(config, options).pipe(
          Scope.provide(scope),
          Effect.onError(() => Scope.close(scope, Exit.void)),
          Effect.map((app) => ({ id: ++ids, config, app, scope, inflight: 0, retired: false }))
        ))
    let current = yield* build(initial)
    // a retired generation closes once its last request ended
    const closeIfDrained = (g: Generation) => {
      if (g.retired && g.inflight === 0) Queue.offerUnsafe(closing, g.scope)
    }
    const handler: HttpApp = Effect.suspend(() => {
      const g = current
      g.inflight++
      return Effect.ensuring(g.app, Effect.sync(() => {
        g.inflight--
        closeIfDrained(g)
      }))
    })
    // finalizers run last-in first-out: the generation closes after the server's own finalizer
    // (listener closed, requests in flight finished), and the drain below runs before both
    yield* Effect.addFinalizer(() => Effect.suspend(() => Scope.close(current.scope, Exit.void)))
    yield* HttpServer.serveEffect(Gateway.serveable(handler))
    // as Gateway.layer: health answers draining from SIGTERM on, then shutdown_delay, then the listener closes
    const readiness = yield* Readiness.Readiness
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        readiness.beginDrain()
        const delay = current.config.extra_config["sluice/server"]?.shutdown_delay
        return delay === undefined || Duration.isZero(delay) ? Effect.void : Effect.sleep(delay)
      })
    )
    const who = Cluster.isWorker() ? ` (worker ${process.pid})` : ""

    const reload = (reason: string) =>
      Effect.gen(function*() {
        Loader.bustCache() // plugin modules are imported again
        const config = yield* options.load
        const next = yield* build(config)
        const previous = current
        current = next
        previous.retired = true
        closeIfDrained(previous)
        yield* Effect.logInfo(`reload (${reason})${who}: generation ${next.id} serves ${config.endpoints.length} endpoint(s); generation ${previous.id} drains`)
        if (listenerKeys(config) !== listenerKeys(previous.config)) {
          yield* Effect.logWarning("reload: port, listen_ip, tls, server timeouts and logging settings changed: they apply after a restart")
        }
      }).pipe(
        Effect.catchCause((cause) => Effect.logError(`reload (${reason})${who} failed, generation ${current.id} keeps serving: ${describe(cause)}`))
      )

    const triggers = yield* Queue.unbounded<string>()
    yield* onSighup(() => Queue.offerUnsafe(triggers, "SIGHUP"))
    const watched = options.watch
    if (watched !== undefined) yield* watchConfig(watched, () => Queue.offerUnsafe(triggers, `${watched} changed`))
    yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      const reason = yield* Queue.take(triggers)
      // a burst of writes (an editor saving) reloads once, after it settled
      yield* Effect.sleep("150 millis")
      yield* Queue.clear(triggers)
      yield* reload(reason)
    })))
  }))
