/**
 * `sluice plugins -c FILE` (the counterpart of `krakend test-plugin`): lists the plugins the
 * gateway would have — first-party ones and the modules of `plugin.folder` — with their kind and
 * source, then checks every configured use (`plugin/http-server`, `plugin/req-resp-modifier`,
 * `plugin/http-client`): the plugin exists with that kind and its settings decode. Prints
 * `[OK]`/`[KO]` per use with the issues; exits 1 when any use fails. Plugins are not started.
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Config from "../config/Config.ts"
import { ConfigError, type ConfigIssue } from "../config/ConfigError.ts"
import * as JsonPath from "../config/JsonPath.ts"
import type { GatewayConfig, PluginNamespace } from "../config/Model.ts"
import type { Kind } from "../plugin/Plugin.ts"
import * as Registry from "../plugin/Registry.ts"
import * as Wiring from "../plugin/Wiring.ts"

/** Every plugin namespace of a config with the kind it names. */
export const namespaces = (config: GatewayConfig): ReadonlyArray<readonly [Kind, PluginNamespace]> => {
  const out: Array<readonly [Kind, PluginNamespace]> = []
  const server = config.extra_config["plugin/http-server"]
  if (server !== undefined) out.push(["handler", server])
  for (const endpoint of config.endpoints) {
    const mods = endpoint.extra_config["plugin/req-resp-modifier"]
    if (mods !== undefined) out.push(["modifier", mods])
    for (const backend of endpoint.backend) {
      const bm = backend.extra_config["plugin/req-resp-modifier"]
      if (bm !== undefined) out.push(["modifier", bm])
      const client = backend.extra_config["plugin/http-client"]
      if (client !== undefined) out.push(["client", client])
    }
  }
  return out
}

/** Every issue of the configured plugin uses (unknown name, wrong kind, settings that do not decode). */
export const useIssues = (config: GatewayConfig, registry: Registry.Registry): ReadonlyArray<ConfigIssue> => {
  const issues: Array<ConfigIssue> = []
  for (const [kind, ns] of namespaces(config)) Wiring.resolve(registry, kind, ns, issues)
  return issues
}

/** The report lines and whether every use decodes. */
export const report = (config: GatewayConfig, registry: Registry.Registry): { readonly lines: ReadonlyArray<string>; readonly ok: boolean } => {
  const lines: Array<string> = [`${registry.entries.length} plugin(s):`]
  for (const { plugin, source } of registry.entries) lines.push(`  ${plugin.kind.padEnd(9)} ${plugin.name.padEnd(20)} ${source}`)
  const uses = namespaces(config)
  let ok = true
  lines.push(`${uses.reduce((n, [, ns]) => n + ns.names.length, 0)} configured use(s):`)
  for (const [kind, ns] of uses) {
    const issues: Array<ConfigIssue> = []
    Wiring.resolve(registry, kind, ns, issues)
    const claimed = new Set<ConfigIssue>()
    ns.names.forEach((name, i) => {
      const at = JsonPath.key(ns.path, name)
      const namePath = ns.names.length === 1 ? JsonPath.key(ns.path, "name") : JsonPath.index(JsonPath.key(ns.path, "name"), i)
      const own = issues.filter((issue) => issue.path === namePath || issue.path === at || issue.path.startsWith(`${at}.`) || issue.path.startsWith(`${at}[`))
      own.forEach((issue) => claimed.add(issue))
      if (own.length > 0) ok = false
      lines.push(`  [${own.length === 0 ? "OK" : "KO"}] ${at} (${kind} ${name})`, ...own.map((issue) => `      ${issue.path}: ${issue.message}`))
    })
    for (const issue of issues.filter((i) => !claimed.has(i))) {
      ok = false
      lines.push(`  [KO] ${issue.path}: ${issue.message}`)
    }
  }
  return { lines, ok }
}

const reportConfigError = (error: ConfigError) =>
  Effect.andThen(
    Console.error(`${error.issues.length} config error(s):\n${error.issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`),
    Effect.fail(error)
  )

/** The `plugins` subcommand. */
export const command = Command.make(
  "plugins",
  {
    config: Flag.File("config", { mustExist: true }).pipe(
      Flag.withAlias("c"),
      Flag.withDescription("gateway config file (KrakenD v3 JSON format)")
    )
  },
  Effect.fnUntraced(function*({ config: file }) {
    const { config } = yield* Effect.catchTag(Config.load(file), "ConfigError", reportConfigError)
    const registry = yield* Effect.catchTag(Registry.make({ folder: config.plugin }), "ConfigError", reportConfigError)
    const { lines, ok } = report(config, registry)
    yield* Console.log(lines.join("\n"))
    if (!ok) return yield* Effect.fail(new ConfigError({ issues: [{ path: "$", message: "some plugin uses do not decode" }] }))
  })
).pipe(Command.withDescription("list the plugins found and check every configured use (exit 1 if one fails)"))
