/**
 * Resolves a config's plugin namespaces against the registry, once, before the pipes are built:
 * every named plugin must exist with the right kind, and its settings must decode with its
 * Schema — all problems are reported together as one `ConfigError`, each at its JSON path
 * (`$.endpoints[0].backend[1].extra_config["plugin/req-resp-modifier"].rewrite.set`). Then the
 * handler and client plugins are built in the gateway's scope (clients with `Layer.build`) and
 * the result is the `Stages` the pipe factory reads plus the handler chain.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as HttpClient from "effect/http/HttpClient"
import { ConfigError, type ConfigIssue } from "../config/ConfigError.ts"
import * as JsonPath from "../config/JsonPath.ts"
import type { BackendConfig, EndpointConfig, GatewayConfig, PluginNamespace } from "../config/Model.ts"
import * as SchemaIssues from "../config/SchemaIssues.ts"
import * as Suggest from "../config/Suggest.ts"
import type { Executor } from "../proxy/Executor.ts"
import { identity, type Middleware } from "../proxy/Proxy.ts"
import * as ClientIp from "../router/ClientIp.ts"
import * as Budget from "./Budget.ts"
import * as ClientExecutor from "./ClientExecutor.ts"
import type * as HandlerChain from "./HandlerChain.ts"
import * as Isolate from "./Isolate.ts"
import * as ModifierStage from "./ModifierStage.ts"
import { type Any, type Client, type Handler, type Kind, type Modifier, PluginContext } from "./Plugin.ts"
import type { Stages } from "./PluginStages.ts"
import type { Registry } from "./Registry.ts"

/** The resolved plugins of a gateway. */
export interface Wired {
  readonly stages: Stages
  /** Handler plugins in config order (the last is outermost). */
  readonly handlers: ReadonlyArray<HandlerChain.Built>
  /** Budget of one request through the handler chain, in ms. */
  readonly handlerBudgetMs: number
}

/** One named use of a plugin in a namespace, with its decoded settings. */
export interface Use<P extends Any = Any> {
  readonly plugin: P
  readonly config: unknown
  /** JSON path of its settings. */
  readonly path: string
  /** Where the plugin comes from (`first-party`, `code`, or its module file). */
  readonly source?: string | undefined
}

const namespaceOf: Record<Kind, string> = {
  handler: "plugin/http-server",
  modifier: "plugin/req-resp-modifier",
  client: "plugin/http-client"
}

/**
 * Decodes the uses of one namespace: each name must be a `kind` plugin of the registry, and its
 * settings (`{}` when absent) must decode. Problems are pushed to `issues`.
 */
export const resolve = <K extends Kind>(
  registry: Registry,
  kind: K,
  ns: PluginNamespace,
  issues: Array<ConfigIssue>
): ReadonlyArray<Use<Extract<Any, { readonly kind: K }>>> => {
  const uses: Array<Use<Extract<Any, { readonly kind: K }>>> = []
  const known = registry.entries.filter((e) => e.plugin.kind === kind).map((e) => e.plugin.name)
  ns.names.forEach((name, i) => {
    const namePath = ns.names.length === 1 ? JsonPath.key(ns.path, "name") : JsonPath.index(JsonPath.key(ns.path, "name"), i)
    const entry = registry.find(kind, name)
    if (entry === undefined) {
      const other = registry.entries.find((e) => e.plugin.name === name)
      issues.push({
        path: namePath,
        message: other !== undefined
          ? `${JSON.stringify(name)} is a ${other.plugin.kind} plugin, not a ${kind} plugin (${namespaceOf[kind]})`
          : `unknown ${kind} plugin ${JSON.stringify(name)}${Suggest.hint(name, known)}${
            known.length === 0 ? "" : ` (known: ${known.join(", ")})`
          }`
      })
      return
    }
    const path = JsonPath.key(ns.path, name)
    const raw = Object.hasOwn(ns.settings, name) ? ns.settings[name] : {}
    const decoded = SchemaIssues.decode(entry.plugin.config)(raw, path)
    if ("issues" in decoded) {
      issues.push(...decoded.issues.map((issue) => ({ path: issue.path, message: `plugin ${name}: ${issue.message}` })))
      return
    }
    uses.push({ plugin: entry.plugin as Extract<Any, { readonly kind: K }>, config: decoded.value, path, source: entry.source })
  })
  for (const key of Object.keys(ns.settings)) {
    if (!ns.names.includes(key)) {
      issues.push({
        path: JsonPath.key(ns.path, key),
        message: `settings for ${JSON.stringify(key)}, which is not in name${Suggest.hint(key, ns.names)}`
      })
    }
  }
  return uses
}

/**
 * Checks `isolate` of a modifier namespace: only plugins loaded from a file can be isolated,
 * and their settings must cross to a worker (structured clone). Problems are pushed to `issues`.
 */
const checkIsolate = (ns: PluginNamespace, uses: ReadonlyArray<Use<Modifier>>, issues: Array<ConfigIssue>): void => {
  if (ns.isolate !== true) return
  for (const use of uses) {
    if (use.source === undefined || !use.source.startsWith("/")) {
      issues.push({
        path: JsonPath.key(ns.path, "isolate"),
        message: `plugin ${use.plugin.name} (${use.source ?? "code"}) has no module file: only plugins loaded from the plugin folder can be isolated`
      })
      continue
    }
    try {
      structuredClone(use.config)
    } catch (e) {
      issues.push({ path: use.path, message: `plugin ${use.plugin.name}: isolated settings must be structured-clonable: ${messageOf(e)}` })
    }
  }
}

const messageOf = (u: unknown): string =>
  typeof u === "object" && u !== null && "message" in u && typeof u.message === "string" ? u.message : String(u)

const buildFailed = (use: Use, e: unknown) =>
  new ConfigError({ issues: [{ path: use.path, message: `plugin ${use.plugin.name} failed to start: ${messageOf(e)}` }] })

/** Runs a plugin's `make` with its context; any failure or defect is a `ConfigError` at its path. */
const build = <A>(
  use: Use,
  context: PluginContext["Service"],
  make: () => Effect.Effect<A, unknown, Scope.Scope | PluginContext>
): Effect.Effect<A, ConfigError, Scope.Scope> =>
  Effect.suspend(make).pipe(
    Effect.provideService(PluginContext, { ...context, plugin: use.plugin.name, path: use.path }),
    Effect.catchCause((cause) => Effect.fail(buildFailed(use, Budget.toPluginError(use.plugin.name, cause))))
  )

const buildClient = (use: Use<Client>, context: PluginContext["Service"]): Effect.Effect<HttpClient.HttpClient, ConfigError, Scope.Scope> =>
  build(use, context, (): Effect.Effect<HttpClient.HttpClient, unknown, Scope.Scope | PluginContext> => {
    const made = use.plugin.make(use.config)
    return Layer.isLayer(made)
      ? Effect.map(Layer.build(made as Layer.Layer<HttpClient.HttpClient, unknown, PluginContext>), (ctx) => Context.get(ctx, HttpClient.HttpClient))
      : made as Effect.Effect<HttpClient.HttpClient, unknown, Scope.Scope | PluginContext>
  })

const maxTimeout = (config: GatewayConfig): Duration.Duration =>
  config.endpoints.reduce((max, e) => Duration.max(max, e.timeout), config.timeout)

/**
 * Resolves and builds every plugin use of `config`. `backendClient` gives an `HttpClient` for a
 * backend without `plugin/http-client` (the test kit's fake backends); `undefined` keeps the
 * default executor.
 */
export const make = (
  config: GatewayConfig,
  registry: Registry,
  backendClient?: ((backend: BackendConfig) => HttpClient.HttpClient | undefined) | undefined
): Effect.Effect<Wired, ConfigError, Scope.Scope> =>
  Effect.suspend(() => {
    const issues: Array<ConfigIssue> = []
    const serviceNs = config.extra_config["plugin/http-server"]
    const handlers = serviceNs === undefined ? [] : resolve(registry, "handler", serviceNs, issues)
    if (serviceNs?.isolate !== undefined || serviceNs?.isolateMemoryMb !== undefined) {
      issues.push({ path: JsonPath.key(serviceNs.path, "isolate"), message: "isolate applies only to plugin/req-resp-modifier" })
    }
    const endpointUses = new Map<PluginNamespace, { readonly uses: ReadonlyArray<Use<Modifier>>; readonly endpoint: EndpointConfig }>()
    const backendUses = new Map<PluginNamespace, { readonly uses: ReadonlyArray<Use<Modifier>>; readonly backend: BackendConfig }>()
    const clientUses = new Map<PluginNamespace, { readonly use: Use<Client>; readonly backend: BackendConfig }>()
    const modifierUses = (ns: PluginNamespace): ReadonlyArray<Use<Modifier>> => {
      const uses = resolve(registry, "modifier", ns, issues)
      checkIsolate(ns, uses, issues)
      return uses
    }
    for (const endpoint of config.endpoints) {
      const ns = endpoint.extra_config["plugin/req-resp-modifier"]
      if (ns !== undefined) endpointUses.set(ns, { uses: modifierUses(ns), endpoint })
      for (const backend of endpoint.backend) {
        const mods = backend.extra_config["plugin/req-resp-modifier"]
        if (mods !== undefined) backendUses.set(mods, { uses: modifierUses(mods), backend })
        const client = backend.extra_config["plugin/http-client"]
        if (client !== undefined) {
          const [use] = resolve(registry, "client", client, issues)
          if (use !== undefined) clientUses.set(client, { use, backend })
        }
      }
    }
    if (issues.length > 0) return Effect.fail(new ConfigError({ issues }))

    const context: PluginContext["Service"] = {
      plugin: "",
      path: "",
      gateway: config,
      clientIp: ClientIp.make(config.extra_config.router),
      ipMatcher: ClientIp.trustedMatcher
    }
    const isolated: Array<Isolate.Isolated> = []
    const isolate = (use: Use<Modifier>, ns: PluginNamespace, budgetMs: number): Modifier => {
      if (ns.isolate !== true || use.source === undefined) return use.plugin
      const made = Isolate.make(use.plugin, { file: use.source, memoryMb: ns.isolateMemoryMb, stuckAfterMs: budgetMs })
      isolated.push(made)
      return made.modifier
    }
    const modifierStage = (uses: ReadonlyArray<Use<Modifier>>, ns: PluginNamespace, timeout: Duration.Duration) =>
      ModifierStage.make(
        uses.map((u) => ({ plugin: isolate(u, ns, Budget.millis(ns.budget, timeout)), config: u.config })),
        Budget.millis(ns.budget, timeout)
      )
    const endpointStages = new Map<PluginNamespace, Middleware>()
    for (const [ns, { endpoint, uses }] of endpointUses) endpointStages.set(ns, modifierStage(uses, ns, endpoint.timeout))
    const backendStages = new Map<PluginNamespace, Middleware>()
    for (const [ns, { backend, uses }] of backendUses) backendStages.set(ns, modifierStage(uses, ns, backend.timeout))

    return Effect.andThen(
      Effect.addFinalizer(() => Effect.sync(() => isolated.forEach((i) => i.close()))),
      Effect.all({
        handlers: Effect.forEach(handlers, (use) =>
          Effect.map(
            build(use, context, () => (use.plugin as Handler).make(use.config)),
            (middleware): HandlerChain.Built => ({ plugin: use.plugin.name, middleware })
          )),
        clients: Effect.forEach(clientUses, ([ns, { backend, use }]) =>
          Effect.map(buildClient(use, context), (client) =>
            [ns, ClientExecutor.make(client, backend, use.plugin.name, Budget.millis(ns.budget, backend.timeout))] as const))
      }).pipe(
        Effect.map(({ clients, handlers: built }): Wired => {
          const executors = new Map<PluginNamespace, Executor>(clients)
          return {
            handlers: built,
            handlerBudgetMs: Budget.millis(serviceNs?.budget, maxTimeout(config)),
            stages: {
              endpoint: (endpoint) => {
                const ns = endpoint.extra_config["plugin/req-resp-modifier"]
                return ns === undefined ? identity : endpointStages.get(ns) ?? identity
              },
              backend: (backend) => {
                const ns = backend.extra_config["plugin/req-resp-modifier"]
                return ns === undefined ? identity : backendStages.get(ns) ?? identity
              },
              executor: (backend) => {
                const ns = backend.extra_config["plugin/http-client"]
                if (ns !== undefined) return executors.get(ns)
                const client = backendClient?.(backend)
                return client === undefined ? undefined : ClientExecutor.make(client, backend, "backend client", Budget.millis(undefined, backend.timeout))
              }
            }
          }
        })
      )
    )
  })
