/**
 * What every `sluice` command that reads a config shares: the `-c` flag and the report of a
 * config that does not decode (every issue with its JSON path, then exit 1).
 *
 * @since 0.3.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Flag from "effect/cli/Flag"
import * as Config from "../config/Config.ts"
import type { ConfigError } from "../config/ConfigError.ts"

/** `-c, --config`: the gateway config file. */
export const configFlag = Flag.File("config", { mustExist: true }).pipe(
  Flag.withAlias("c"),
  Flag.withDescription("gateway config file (KrakenD v3 JSON format)")
)

/** Prints every issue with its path, then fails with the error (exit 1). */
export const reportConfigError = (error: ConfigError) =>
  Effect.andThen(
    Console.error(`${error.issues.length} config error(s):\n${error.issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`),
    Effect.fail(error)
  )

/** Loads a config file, its issues reported. */
export const load = (file: string) => Effect.catchTag(Config.load(file), "ConfigError", reportConfigError)
