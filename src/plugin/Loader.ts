/**
 * Loads plugin modules from a folder (root `plugin: { folder, pattern }`, KrakenD's loader):
 * every file directly in `folder` whose name contains `pattern` (a substring, not a glob) and
 * ends in `.js`, `.mjs`, `.cjs`, `.ts` or `.mts` (Node 22 strips types) is imported with a dynamic
 * `import()`, in name order. Its default export must be a plugin value or an array of them. Like
 * KrakenD, a problem with the folder or one module (missing folder, a module that throws while
 * loading, a wrong default export) does not stop the start: it is logged as a WARNING and that
 * module is left out — while a config that *uses* a plugin that did not load still fails the
 * start (fail closed). KrakenD's `.so` files match nothing here and are reported as skipped.
 * Before the first import, `Resolve.register` makes the bare specifiers `sluice`,
 * `sluice/plugin`, `sluice/testing` resolve to the running Sluice wherever the folder is.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { readdir } from "node:fs/promises"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { ConfigError } from "../config/ConfigError.ts"
import type { PluginFolder } from "../config/Model.ts"
import { type Any, isPlugin } from "./Plugin.ts"
import * as Resolve from "./Resolve.ts"

/** A plugin and where it came from (`first-party`, `code`, or a file path). */
export interface Entry {
  readonly plugin: Any
  readonly source: string
}

const loadable = /\.(?:m?js|cjs|m?ts)$/

const at = "$.plugin.folder"

const fail = (message: string) => new ConfigError({ issues: [{ path: at, message }] })

const messageOf = (u: unknown): string =>
  typeof u === "object" && u !== null && "message" in u && typeof u.message === "string" ? u.message : String(u)

/** The files of `folder` matching `pattern`, sorted. Relative folders resolve against the cwd. */
export const scan = (folder: PluginFolder): Effect.Effect<{ readonly files: ReadonlyArray<string>; readonly skipped: ReadonlyArray<string> }, ConfigError> =>
  Effect.tryPromise({
    try: () => readdir(Path.resolve(folder.folder), { withFileTypes: true }),
    catch: (e) => fail(`cannot read plugin folder ${folder.folder}: ${messageOf(e)}`)
  }).pipe(
    Effect.map((entries) => {
      const matching = entries
        .filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.includes(folder.pattern))
        .map((e) => e.name)
        .sort()
      return {
        files: matching.filter((n) => loadable.test(n)).map((n) => Path.join(Path.resolve(folder.folder), n)),
        skipped: matching.filter((n) => !loadable.test(n))
      }
    })
  )

/** The import generation: a hot reload imports plugin modules again under a new URL. */
let generation = 0

/**
 * Makes the next loads import every plugin module again (ESM caches a module by URL: the file's
 * URL gets `?reload=N`). Only the plugin files themselves are new; modules they import are not.
 */
export const bustCache = (): void => {
  generation++
}

/** Imports one module (its `sluice/...` imports resolving to the running Sluice) and returns its plugins. */
export const importFile = (file: string): Effect.Effect<ReadonlyArray<Entry>, ConfigError> =>
  Effect.tryPromise({
    try: () => {
      Resolve.register()
      const url = pathToFileURL(file).href
      return import(generation === 0 ? url : `${url}?reload=${generation}`) as Promise<{ readonly default?: unknown }>
    },
    catch: (e) => fail(`cannot load plugin module ${file}: ${messageOf(e)}`)
  }).pipe(
    Effect.flatMap((module) => {
      const value = module.default
      const list = Array.isArray(value) ? value : [value]
      if (list.length === 0 || !list.every(isPlugin)) {
        return Effect.fail(
          fail(`${file}: the default export must be a plugin (Plugin.handler, Plugin.modifier, Plugin.client) or an array of them`)
        )
      }
      return Effect.succeed(list.map((plugin): Entry => ({ plugin, source: file })))
    })
  )

const leftOut = (error: ConfigError) =>
  Effect.as(Effect.logWarning(`${error.issues.map((i) => i.message).join("; ")}; its plugins are not loaded`), [] as ReadonlyArray<Entry>)

/**
 * Loads every matching module of the folder; a folder or module that cannot be loaded is logged
 * and left out (KrakenD's loader carries on too).
 */
export const load = (folder: PluginFolder): Effect.Effect<ReadonlyArray<Entry>> =>
  Effect.matchEffect(scan(folder), {
    onFailure: (error) =>
      Effect.as(Effect.logWarning(`${error.issues[0]?.message ?? "cannot read the plugin folder"}; no plugin is loaded from it`), []),
    onSuccess: ({ files, skipped }) =>
      Effect.andThen(
        Effect.forEach(skipped, (name) =>
          Effect.logWarning(`plugin file ${name} in ${folder.folder} is not a JavaScript/TypeScript module; skipped`)),
        Effect.map(Effect.forEach(files, (file) => Effect.catch(importFile(file), leftOut)), (lists) => lists.flat())
      )
  })
