/**
 * The time budget and failure catching of plugin calls. Every call of plugin code runs here:
 * bounded by the smaller of its budget and what is left of the request deadline, with every
 * cause caught — a throw or a defect becomes a `PluginError("Defect")`, a time-out a
 * `PluginError("Timeout")`, any other unexpected failure `PluginError("Failed")` — logged with
 * the plugin's name. Interruption passes through untouched (the client went away). Only plugin
 * calls pay for this; a route without plugins never gets here.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Deadline from "../proxy/Deadline.ts"
import { PluginError } from "./Plugin.ts"

/** The budget used when neither the namespace nor the caller gives one. */
export const defaultMillis = (fallback: Duration.Duration): number => Math.max(1, Math.round(Duration.toMillis(fallback)))

/** Milliseconds of a namespace `budget`, or of `fallback` (the endpoint timeout). */
export const millis = (budget: Duration.Duration | undefined, fallback: Duration.Duration): number =>
  defaultMillis(budget ?? fallback)

const messageOf = (u: unknown): string =>
  typeof u === "object" && u !== null && "message" in u && typeof u.message === "string" ? u.message : String(u)

const isPluginError = (u: unknown): u is PluginError =>
  typeof u === "object" && u !== null && (u as { readonly _tag?: unknown })._tag === "PluginError"

/** What a failure cause of plugin `name` means, as a `PluginError` (not for interruptions). */
export const toPluginError = (plugin: string, cause: Cause.Cause<unknown>): PluginError => {
  const failure = Cause.findError(cause)
  if (failure._tag === "Success") {
    const error = failure.success
    if (isPluginError(error)) return error
    return new PluginError({ reason: "Failed", plugin, message: `plugin ${plugin} failed: ${messageOf(error)}`, cause: error })
  }
  const defect = Cause.findDefect(cause)
  const thrown = defect._tag === "Success" ? defect.success : Cause.squash(cause)
  return new PluginError({ reason: "Defect", plugin, message: `plugin ${plugin} crashed: ${messageOf(thrown)}`, cause: thrown })
}

/** Logs a plugin failure with the plugin's name (error level; the request fails, not the process). */
export const log = (error: PluginError, cause: Cause.Cause<unknown> | undefined = undefined): Effect.Effect<void> =>
  Effect.logError(error.message, ...(cause !== undefined && error.reason === "Defect" ? [Cause.pretty(cause)] : [])).pipe(
    Effect.annotateLogs({ plugin: error.plugin, reason: error.reason })
  )

/**
 * `effect` bounded by `ms` milliseconds: it runs in one child fiber (started at once, so an
 * answer that is there without waiting costs no timer) and one native timer interrupts it and
 * answers `onTimeout()` instead. `Effect.timeoutOrElse` forks two fibers (the effect and an
 * Effect `sleep`) and races them; this is the same bound for one fork. Interrupting the caller
 * interrupts the child.
 *
 * @example
 * ```ts
 * const bounded = Budget.within(handler, 50, () => Effect.succeed(HttpServerResponse.empty({ status: 504 })))
 * ```
 */
export const within = <A, E, R, B, E2>(
  effect: Effect.Effect<A, E, R>,
  ms: number,
  onTimeout: () => Effect.Effect<B, E2>
): Effect.Effect<A | B, E | E2, R> =>
  Effect.flatMap(Effect.forkChild(effect, { startImmediately: true }), (fiber): Effect.Effect<A | B, E | E2> => {
    const exit = fiber.pollUnsafe()
    if (exit !== undefined) return exit
    return Effect.callback<A | B, E | E2>((resume) => {
      const timer = setTimeout(() => {
        stop()
        fiber.interruptUnsafe()
        resume(onTimeout())
      }, Deadline.timerDelay(ms))
      const stop = fiber.addObserver((exit) => {
        clearTimeout(timer)
        resume(exit)
      })
      return Effect.sync(() => {
        clearTimeout(timer)
        stop()
        fiber.interruptUnsafe()
      })
    })
  })

const isDone = <A, E>(effect: Effect.Effect<A, E>): effect is Exit.Exit<A, E> => Exit.isExit(effect)

/**
 * Builds, once per plugin, the guard of its calls: `guarded(deadline, run)` runs `run()` under the
 * smaller of `budgetMs` and what is left until `deadline`, and catches every cause: errors
 * accepted by `isExpected` pass through; anything else (and a time-out) becomes a logged
 * `PluginError` mapped by `onError`. `run` is called when the Effect runs, so a throw while
 * building the plugin's Effect is caught too.
 */
export const guard = <E2>(options: {
  readonly plugin: string
  readonly budgetMs: number
  readonly isExpected: (u: unknown) => u is E2
  readonly onError: (error: PluginError) => E2
}) => {
  const { budgetMs, isExpected, onError, plugin } = options
  const timeout = (ms: number) =>
    Effect.fail(new PluginError({ reason: "Timeout", plugin, message: `plugin ${plugin} did not finish within its budget of ${ms}ms` }))
  const recover = (cause: Cause.Cause<unknown>): Effect.Effect<never, E2> => {
    if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
    const failure = Cause.findError(cause)
    if (failure._tag === "Success" && !Cause.hasDies(cause) && isExpected(failure.success)) {
      return Effect.fail(failure.success)
    }
    const error = toPluginError(plugin, cause)
    return Effect.andThen(log(error, cause), Effect.fail(onError(error)))
  }
  const handle = <A, E>(call: Effect.Effect<A, E | PluginError>): Effect.Effect<A, E2> => Effect.catchCause(call, recover)
  return <A, E>(deadline: number, run: () => Effect.Effect<A, E>): Effect.Effect<A, E2> =>
    Effect.suspend((): Effect.Effect<A, E2> => {
      const ms = Math.min(budgetMs, deadline - Date.now())
      if (ms <= 0) return handle(timeout(0))
      let effect: Effect.Effect<A, E>
      try {
        effect = run()
      } catch (thrown) {
        return handle(Effect.die(thrown))
      }
      // An answer that is already there (`Effect.succeed(...)`) took no time: no timer, no race.
      if (isDone(effect)) return Exit.isSuccess(effect) ? Effect.succeed(effect.value) : handle(effect)
      return handle(within(effect, ms, () => timeout(ms)))
    })
}
