/**
 * JSON Schema (draft 2020-12) of the config file, generated from the decoding Schemas and
 * completed with what the key check (`Shape.ts`) accepts: `@` comment keys, KrakenD keys that
 * are accepted but ignored, and namespaces that are not implemented.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Aliases from "./Aliases.ts"
import * as Namespaces from "./Namespaces.ts"
import * as ServiceSchema from "./ServiceSchema.ts"

type Node = Record<string, unknown>

const isNode = (u: unknown): u is Node => typeof u === "object" && u !== null && !Array.isArray(u)

const IGNORED = { description: "KrakenD setting accepted but not implemented by Sluice yet; ignored with a warning" }
const COMMENT = { "^@": { description: "Comment key (e.g. \"@comment\"); ignored" } }

/** Adds `@` comment keys to every closed object schema. */
const allowComments = (node: unknown): void => {
  if (Array.isArray(node)) {
    node.forEach(allowComments)
    return
  }
  if (!isNode(node)) return
  if (node["type"] === "object" && node["additionalProperties"] === false) {
    node["patternProperties"] = { ...(isNode(node["patternProperties"]) ? node["patternProperties"] : {}), ...COMMENT }
  }
  Object.values(node).forEach(allowComments)
}

const addIgnored = (def: unknown, keys: ReadonlyArray<string>): void => {
  if (!isNode(def) || !isNode(def["properties"])) return
  for (const key of keys) def["properties"][key] = IGNORED
}

const openNamespaces = (def: unknown): void => {
  if (!isNode(def)) return
  def["additionalProperties"] = {
    description:
      "A KrakenD namespace Sluice does not implement yet: ignored with a warning, unless it protects traffic (auth/*, security/*, validation/*, modifier/lua-*, qos/ratelimit/*): then a start error (fail closed)"
  }
  // KrakenD's legacy names (KRAKEND-SEMANTICS.md §9) mean what their current names mean.
  const properties = def["properties"]
  if (!isNode(properties)) return
  for (const [name, property] of Object.entries(properties)) {
    for (const legacy of Aliases.spellings(name)) properties[legacy] = property
  }
}

/** The JSON Schema document of the config file. */
export const make = (): Record<string, unknown> => {
  const document = Schema.toJsonSchemaDocument(ServiceSchema.Service, { onExcessProperty: "error" })
  const defs = structuredClone(document.definitions) as Node
  addIgnored(defs["Gateway"], ServiceSchema.unimplemented)
  for (const [identifier, keys] of Object.entries(Namespaces.unimplementedKeys)) addIgnored(defs[identifier], keys)
  for (const identifier of ["ServiceExtraConfig", "EndpointExtraConfig", "BackendExtraConfig"]) {
    openNamespaces(defs[identifier])
  }
  const { Gateway: root, ...rest } = defs
  const schema: Record<string, unknown> = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "Sluice gateway config (KrakenD v3 format)",
    ...(isNode(root) ? root : structuredClone(document.schema) as Node),
    $defs: rest
  }
  allowComments(schema)
  return schema
}
