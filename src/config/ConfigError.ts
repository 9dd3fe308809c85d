/**
 * Config failures: every issue names the JSON path (`$.endpoints[0].backend[1].url_pattern`) and
 * the rule that failed.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * One problem found in a config.
 *
 * @example
 * ```ts
 * const issue: ConfigIssue = { path: "$.endpoints[0].backend[0].url_pattern", message: "placeholder {id} is not a param of the endpoint path /users" }
 * ```
 */
export interface ConfigIssue {
  /** JSON path, e.g. `$.endpoints[3].backend[0].url_pattern`. */
  readonly path: string
  /** What is wrong, e.g. `placeholder {id} is not a param of the endpoint path /users`. */
  readonly message: string
}

/**
 * A non-fatal finding: the gateway starts, but something in the config is not used.
 *
 * @example
 * ```ts
 * const { warnings } = yield* Config.load("krakend.json")
 * for (const w of warnings) yield* Effect.logWarning(`${w.path}: ${w.message}`)
 * ```
 */
export interface ConfigWarning {
  readonly path: string
  readonly message: string
}

/**
 * The config could not be read or decoded.
 *
 * @example
 * ```ts
 * const checked = Config.load("krakend.json").pipe(
 *   Effect.catchTag("ConfigError", (e) => Effect.logError(e.issues.map((i) => `${i.path}: ${i.message}`).join("\n")))
 * )
 * ```
 */
export class ConfigError extends Data.TaggedError("ConfigError")<{
  readonly issues: ReadonlyArray<ConfigIssue>
}> {
  override get message(): string {
    return this.issues.map((i) => `${i.path}: ${i.message}`).join("\n")
  }
}
