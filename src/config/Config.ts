/**
 * Reads a KrakenD v3 JSON config into the typed model `GatewayConfig`: the key check
 * (`Shape.ts`), Schema decoding, defaults flowing down (`Defaults.ts`) and the validation rules
 * (`Rules.ts`). Every issue found is reported at once, each with its JSON path.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function* () {
 *   const { config, warnings } = yield* Config.load("krakend.json")
 *   for (const w of warnings) yield* Effect.logWarning(`${w.path}: ${w.message}`)
 *   return config
 * }).pipe(Effect.catchTag("ConfigError", (e) => Effect.logError(e.message)))
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { readFile } from "node:fs/promises"
import { ConfigError, type ConfigIssue, type ConfigWarning } from "./ConfigError.ts"
import * as BackendSchema from "./BackendSchema.ts"
import * as Defaults from "./Defaults.ts"
import * as EndpointSchema from "./EndpointSchema.ts"
import * as Fields from "./Fields.ts"
import * as JsonPath from "./JsonPath.ts"
import * as JsonSchema from "./JsonSchema.ts"
import * as JsonText from "./JsonText.ts"
import type * as Model from "./Model.ts"
import * as Protections from "./Protections.ts"
import * as Rules from "./Rules.ts"
import * as SchemaIssues from "./SchemaIssues.ts"
import * as ServiceSchema from "./ServiceSchema.ts"
import * as Shape from "./Shape.ts"

/**
 * A decoded config and the non-fatal findings about it.
 *
 * @example
 * ```ts
 * const decoded: Config.Decoded = yield* Config.parse('{ "version": 3, "endpoints": [] }')
 * console.log(decoded.config.port, decoded.warnings.length) // 8080 0
 * ```
 */
export interface Decoded {
  readonly config: Model.GatewayConfig
  readonly warnings: ReadonlyArray<ConfigWarning>
  /** INFO findings, e.g. a legacy namespace name and the current name it is read as. */
  readonly notices: ReadonlyArray<ConfigWarning>
}

const decodeService = SchemaIssues.decode(ServiceSchema.ServiceHead)
const decodeEndpoint = SchemaIssues.decode(EndpointSchema.EndpointHead)
const decodeBackend = SchemaIssues.decode(BackendSchema.Backend)

const fallbackService = decodeService({ version: 3 }, JsonPath.root)

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * The outcome of `decodeResult`.
 *
 * @example
 * ```ts
 * const result: Config.DecodeResult = Config.decodeResult(JSON.parse(text))
 * const issues = result._tag === "Failure" ? result.issues : []
 * ```
 */
export type DecodeResult =
  | { readonly _tag: "Success"; readonly decoded: Decoded }
  | { readonly _tag: "Failure"; readonly issues: ReadonlyArray<ConfigIssue> }

/**
 * A backend whose `encoding` names no decoder reads as `json`, with a warning: KrakenD's decoder
 * lookup falls back to json (lura encoding/register.go), so `"form"` or `"JSON"` decode JSON.
 */
const knownEncoding = (raw: unknown, path: string, warnings: Array<ConfigWarning>): unknown => {
  if (!isObject(raw)) return raw
  const encoding = raw["encoding"]
  if (typeof encoding !== "string" || encoding === "fast-json" || (Fields.BACKEND_ENCODINGS as ReadonlyArray<string>).includes(encoding)) {
    return raw
  }
  warnings.push({
    path: JsonPath.key(path, "encoding"),
    message: `${JSON.stringify(encoding)} is not a decoder (${Fields.BACKEND_ENCODINGS.join(", ")}); read as "json", as KrakenD does`
  })
  return { ...raw, encoding: "json" }
}

/** Where each config key is read, for keys written at the wrong level. */
const homes = Shape.homes(ServiceSchema.shape)

/**
 * Decodes a parsed config synchronously: the config and its warnings, or every issue found.
 * Plain function; `decode` is its Effect form.
 *
 * @example
 * ```ts
 * const result = Config.decodeResult({ version: 3, endpoints: [] })
 * if (result._tag === "Success") console.log(result.decoded.config.port) // 8080
 * else for (const issue of result.issues) console.error(`${issue.path}: ${issue.message}`)
 * ```
 */
export const decodeResult = (input: unknown): DecodeResult => {
  if (!isObject(input)) {
    const got = Array.isArray(input) ? "an array" : input === null ? "null" : typeof input
    const message = `expected a JSON object (the KrakenD config), got ${got}`
    return { _tag: "Failure", issues: [{ path: JsonPath.root, message }] }
  }
  const findings = Shape.findings(input, homes)
  const versionIssues = Rules.version(input["version"])
  findings.issues.push(...versionIssues)
  const checked = Shape.check(input, ServiceSchema.shape, JsonPath.root, findings) as Record<string, unknown>
  Shape.asyncAgents(input["async_agent"], JsonPath.key(JsonPath.root, "async_agent"), findings)
  if (versionIssues.length > 0) checked["version"] = 3

  const service = decodeService(checked, JsonPath.root)
  if ("issues" in service) findings.issues.push(...service.issues)
  const root = "value" in service ? service.value : "value" in fallbackService ? fallbackService.value : undefined
  if (root === undefined) return { _tag: "Failure", issues: findings.issues }
  const inherited: Defaults.Inherited = { ...Defaults.inherited(root), host: "value" in service ? root.host : undefined }
  if ("value" in service) findings.issues.push(...Rules.hostPlaceholders(root.host, "$.host"))
  const healthPath = root.extra_config.router.health_path

  const rawEndpoints: ReadonlyArray<unknown> = Array.isArray(checked["endpoints"]) ? checked["endpoints"] : []
  const located: Array<Rules.Located> = []
  rawEndpoints.forEach((raw, i) => {
    const path = JsonPath.index("$.endpoints", i)
    const decoded = decodeEndpoint(raw, path)
    if ("issues" in decoded) {
      findings.issues.push(...decoded.issues)
      return
    }
    const head = decoded.value
    const rawBackends = head.backend ?? []
    const outputEncoding = head.output_encoding ?? inherited.output_encoding
    findings.issues.push(
      ...Rules.backendCount(rawBackends.length, outputEncoding, path),
      ...Rules.endpointPath(Defaults.withLeadingSlash(head.endpoint), path, healthPath)
    )
    const backends: Array<BackendSchema.Backend> = []
    rawBackends.forEach((rawBackend, j) => {
      const backendPath = JsonPath.index(JsonPath.key(path, "backend"), j)
      const backend = decodeBackend(knownEncoding(rawBackend, backendPath, findings.warnings), backendPath)
      if ("issues" in backend) {
        findings.issues.push(...backend.issues)
        return
      }
      findings.issues.push(...Rules.urlPattern(
        Defaults.withLeadingSlash(backend.value.url_pattern),
        Defaults.withLeadingSlash(head.endpoint),
        JsonPath.key(backendPath, "url_pattern")
      ))
      backends.push(backend.value)
    })
    if (backends.length < rawBackends.length) return
    const endpoint = Defaults.endpoint(head, backends, inherited, path, findings)
    if (endpoint !== undefined) {
      findings.issues.push(...Rules.jwtPlaceholders(endpoint, path), ...Rules.rateLimitKey(endpoint, path))
      located.push({ path, endpoint })
    }
  })
  findings.issues.push(...Rules.duplicates(located), ...Rules.collisions(located))
  findings.issues.push(...Rules.apiKeys(located, root.extra_config["auth/api-keys"] !== undefined))
  findings.warnings.push(...Protections.unusedCompat(findings.compat))
  if ("value" in service) Defaults.serviceIssues(service.value, findings)

  // Paths keep the spelling the user wrote (a legacy namespace name is renamed before decoding).
  const spell = <A extends ConfigIssue>(found: ReadonlyArray<A>) =>
    found.map((f) => ({ ...f, path: Shape.spelled(findings, f.path) }))
  if (findings.issues.length > 0 || !("value" in service)) return { _tag: "Failure", issues: spell(findings.issues) }
  const config = Defaults.service(service.value, located.map((l) => l.endpoint), findings)
  return { _tag: "Success", decoded: { config, warnings: spell(findings.warnings), notices: findings.notices } }
}

/**
 * Decodes a parsed KrakenD v3 config (a JSON value) into the model.
 *
 * @example
 * ```ts
 * const { config } = yield* Config.decode({ version: 3, port: 9000, endpoints: [] })
 * ```
 */
export const decode = (input: unknown): Effect.Effect<Decoded, ConfigError> =>
  Effect.suspend(() => {
    const result = decodeResult(input)
    return result._tag === "Success"
      ? Effect.succeed(result.decoded)
      : Effect.fail(new ConfigError({ issues: result.issues }))
  })

/** Parses JSON text, as the value or a syntax error message. */
const parseJson = (text: string): { readonly value: unknown } | { readonly error: string } => {
  try {
    return { value: JSON.parse(text) as unknown }
  } catch (e) {
    const message = typeof e === "object" && e !== null && "message" in e ? String(e.message) : String(e)
    return { error: `invalid JSON: ${message}${JsonText.errorLocation(text)}` }
  }
}

/**
 * Parses and decodes the text of a JSON config. A syntax error is a `ConfigError` at `$`.
 *
 * @example
 * ```ts
 * const { config } = yield* Config.parse(await readFile("krakend.json", "utf8"))
 * ```
 */
export const parse = (text: string): Effect.Effect<Decoded, ConfigError> =>
  Effect.suspend(() => {
    const parsed = parseJson(text)
    return "value" in parsed
      ? decode(parsed.value)
      : Effect.fail(new ConfigError({ issues: [{ path: JsonPath.root, message: parsed.error }] }))
  })

/**
 * Reads, parses and decodes a JSON config file. A missing file is a `ConfigError` at `$`.
 *
 * @example
 * ```ts
 * const { config, warnings } = yield* Config.load("krakend.json")
 * // a missing or invalid file fails with a ConfigError whose message lists `path: problem` lines
 * ```
 */
export const load = (file: string): Effect.Effect<Decoded, ConfigError> =>
  Effect.tryPromise({
    try: () => readFile(file, "utf8"),
    catch: (e) => {
      const field = (name: string) =>
        typeof e === "object" && e !== null && name in e ? String(e[name as keyof typeof e]) : undefined
      const reason = field("code") === "ENOENT" ? "no such file" : field("message") ?? String(e)
      const message = `cannot read config file ${file}: ${reason}`
      return new ConfigError({ issues: [{ path: JsonPath.root, message }] })
    }
  }).pipe(Effect.flatMap(parse))

/**
 * The JSON Schema (draft 2020-12) of the config file, for editors and `sluice schema`.
 *
 * @example
 * ```ts
 * writeFileSync("krakend.schema.json", JSON.stringify(Config.jsonSchema(), null, 2))
 * ```
 */
export const jsonSchema = (): Record<string, unknown> => JsonSchema.make()
