/**
 * `sluice run | check | schema | plugins | plugin-init`: the bundled server's command line.
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as HttpServer from "effect/http/HttpServer"
import * as Revoker from "../auth/Revoker.ts"
import * as Config from "../config/Config.ts"
import { ConfigError } from "../config/ConfigError.ts"
import * as Gateway from "../Gateway.ts"
import * as Cluster from "../server/Cluster.ts"
import * as Registry from "../plugin/Registry.ts"
import * as ClusterScrape from "../telemetry/ClusterScrape.ts"
import * as Logging from "../server/Logging.ts"
import * as Audit from "./Audit.ts"
import NodeCluster from "node:cluster"
import * as Reload from "../server/Reload.ts"
import * as Files from "./Files.ts"
import * as OpenApi from "./OpenApi.ts"
import * as PluginInit from "./PluginInit.ts"
import * as Plugins from "./Plugins.ts"
import * as Report from "./Report.ts"

const { configFlag, reportConfigError } = Report

/**
 * What the start reads besides the config file, checked without starting anything: every
 * configured plugin use (the plugin exists with that kind, its settings decode) and the files
 * (certificates, key sets). `check` runs it; so does the primary of `run` before it forks, so a
 * bad setting is reported once, not once per worker.
 */
const preflight = (config: Config.Decoded["config"]) =>
  Effect.gen(function*() {
    const registry = yield* Effect.catchTag(Registry.make({ folder: config.plugin }), "ConfigError", reportConfigError)
    const issues = [...Plugins.useIssues(config, registry), ...(yield* Files.issues(config))]
    if (issues.length > 0) return yield* reportConfigError(new ConfigError({ issues }))
  })

const run = Command.make(
  "run",
  {
    config: configFlag,
    debug: Flag.Boolean("debug").pipe(
      Flag.withAlias("d"),
      Flag.withDefault(false),
      Flag.withDescription("enable /__debug/; log level DEBUG")
    ),
    port: Flag.Int("port").pipe(Flag.withAlias("p"), Flag.optional, Flag.withDescription("listen port (overrides the config)")),
    workers: Flag.Int("workers").pipe(
      Flag.withAlias("w"),
      Flag.optional,
      Flag.withDescription("worker processes sharing the port (default: one per core; 1 = no cluster)")
    ),
    watch: Flag.Boolean("watch").pipe(
      Flag.withDefault(false),
      Flag.withDescription("reload the config (and the plugin folder) when the config file changes; SIGHUP always reloads")
    )
  },
  Effect.fnUntraced(function*({ config: file, debug, port, workers, watch }) {
    const { config, warnings, notices } = yield* Report.load(file)
    const logging = Logging.layer(config.extra_config["telemetry/logging"], debug)
    const count = Option.getOrElse(workers, Cluster.defaultWorkers)
    if (count > 1 && !Cluster.isWorker()) {
      // The primary only supervises; each worker decodes the config again and serves. What the
      // workers would all refuse is refused here once.
      const supervised = Effect.scoped(Effect.gen(function*() {
        yield* preflight(config)
        // revocations arrive at the primary, which forwards them to every worker
        const revoker = yield* Effect.catchTag(Revoker.primary(config.extra_config["auth/revoker"]), "ConfigError", reportConfigError)
        // Prometheus exporters: the primary answers scrapes with every worker's metrics
        const metrics = yield* Effect.catchTag(ClusterScrape.primary(config), "ConfigError", reportConfigError)
        yield* Effect.logInfo(`starting ${count} workers`)
        // a reload (SIGHUP, or the watched file) reaches every worker
        yield* forwardReloads(watch ? file : undefined)
        yield* Cluster.supervise(count, (worker) => {
          revoker?.(worker)
          metrics?.(worker)
        })
      }))
      return yield* Effect.provide(supervised, logging)
    }
    const program = Effect.gen(function*() {
      for (const n of notices) yield* Effect.logInfo(`config ${n.path}: ${n.message}`)
      for (const w of warnings) yield* Effect.logWarning(`config ${w.path}: ${w.message}`)
      // served in generations: SIGHUP (and with --watch a change of the file) reloads
      const reloadConfig = Effect.map(Config.load(file), (decoded) => decoded.config)
      const serving = Reload.layer(config, {
        debug,
        accessLog: true,
        load: reloadConfig,
        watch: watch && !Cluster.isWorker() ? file : undefined
      }).pipe(
        Layer.provideMerge(Gateway.nodeServer(config, { port: Option.getOrUndefined(port) }))
      )
      yield* Layer.launch(
        Layer.effectDiscard(
          HttpServer.addressFormattedWith((address) =>
            Effect.logInfo(`${config.name === "" ? "sluice" : config.name} listening on ${
              config.tls === undefined ? address : address.replace(/^http:/, "https:")
            }`)
          )
        ).pipe(Layer.provideMerge(serving))
      ).pipe(Effect.catchTag("ConfigError", reportConfigError)) // plugin settings are decoded at start
    })
    yield* Effect.provide(program, logging)
  })
).pipe(Command.withDescription("run the gateway"))

/** The primary of a cluster: SIGHUP and (with `--watch`) file changes are sent to every worker. */
const forwardReloads = (watched: string | undefined) => {
  const forward = () => {
    for (const worker of Object.values(NodeCluster.workers ?? {})) worker?.process.kill("SIGHUP")
  }
  return Effect.andThen(Reload.onSighup(forward), watched === undefined ? Effect.void : Reload.watchConfig(watched, forward))
}

const check = Command.make(
  "check",
  { config: configFlag },
  Effect.fnUntraced(function*({ config: file }) {
    const { config, warnings, notices } = yield* Report.load(file)
    // Plugin settings and the files the start reads are part of the config too.
    yield* preflight(config)
    yield* Console.log(`Syntax OK! ${config.endpoints.length} endpoint(s)`)
    if (notices.length > 0) {
      yield* Console.log(`${notices.length} note(s):\n${notices.map((n) => `  INFO ${n.path}: ${n.message}`).join("\n")}`)
    }
    if (warnings.length > 0) {
      yield* Console.log(
        `${warnings.length} warning(s), not implemented by Sluice yet or ignored:\n${
          warnings.map((w) => `  ${w.path}: ${w.message}`).join("\n")
        }`
      )
    }
  })
).pipe(Command.withDescription("validate a config: exit 0 if it decodes, 1 with every error and its path"))

const schema = Command.make(
  "schema",
  {},
  () => Console.log(JSON.stringify(Config.jsonSchema(), null, 2))
).pipe(Command.withDescription("print the JSON Schema of the config"))

/** The `sluice` command with its subcommands. */
export const sluice = Command.make("sluice").pipe(
  Command.withDescription("Sluice API gateway"),
  Command.withSubcommands([run, check, schema, Audit.command, OpenApi.command, Plugins.command, PluginInit.command])
)
