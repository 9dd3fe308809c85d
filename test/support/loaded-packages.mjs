// Loaded with `--import` into a `sluice run` child: records every package specifier the process
// resolves (by `import` or `require`) and writes them, one per line, to $SLUICE_LOADED_OUT on exit.
import { writeFileSync } from "node:fs"
import { registerHooks } from "node:module"

const seen = new Set()
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (!/^(\.|\/|node:|file:)/.test(specifier)) seen.add(specifier)
    return nextResolve(specifier, context)
  }
})
process.on("exit", () => writeFileSync(process.env.SLUICE_LOADED_OUT, [...seen].join("\n")))
