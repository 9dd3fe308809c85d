/**
 * `validation/json-schema` (krakend-jsonschema, SCRIPTING.md §7): the endpoint's request body is
 * parsed and validated against the namespace's schema before the backends are called. An empty
 * body, a body that is not JSON and a body the schema refuses answer **400** (KrakenD's message as
 * the body with `router.return_error_msg`, else empty); the backends are not called. A valid body
 * is forwarded unchanged.
 *
 * The draft follows `$schema` as in KrakenD (santhosh-tekuri/jsonschema v6): draft-04, -06, -07,
 * 2019-09, 2020-12 (the default without `$schema`); `format` is asserted only before 2019-09;
 * unknown keywords are allowed. Each schema is compiled once at start with Ajv (identical schemas
 * share one validator); one that does not compile — a remote `$ref` included, KrakenD loads none —
 * stops the start with its JSON path (KrakenD logs it and serves the endpoint unvalidated).
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import type { Ajv, ErrorObject, ValidateFunction } from "ajv"
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"
import { ConfigError } from "../config/ConfigError.ts"
import type { EndpointConfig } from "../config/Model.ts"
import type { Middleware } from "../proxy/Proxy.ts"
import { ModifierError } from "../proxy/ProxyError.ts"
import * as BotDetector from "../security/BotDetector.ts"
import * as OptionalLibrary from "../OptionalLibrary.ts"

type AjvClass = new(options: Record<string, unknown>) => Ajv

// CommonJS modules: the class or function is `module.exports` (its `default` too)
const AjvDraft04 = (): AjvClass => OptionalLibrary.ajv.draft04() as unknown as AjvClass
const addFormats = (ajv: Ajv): Ajv => (OptionalLibrary.ajv.formats() as unknown as (ajv: Ajv) => Ajv)(ajv)

const draft06 = (): Record<string, unknown> => createRequire(import.meta.url)("ajv/dist/refs/json-schema-draft-06.json") as Record<string, unknown>

/** The draft a schema asks for with `$schema` (2020-12 without one, as santhosh v6). */
export const draftOf = (schema: unknown): "draft-04" | "draft-06" | "draft-07" | "2019-09" | "2020-12" => {
  const uri = typeof schema === "object" && schema !== null ? (schema as Record<string, unknown>)["$schema"] : undefined
  if (typeof uri !== "string") return "2020-12"
  if (uri.includes("draft-04")) return "draft-04"
  if (uri.includes("draft-06")) return "draft-06"
  if (uri.includes("draft-07")) return "draft-07"
  if (uri.includes("2019-09")) return "2019-09"
  return "2020-12"
}

/**
 * `pattern` as Go's RE2 runs it (santhosh v6 uses Go's regexp): on V8's linear-time engine, so a
 * body cannot make a pattern backtrack for seconds (RELIABILITY.md C15); `(?i)` and the other
 * leading Go flags work; a pattern that needs backtracking does not compile.
 */
const linearRegExp = Object.assign(
  (pattern: string) => {
    const compiled = BotDetector.compile(pattern)
    if (typeof compiled === "string") throw new Error(compiled)
    const { lower, regexp } = compiled
    return lower ? { test: (input: string) => regexp.test(input.toLowerCase()) } : regexp
  },
  { code: "linearRegExp" }
)

const instance = (draft: ReturnType<typeof draftOf>): Ajv => {
  // santhosh v6: unknown keywords allowed, every failure listed, formats asserted before 2019-09 only
  const options = {
    strict: false,
    allErrors: true,
    validateFormats: draft !== "2019-09" && draft !== "2020-12",
    logger: false as const,
    code: { regExp: linearRegExp }
  }
  const { Ajv } = OptionalLibrary.ajv.draft07()
  switch (draft) {
    case "draft-04":
      return addFormats(new (AjvDraft04())(options))
    case "draft-06": {
      const ajv = addFormats(new Ajv(options))
      ajv.addMetaSchema(draft06())
      return ajv
    }
    case "draft-07":
      return addFormats(new Ajv(options))
    case "2019-09":
      return new (OptionalLibrary.ajv.draft2019().Ajv2019)(options)
    case "2020-12":
      return new (OptionalLibrary.ajv.draft2020().Ajv2020)(options)
  }
}

const compiled = new Map<string, ValidateFunction>()

/** Compiles `schema` (cached by its JSON text); a schema that does not compile is thrown. */
export const compile = (schema: unknown): ValidateFunction => {
  const key = JSON.stringify(schema)
  let validate = compiled.get(key)
  if (validate === undefined) {
    validate = instance(draftOf(schema)).compile(schema as Record<string, unknown>)
    compiled.set(key, validate)
  }
  return validate
}

/** A JSON value's type name as santhosh v6 writes it. */
const typeName = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : typeof value === "object" ? "object" : typeof value === "string" ? "string" : typeof value === "boolean" ? "boolean" : "number"

/** The value at a JSON pointer of `root`. */
const at = (root: unknown, pointer: string): unknown => {
  let value = root
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~")
    value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined
  }
  return value
}

const quoted = (names: ReadonlyArray<string>): string => names.map((n) => `'${n}'`).join(", ")

/** One failure as santhosh v6 words it (SCRIPTING.md §7.1's table); Ajv's text otherwise. */
const message = (error: ErrorObject, data: unknown): string => {
  const params = error.params as Record<string, unknown>
  const value = at(data, error.instancePath)
  switch (error.keyword) {
    case "type": {
      const want = Array.isArray(params["type"]) ? (params["type"] as Array<string>).join(" or ") : String(params["type"])
      return `got ${typeName(value)}, want ${want}`
    }
    case "enum": {
      const allowed = (params["allowedValues"] as Array<unknown>).map((v) => JSON.stringify(v))
      return allowed.length === 1 ? `value must be ${allowed[0]}` : `value must be one of ${allowed.join(", ")}`
    }
    case "const":
      return `value must be ${JSON.stringify(params["allowedValue"])}`
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return `${error.keyword}: got ${JSON.stringify(value)}, want ${String(params["limit"])}`
    case "minLength":
    case "maxLength":
      return `${error.keyword}: got ${typeof value === "string" ? [...value].length : 0}, want ${String(params["limit"])}`
    case "minItems":
    case "maxItems":
      return `${error.keyword}: got ${Array.isArray(value) ? value.length : 0}, want ${String(params["limit"])}`
    case "minProperties":
    case "maxProperties":
      return `${error.keyword}: got ${typeof value === "object" && value !== null ? Object.keys(value).length : 0}, want ${String(params["limit"])}`
    case "pattern":
      return `'${String(value)}' does not match pattern '${String(params["pattern"])}'`
    case "format":
      return `'${String(value)}' is not valid ${String(params["format"])}`
    case "oneOf": {
      const passing = params["passingSchemas"]
      return Array.isArray(passing) ? `oneOf failed, subschemas ${passing.join(", ")} matched` : "oneOf failed, none matched"
    }
    case "anyOf":
      return "anyOf failed, none matched"
    case "false schema":
      return "false schema"
    default:
      return error.message ?? error.keyword
  }
}

/** KrakenD's (santhosh v6) text of a failed validation: the schema URL, then a line per failure. */
export const errorText = (errors: ReadonlyArray<ErrorObject>, data: unknown): string => {
  const lines: Array<string> = []
  const grouped = new Map<string, { readonly keyword: string; readonly names: Array<string> }>()
  for (const error of errors) {
    // v6 writes one line per `required` (and `additionalProperties`) keyword, all names in it
    if (error.keyword === "required" || error.keyword === "additionalProperties") {
      const key = `${error.keyword}\u0000${error.instancePath}\u0000${error.schemaPath}`
      const params = error.params as Record<string, unknown>
      const name = String(error.keyword === "required" ? params["missingProperty"] : params["additionalProperty"])
      const group = grouped.get(key)
      if (group !== undefined) {
        group.names.push(name)
        continue
      }
      const names = [name]
      grouped.set(key, { keyword: error.keyword, names })
      lines.push(key)
      continue
    }
    lines.push(`- at '${error.instancePath}': ${message(error, data)}`)
  }
  const text = lines.map((line) => {
    const group = grouped.get(line)
    if (group === undefined) return line
    const path = line.split("\u0000")[1]
    const names = group.names
    return group.keyword === "required"
      ? `- at '${path}': missing ${names.length === 1 ? "property" : "properties"} ${quoted(names)}`
      : `- at '${path}': additional ${names.length === 1 ? "property" : "properties"} ${quoted(names)} not allowed`
  })
  return `jsonschema validation failed with '${pathToFileURL(`${process.cwd()}/schema`).href}#'\n${text.join("\n")}`
}

/** Go's `encoding/json` text for the common parse failures of a body. */
export const parseErrorText = (error: unknown): string => {
  const text = error instanceof Error ? error.message : String(error)
  if (/Unexpected end of JSON input|Unterminated/.test(text)) return "unexpected end of JSON input"
  const token = /Unexpected token '?(.)'?/.exec(text)?.[1] ?? /Unexpected (?:non-whitespace )?character/.exec(text)?.[0]
  return token !== undefined && token.length === 1 ? `invalid character '${token}' looking for beginning of value` : text
}

const decoder = new TextDecoder()

/** The start error of a schema that does not compile (`undefined` when it compiles). */
export const compileIssue = (schema: unknown): string | undefined => {
  try {
    compile(schema)
    return undefined
  } catch (error) {
    return `the JSON Schema does not compile: ${error instanceof Error ? error.message : String(error)}`
  }
}

/**
 * The validation stage of `endpoint` (`undefined` without the namespace). The config decoder
 * already refused a schema that does not compile (`compileIssue`).
 */
export const make = (endpoint: EndpointConfig): Effect.Effect<Middleware | undefined, ConfigError> => {
  const schema = endpoint.extra_config["validation/json-schema"]
  if (schema === undefined) return Effect.succeed(undefined)
  const issue = compileIssue(schema)
  if (issue !== undefined) {
    return Effect.fail(new ConfigError({ issues: [{ path: `endpoint ${endpoint.endpoint} extra_config["validation/json-schema"]`, message: issue }] }))
  }
  const validate = compile(schema)
  const refuse = (message: string) => Effect.fail(new ModifierError({ message, status: 400 }))
  return Effect.succeed((next) => (req) => {
    if (req.body === undefined || req.body.byteLength === 0) return refuse("could not validate an empty body")
    let data: unknown
    try {
      data = JSON.parse(decoder.decode(req.body))
    } catch (error) {
      return refuse(parseErrorText(error))
    }
    let valid: boolean
    try {
      valid = validate(data) as boolean
    } catch {
      // a body nested deeper than the stack (a recursive schema): refused, not a 500
      return refuse("jsonschema validation failed: the body is nested too deeply")
    }
    return valid ? next(req) : refuse(errorText(validate.errors ?? [], data))
  })
}
