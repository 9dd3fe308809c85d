/**
 * The `PluginRegistry` service: every plugin the gateway can use, by kind and name — the
 * first-party plugins of `plugins/`, the plugin values passed in code, and the modules loaded
 * from `plugin.folder`. Built once by a Layer; two plugins of one kind with the same name fail
 * the start (no silent shadowing).
 *
 * @example
 * ```ts
 * const registry = yield* PluginRegistry.make({ plugins: [tag] })
 * const rewrite = registry.find("modifier", "rewrite") // a first-party plugin
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import firstParty from "../../plugins/index.ts"
import { ConfigError } from "../config/ConfigError.ts"
import type { PluginFolder } from "../config/Model.ts"
import * as Loader from "./Loader.ts"
import type { Any, Kind } from "./Plugin.ts"

/**
 * What the registry holds.
 *
 * @example
 * ```ts
 * const describe = (registry: PluginRegistry.Registry) => registry.entries.map((e) => `${e.plugin.kind} ${e.plugin.name} (${e.source})`)
 * ```
 */
export interface Registry {
  /** Every plugin with its source, first-party first. */
  readonly entries: ReadonlyArray<Loader.Entry>
  /** The plugin of `kind` named `name`. */
  readonly find: (kind: Kind, name: string) => Loader.Entry | undefined
}

/**
 * The plugins a gateway can use.
 *
 * @example
 * ```ts
 * const hasMock = Effect.map(Effect.service(PluginRegistry.PluginRegistry), (registry) => registry.find("client", "mock") !== undefined)
 * const checked = hasMock.pipe(Effect.provide(PluginRegistry.layer()))
 * ```
 */
export class PluginRegistry extends Context.Service<PluginRegistry, Registry>()("sluice/plugin/PluginRegistry") {}

/**
 * Where the registry's plugins come from.
 *
 * @example
 * ```ts
 * const options: PluginRegistry.Options = { plugins: [tag], folder: { folder: "./plugins", pattern: ".ts" }, firstParty: false }
 * ```
 */
export interface Options {
  /** Plugin values passed in code (source `code`). */
  readonly plugins?: ReadonlyArray<Any> | undefined
  /** A folder to scan (the root `plugin` of a config). */
  readonly folder?: PluginFolder | undefined
  /** Include the first-party plugins of `plugins/` (default `true`). */
  readonly firstParty?: boolean | undefined
}

/**
 * A registry over the given entries; a duplicate kind + name is a `ConfigError`.
 *
 * @example
 * ```ts
 * const registry = yield* PluginRegistry.fromEntries([{ plugin: tag, source: "code" }])
 * ```
 */
export const fromEntries = (entries: ReadonlyArray<Loader.Entry>): Effect.Effect<Registry, ConfigError> => {
  const byKey = new Map<string, Loader.Entry>()
  const issues: Array<{ path: string; message: string }> = []
  for (const entry of entries) {
    const key = `${entry.plugin.kind}:${entry.plugin.name}`
    const before = byKey.get(key)
    if (before !== undefined) {
      issues.push({
        path: entry.source.startsWith("/") ? "$.plugin.folder" : "$",
        message: `${entry.plugin.kind} plugin ${JSON.stringify(entry.plugin.name)} is defined twice (${before.source} and ${entry.source})`
      })
    } else byKey.set(key, entry)
  }
  if (issues.length > 0) return Effect.fail(new ConfigError({ issues }))
  return Effect.succeed({ entries, find: (kind, name) => byKey.get(`${kind}:${name}`) })
}

/**
 * The first-party plugins as entries.
 *
 * @example
 * ```ts
 * const names = PluginRegistry.firstPartyEntries.map((e) => e.plugin.name) // ["request-id", "ip-filter", "rewrite", "retry", "mock"]
 * ```
 */
export const firstPartyEntries: ReadonlyArray<Loader.Entry> = firstParty.map((plugin) => ({ plugin, source: "first-party" }))

/**
 * Builds the registry: first-party plugins, then code, then the folder's modules.
 *
 * @example
 * ```ts
 * const registry = yield* PluginRegistry.make({ plugins: [tag], folder: { folder: "./plugins", pattern: ".ts" } })
 * ```
 */
export const make = (options: Options = {}): Effect.Effect<Registry, ConfigError> =>
  Effect.flatMap(
    options.folder === undefined ? Effect.succeed([]) : Loader.load(options.folder),
    (loaded) =>
      fromEntries([
        ...(options.firstParty === false ? [] : firstPartyEntries),
        ...(options.plugins ?? []).map((plugin): Loader.Entry => ({ plugin, source: "code" })),
        ...loaded
      ])
  )

/**
 * The registry as a layer.
 *
 * @example
 * ```ts
 * const program = Effect.map(Effect.service(PluginRegistry.PluginRegistry), (r) => r.entries.length)
 * const runnable = program.pipe(Effect.provide(PluginRegistry.layer({ plugins: [tag] })))
 * ```
 */
export const layer = (options: Options = {}): Layer.Layer<PluginRegistry, ConfigError> => Layer.effect(PluginRegistry, make(options))
