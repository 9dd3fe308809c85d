/**
 * The plugin namespaces as written: `plugin/http-server` (service), `plugin/req-resp-modifier`
 * (endpoint and backend) and `plugin/http-client` (backend). The config decoder only checks
 * their frame (`name`, the optional Sluice `budget`, and for modifiers `isolate` /
 * `isolate_memory_mb`); each plugin's own settings, under the key
 * named after it, are decoded by that plugin's Schema when the gateway starts
 * (`src/plugin/Wiring.ts`), because only then is the plugin known.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as GoDuration from "./GoDuration.ts"
import * as JsonPath from "./JsonPath.ts"
import type { PluginNamespace } from "./Model.ts"
import * as Shape from "./Shape.ts"

const isolate = Schema.optionalKey(
  Schema.Boolean.annotate({
    description: "Sluice: run these modifiers (loaded from the plugin folder) in a worker thread with a memory limit"
  })
)

const isolateMemoryMb = Schema.optionalKey(
  Schema.Int.check(Schema.isGreaterThan(0)).annotate({
    description: "Sluice: old-generation heap limit of an isolated modifier's worker, in MB (default 64)"
  })
)

const settings = [Schema.Record(Schema.String, Schema.Unknown)] as const

const budget = Schema.optionalKey(
  GoDuration.PositiveGoDuration.annotate({
    description: "Sluice: time budget of each call of these plugins (default: the endpoint timeout)"
  })
)

/** `{ "name": ["a", "b"], "a": {...}, "b": {...} }`: several plugins, `name` a string or a list. */
export const Many = Schema.StructWithRest(
  Schema.Struct({
    name: Schema.Union([Schema.String, Schema.Array(Schema.String)]).annotate({
      description: "Names of the plugins, in order; each one's settings are under its name"
    }),
    budget,
    isolate,
    isolate_memory_mb: isolateMemoryMb
  }),
  settings
).annotate({ description: "Plugins by name, each with its settings under its name" })

/** `{ "name": "x", "x": {...} }`: one plugin (`plugin/http-client`). */
export const One = Schema.StructWithRest(
  Schema.Struct({
    name: Schema.String.annotate({ description: "Name of the client plugin; its settings are under its name" }),
    budget
  }),
  settings
).annotate({ description: "One client plugin, its settings under its name" })

/** The decoded frame of a namespace. */
export type Raw = typeof Many.Type | typeof One.Type

/**
 * The model of a decoded namespace at `levelPath` (e.g. `$.endpoints[0]`), or `undefined`;
 * `spell` gives its path as the user wrote it (a legacy name kept).
 */
export const toModel = (
  raw: Raw | undefined,
  levelPath: string,
  namespace: string,
  spell: (path: string) => string = (path) => path
): PluginNamespace | undefined => {
  if (raw === undefined) return undefined
  const { budget: b, isolate: i, isolate_memory_mb: mb, name, ...rest } = raw as typeof Many.Type
  return {
    names: typeof name === "string" ? [name] : [...(name as ReadonlyArray<string>)],
    settings: rest,
    budget: b,
    isolate: i,
    isolateMemoryMb: mb,
    path: spell(JsonPath.key(JsonPath.key(levelPath, "extra_config"), namespace))
  }
}

/** `{ [namespace]: model }` when the namespace is set, `{}` otherwise (to spread into a model). */
export const field = <K extends string>(
  namespace: K,
  raw: Raw | undefined,
  levelPath: string,
  findings: Shape.Findings
): { readonly [P in K]?: PluginNamespace } => {
  const model = toModel(raw, levelPath, namespace, (path) => Shape.spelled(findings, path))
  return (model === undefined ? {} : { [namespace]: model }) as { readonly [P in K]?: PluginNamespace }
}
