/**
 * JSON Schema (draft 2020-12) of the config file, generated from the decoding Schemas and
 * completed with what the key check (`Shape.ts`) accepts, so that an editor reports no error
 * the gateway would not report: comment and metadata keys (`@`, `$`, `_`, `#`) on every object,
 * KrakenD keys that are accepted but ignored, legacy namespace names, and namespaces that are
 * not implemented. Walking the shapes (rather than listing keys here) keeps the two in step.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Aliases from "./Aliases.ts"
import * as Fields from "./Fields.ts"
import * as ServiceSchema from "./ServiceSchema.ts"
import type * as Shape from "./Shape.ts"

type Node = Record<string, unknown>

const isNode = (u: unknown): u is Node => typeof u === "object" && u !== null && !Array.isArray(u)

const IGNORED = { description: "KrakenD setting accepted but not implemented by Sluice yet; ignored with a warning" }

/** The keys `Shape.isMetadata` drops everywhere, as KrakenD's schema allows them on every object. */
const METADATA = {
  "^[@$_#]": { description: "Comment or metadata key (\"@comment\", \"$id\", \"_note\", \"#todo\"); ignored" }
}

const UNIMPLEMENTED_NAMESPACE = {
  description:
    "A KrakenD namespace Sluice does not implement yet: ignored with a warning, unless it protects traffic (auth/*, security/*, validation/*, modifier/lua-*, qos/ratelimit/*): then a start error (fail closed)"
}

/** Values suggested to editors for keys that accept any string (case-insensitive, or read as json). */
const EXAMPLES: ReadonlyArray<readonly [identifier: string, key: string, values: ReadonlyArray<string>]> = [
  ["Endpoint", "method", Fields.METHODS],
  ["Backend", "method", Fields.METHODS],
  ["Backend", "encoding", [...Fields.BACKEND_ENCODINGS, "fast-json"]]
]

/** Adds the metadata keys to every closed object schema. */
const allowMetadata = (node: unknown): void => {
  if (Array.isArray(node)) {
    node.forEach(allowMetadata)
    return
  }
  if (!isNode(node)) return
  if (node["type"] === "object" && node["additionalProperties"] === false) {
    node["patternProperties"] = { ...(isNode(node["patternProperties"]) ? node["patternProperties"] : {}), ...METADATA }
  }
  Object.values(node).forEach(allowMetadata)
}

/** The schema `node` stands for, following `$ref`s into `defs`. */
const resolve = (node: unknown, defs: Node): Node | undefined => {
  if (!isNode(node)) return undefined
  const ref = node["$ref"]
  return typeof ref === "string" ? resolve(defs[ref.replace("#/$defs/", "")], defs) : node
}

/** An `extra_config` object: other namespaces are open, legacy names mean their current names. */
const openNamespaces = (object: Node, properties: Node): void => {
  object["additionalProperties"] = UNIMPLEMENTED_NAMESPACE
  for (const [name, property] of Object.entries(properties)) {
    for (const legacy of Aliases.spellings(name)) properties[legacy] = property
  }
}

/** Completes the object schema `node` with what `shape` accepts beyond it, then its nested objects. */
const complete = (node: unknown, shape: Shape.Shape, defs: Node): void => {
  const object = resolve(node, defs)
  const properties = object?.["properties"]
  if (object === undefined || !isNode(properties)) return
  for (const key of shape.unimplemented ?? []) {
    const reason = shape.noEffect !== undefined && Object.hasOwn(shape.noEffect, key) ? shape.noEffect[key] : undefined
    properties[key] ??= reason === undefined ? IGNORED : { description: `KrakenD setting with no effect in Sluice: ${reason}` }
  }
  if (shape.namespaces !== undefined) openNamespaces(object, properties)
  for (const [key, nested] of Object.entries(shape.objects ?? {})) complete(properties[key], nested, defs)
  for (const [key, nested] of Object.entries(shape.arrays ?? {})) {
    complete(resolve(properties[key], defs)?.["items"], nested, defs)
  }
}

/** The JSON Schema document of the config file. */
export const make = (): Record<string, unknown> => {
  const document = Schema.toJsonSchemaDocument(ServiceSchema.Service, { onExcessProperty: "error" })
  const { Gateway: root, ...defs } = structuredClone(document.definitions) as Node
  const schema: Node = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "Sluice gateway config (KrakenD v3 format)",
    ...(isNode(root) ? root : structuredClone(document.schema) as Node),
    $defs: defs
  }
  complete(schema, ServiceSchema.shape, defs)
  for (const [identifier, key, values] of EXAMPLES) {
    const properties = resolve(defs[identifier], defs)?.["properties"]
    if (isNode(properties) && isNode(properties[key])) properties[key]["examples"] = values
  }
  allowMetadata(schema)
  return schema
}
