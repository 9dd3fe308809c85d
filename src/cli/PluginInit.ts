/**
 * `sluice plugin-init FOLDER`: makes a plugin folder kept outside the project type-check against
 * the Sluice that runs it. It writes, into the folder:
 * - `tsconfig.json` (if there is none): strict, `noEmit`, NodeNext resolution, `.ts` and checked
 *   `.js`/`.mjs` files of the folder;
 * - `package.json` (if there is none): `"type": "module"`, so `.js` plugins are ES modules;
 * - `node_modules/sluice`, `node_modules/effect` (and `@types/node` when Sluice has it): links to
 *   the running Sluice and its own `effect`, so `import ... from "sluice/plugin"` gets this Sluice's
 *   types and a plugin importing `effect` directly sees the same version.
 * Then `tsc -p FOLDER` type-checks the plugins. The loader reads only the files directly in the
 * folder, so `node_modules` there changes nothing at run time; run the command again after
 * moving or upgrading Sluice (the links are replaced, the JSON files kept).
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import { existsSync, lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import * as Resolve from "../plugin/Resolve.ts"

/** The folder could not be prepared. */
export class PluginInitError extends Data.TaggedError("PluginInitError")<{ readonly message: string }> {}

/** The `tsconfig.json` written into a plugin folder. */
export const tsconfig = (sourceTypes: boolean) => ({
  compilerOptions: {
    target: "ES2023",
    lib: ["ES2023"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    // a checkout without dist/ resolves `sluice` to its TypeScript sources
    ...(sourceTypes ? { customConditions: [Resolve.sourceCondition], allowImportingTsExtensions: true } : {}),
    strict: true,
    allowJs: true,
    checkJs: true,
    skipLibCheck: true,
    noEmit: true
  },
  include: ["*.ts", "*.mts", "*.js", "*.mjs"]
})

const link = (target: string, at: string): void => {
  mkdirSync(Path.dirname(at), { recursive: true })
  if (existsSync(at) || isLink(at)) rmSync(at, { recursive: true, force: true })
  symlinkSync(target, at, "dir")
}

const isLink = (at: string): boolean => {
  try {
    return lstatSync(at).isSymbolicLink()
  } catch {
    return false
  }
}

const writeIfMissing = (file: string, value: unknown): boolean => {
  if (existsSync(file)) return false
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`)
  return true
}

/** Prepares `folder`; returns what was written, for the report. */
export const init = (folder: string): Effect.Effect<ReadonlyArray<string>, PluginInitError> =>
  Effect.try({
    try: () => {
      const pkg = Resolve.packageJsonPath()
      if (pkg === undefined) throw new Error("cannot find the running Sluice's package.json")
      const root = Path.dirname(pkg)
      const dir = Path.resolve(folder)
      mkdirSync(dir, { recursive: true })
      const require = createRequire(pkg)
      const sourceTypes = !existsSync(Path.join(root, "dist/src/plugin/Plugin.d.ts"))
      const done: Array<string> = []
      if (writeIfMissing(Path.join(dir, "tsconfig.json"), tsconfig(sourceTypes))) done.push("tsconfig.json")
      if (writeIfMissing(Path.join(dir, "package.json"), { private: true, type: "module" })) done.push("package.json")
      link(root, Path.join(dir, "node_modules/sluice"))
      done.push(`node_modules/sluice -> ${root}`)
      const effect = Path.dirname(require.resolve("effect/package.json"))
      link(effect, Path.join(dir, "node_modules/effect"))
      done.push(`node_modules/effect -> ${effect}`)
      const nodeTypes = Path.join(root, "node_modules/@types/node")
      if (existsSync(nodeTypes)) {
        link(nodeTypes, Path.join(dir, "node_modules/@types/node"))
        done.push(`node_modules/@types/node -> ${nodeTypes}`)
      }
      return done
    },
    catch: (e) => new PluginInitError({ message: `cannot prepare ${folder}: ${e instanceof Error ? e.message : String(e)}` })
  })

/** The `plugin-init` subcommand. */
export const command = Command.make(
  "plugin-init",
  { folder: Argument.Directory("folder").pipe(Argument.withDescription("the plugin folder (created if missing)")) },
  Effect.fnUntraced(function*({ folder }) {
    const done = yield* Effect.tapError(init(folder), (e) => Console.error(e.message))
    const root = Path.dirname(Resolve.packageJsonPath() ?? ".")
    const tsc = Path.join(root, "node_modules/.bin/tsc")
    yield* Console.log(
      `${done.map((d) => `  ${d}`).join("\n")}\ntype-check the plugins with: ${existsSync(tsc) ? tsc : "npx -p typescript tsc"} -p ${folder}`
    )
  })
).pipe(Command.withDescription("write tsconfig.json and links into a plugin folder so tsc type-checks its plugins against this Sluice"))
