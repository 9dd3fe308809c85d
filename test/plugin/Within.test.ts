import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { describe, expect, it } from "vitest"
import * as Budget from "../../src/plugin/Budget.ts"

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromiseExit(effect)

describe("Budget.within: one child fiber and one native timer", () => {
  it("an answer that is already there is returned as is", async () => {
    const exit = await run(Budget.within(Effect.succeed(1), 50, () => Effect.succeed(2)))
    expect(exit).toStrictEqual(Exit.succeed(1))
  })

  it("an answer within the budget wins; its failure stays typed", async () => {
    expect(await run(Budget.within(Effect.as(Effect.sleep(5), "late enough"), 500, () => Effect.succeed("timeout"))))
      .toStrictEqual(Exit.succeed("late enough"))
    const failed = await run(Budget.within(Effect.andThen(Effect.sleep(5), Effect.fail("boom" as const)), 500, () => Effect.succeed("timeout")))
    expect(failed).toStrictEqual(Exit.fail("boom"))
  })

  it("past the budget the effect is interrupted (its finalizer runs) and onTimeout answers", async () => {
    let finalized = false
    const hang = Effect.never.pipe(Effect.ensuring(Effect.sync(() => (finalized = true))))
    const started = Date.now()
    const exit = await run(Budget.within(hang, 30, () => Effect.succeed("timeout")))
    expect(exit).toStrictEqual(Exit.succeed("timeout"))
    expect(Date.now() - started).toBeGreaterThanOrEqual(25)
    await new Promise((r) => setTimeout(r, 10))
    expect(finalized).toBe(true)
  })

  it("interrupting the caller interrupts the effect and never answers onTimeout", async () => {
    let finalized = false
    let timedOut = false
    const hang = Effect.never.pipe(Effect.ensuring(Effect.sync(() => (finalized = true))))
    const fiber = Effect.runFork(Budget.within(hang, 40, () => Effect.sync(() => (timedOut = true))))
    await new Promise((r) => setTimeout(r, 5))
    await Effect.runPromise(Fiber.interrupt(fiber))
    expect(finalized).toBe(true)
    await new Promise((r) => setTimeout(r, 60))
    expect(timedOut).toBe(false)
  })
})
