/**
 * The `sluice` binary: the only place that runs the Effect runtime. SIGTERM/SIGINT drain the
 * server and exit 0; a config error or a failure to start exits 1.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Command from "effect/cli/Command"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { version } from "../Version.ts"
import { sluice } from "./Commands.ts"

Command.run(sluice, { version }).pipe(
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    teardown: (exit, onExit) => {
      if (Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause)) return onExit(0)
      // Typed failures (config errors, CLI usage errors) were already reported; defects were not.
      if (Cause.hasDies(exit.cause)) process.stderr.write(`${Cause.pretty(exit.cause)}\n`)
      onExit(1)
    }
  })
)
