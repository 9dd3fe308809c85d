/**
 * Lets plugin modules import Sluice by its package name from any folder: registers (once) a
 * synchronous module resolution hook (`module.registerHooks`) that resolves the bare specifier
 * `sluice` and its subpaths (`sluice/plugin`, `sluice/testing`, any subpath of package.json
 * `exports`) as a self-reference of the running Sluice package, so a plugin in `/etc/gateway/plugins`
 * gets the same module instances as the gateway that loads it. Running from the TypeScript sources
 * (in the repository) adds the `sluice-source` export condition, so the hook resolves to `src/`;
 * an installed Sluice (built into `dist/`) resolves to `dist/`. Every other specifier is left to
 * Node's resolution untouched.
 *
 * @since 0.1.0
 */
import { existsSync, readFileSync } from "node:fs"
import * as Module from "node:module"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

/** The export condition that selects the TypeScript sources (set when Sluice runs from `src/`). */
export const sourceCondition = "sluice-source"

const packageName = "sluice"

/** The running Sluice's package.json: the nearest one named `sluice` above this module. */
export const packageJsonPath = (from: string = fileURLToPath(import.meta.url)): string | undefined => {
  let dir = Path.dirname(from)
  for (;;) {
    const candidate = Path.join(dir, "package.json")
    if (existsSync(candidate)) {
      const name: unknown = (JSON.parse(readFileSync(candidate, "utf8")) as { readonly name?: unknown }).name
      if (name === packageName) return candidate
    }
    const parent = Path.dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

/** Whether `specifier` names the Sluice package or one of its subpaths. */
export const isSluiceSpecifier = (specifier: string): boolean =>
  specifier === packageName || specifier.startsWith(`${packageName}/`)

let registered = false

/**
 * Registers the hook (idempotent; later calls do nothing). Returns whether the hook is active:
 * false when the running Node has no `module.registerHooks` or the package.json is not found.
 */
export const register = (): boolean => {
  if (registered) return true
  const pkg = packageJsonPath()
  if (pkg === undefined || typeof Module.registerHooks !== "function") return false
  const parentURL = pathToFileURL(pkg).href
  const fromSource = import.meta.url.endsWith(".ts")
  Module.registerHooks({
    resolve: (specifier, context, nextResolve) => {
      if (!isSluiceSpecifier(specifier)) return nextResolve(specifier, context)
      const conditions = fromSource && !context.conditions.includes(sourceCondition)
        ? [sourceCondition, ...context.conditions]
        : context.conditions
      return nextResolve(specifier, { ...context, conditions, parentURL })
    }
  })
  registered = true
  return true
}
