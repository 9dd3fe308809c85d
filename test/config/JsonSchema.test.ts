import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import * as Config from "../../src/config/Config.ts"
import * as Shape from "../../src/config/Shape.ts"

type Node = Record<string, unknown>

const schema = Config.jsonSchema()
const defs = schema["$defs"] as Record<string, Node>

const resolve = (node: Node): Node => {
  const ref = node["$ref"]
  return typeof ref === "string" ? resolve(defs[ref.replace("#/$defs/", "")]!) : node
}

const properties = (node: Node): Record<string, Node> => (resolve(node)["properties"] ?? {}) as Record<string, Node>

/** Every key path of `value` that the schema does not describe (metadata keys and namespaces aside). */
const undescribed = (value: unknown, node: Node, path: string): Array<string> => {
  if (Array.isArray(value)) {
    const items = resolve(node)["items"] as Node | undefined
    return items === undefined ? [] : value.flatMap((v, i) => undescribed(v, items, `${path}[${i}]`))
  }
  if (typeof value !== "object" || value === null) return []
  const props = properties(node)
  return Object.entries(value).flatMap(([key, v]) => {
    if (Shape.isMetadata(key)) return []
    const child = props[key]
    if (child === undefined) return resolve(node)["additionalProperties"] === false ? [`${path}.${key}`] : []
    return undescribed(v, child, `${path}.${key}`)
  })
}

describe("Config.jsonSchema", () => {
  it("is a draft 2020-12 JSON document with the root keys", () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema)
    expect(schema["$schema"]).toBe("https://json-schema.org/draft/2020-12/schema")
    expect(schema["type"]).toBe("object")
    expect(schema["additionalProperties"]).toBe(false)
    const props = schema["properties"] as Record<string, Node>
    expect(props["endpoints"]).toBeDefined()
    expect(props["version"]).toBeDefined()
    expect(props["timeout"]!["description"]).toBe("Default endpoint timeout")
  })

  it("describes every key of the full example config", () => {
    const full = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "full.json"), "utf8")) as unknown
    expect(undescribed(full, schema, "$")).toEqual([])
  })

  it("finds a misspelt key (the check above can fail)", () => {
    expect(undescribed({ endpoints: [{ backend: [{ url_patern: "/" }] }] }, schema, "$"))
      .toEqual(["$.endpoints[0].backend[0].url_patern"])
  })

  it("allows comment and metadata keys (@, $, _, #) on closed objects", () => {
    expect(schema["patternProperties"]).toHaveProperty(["^[@$_#]"])
    expect(defs["Backend"]!["patternProperties"]).toHaveProperty(["^[@$_#]"])
  })

  it("lists the accepted but ignored KrakenD keys and leaves namespaces open", () => {
    expect(properties(schema)["tls"]).toBeDefined()
    expect(properties(defs["Router"]!)["max_multipart_memory"]).toBeDefined()
    expect(defs["EndpointExtraConfig"]!["additionalProperties"]).not.toBe(false)
    expect(properties(defs["BackendExtraConfig"]!)["proxy"]).toBeDefined()
    // the ignored keys of every shape, also of inlined objects (a backend, security/http)
    expect(properties(defs["Backend"]!)["timeout"]).toBeDefined()
    expect(properties(properties(defs["ServiceExtraConfig"]!)["security/http"]!)["hpkp_public_key"]).toBeDefined()
  })

  it("accepts any backend encoding and suggests the known ones", () => {
    const encoding = properties(defs["Backend"]!)["encoding"]!
    expect(encoding["type"]).toBe("string")
    expect(encoding["enum"]).toBeUndefined()
    expect(encoding["examples"]).toEqual(expect.arrayContaining(["json", "safejson", "fast-json", "no-op"]))
  })
})
