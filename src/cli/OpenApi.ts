/**
 * `sluice openapi -c gateway.json`: an OpenAPI 3.1 document of the gateway's endpoints — paths
 * with their params, methods, the query strings and headers each endpoint forwards as
 * parameters, the request body's JSON Schema where `validation/json-schema` gives one, and
 * security schemes from `auth/validator` (bearer JWT, with its roles and scopes in the
 * description) and `auth/api-keys` (an API key in its header or query string).
 *
 * @since 0.3.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import type { EndpointConfig, GatewayConfig } from "../config/Model.ts"
import * as Rules from "../config/Rules.ts"
import * as Report from "./Report.ts"
import * as Version from "../Version.ts"

type Json = Record<string, unknown>

const contentTypes: Readonly<Record<string, string>> = {
  json: "application/json",
  "fast-json": "application/json",
  "json-collection": "application/json",
  xml: "application/xml",
  yaml: "application/yaml",
  string: "text/plain",
  negotiate: "application/json"
}

const parameters = (endpoint: EndpointConfig): Array<Json> => [
  ...Rules.params(endpoint.endpoint).map((name) => ({ name, in: "path", required: true, schema: { type: "string" } })),
  ...endpoint.input_query_strings.filter((q) => q !== "*").map((name) => ({ name, in: "query", required: false, schema: { type: "string" } })),
  ...endpoint.input_headers
    .filter((h) => h !== "*" && !["authorization", "content-type", "accept", "cookie"].includes(h.toLowerCase()))
    .map((name) => ({ name, in: "header", required: false, schema: { type: "string" } }))
]

const operation = (endpoint: EndpointConfig, index: number): Json => {
  const x = endpoint.extra_config
  const validator = x["auth/validator"]
  const keys = x["auth/api-keys"]
  const schema = x["validation/json-schema"]
  const security: Array<Json> = []
  if (validator !== undefined) security.push({ bearerAuth: [...(validator.scopes ?? [])] })
  if (keys !== undefined) security.push({ apiKeyAuth: [] })
  const notes = [
    ...(validator?.roles !== undefined && validator.roles.length > 0 ? [`JWT roles: ${validator.roles.join(", ")}`] : []),
    ...(keys?.roles !== undefined && keys.roles.length > 0 ? [`API key roles: ${keys.roles.join(", ")}`] : []),
    `Backends: ${endpoint.backend.map((b) => b.url_pattern).join(", ")}`
  ]
  const produces = endpoint.output_encoding === "no-op" ? "*/*" : contentTypes[endpoint.output_encoding] ?? "application/json"
  const responses: Json = {
    "200": { description: "The backends' answer, merged", content: { [produces]: { schema: {} } } },
    ...(validator !== undefined || keys !== undefined ? { "401": { description: "Missing or invalid credentials" }, "403": { description: "Credentials without the required roles" } } : {}),
    ...(schema !== undefined ? { "400": { description: "The body does not match the endpoint's JSON Schema" } } : {}),
    ...(x["qos/ratelimit/router"] !== undefined || x["qos/ratelimit/router/redis"] !== undefined
      ? { "429": { description: "Client rate limit" }, "503": { description: "Endpoint rate limit" } }
      : {}),
    "500": { description: "A backend or stage failed" }
  }
  const params = parameters(endpoint)
  return {
    operationId: `${endpoint.method.toLowerCase()}${endpoint.endpoint.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}` || `endpoint${index}`,
    description: notes.join(". "),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(schema !== undefined
      ? { requestBody: { required: true, content: { "application/json": { schema } } } }
      : endpoint.method === "POST" || endpoint.method === "PUT" || endpoint.method === "PATCH"
      ? { requestBody: { required: false, content: { "*/*": { schema: {} } } } }
      : {}),
    ...(security.length > 0 ? { security } : {}),
    responses
  }
}

/** The OpenAPI 3.1 document of a config. */
export const document = (config: GatewayConfig, options: { readonly title?: string | undefined } = {}): Json => {
  const paths: Record<string, Json> = {}
  const serviceKeys = config.extra_config["auth/api-keys"]
  config.endpoints.forEach((endpoint, i) => {
    const item = (paths[endpoint.endpoint] ??= {})
    item[endpoint.method.toLowerCase()] = operation(endpoint, i)
  })
  const schemes: Json = {}
  if (config.endpoints.some((e) => e.extra_config["auth/validator"] !== undefined)) {
    schemes["bearerAuth"] = { type: "http", scheme: "bearer", bearerFormat: "JWT" }
  }
  if (serviceKeys !== undefined) {
    schemes["apiKeyAuth"] = serviceKeys.strategy === "query_string"
      ? { type: "apiKey", in: "query", name: serviceKeys.identifier }
      : { type: "apiKey", in: "header", name: serviceKeys.identifier }
  }
  const scheme = config.tls === undefined ? "http" : "https"
  return {
    openapi: "3.1.0",
    info: { title: options.title ?? config.name ?? "Sluice gateway", version: Version.version, description: "Generated by sluice openapi from the gateway config" },
    servers: [{ url: `${scheme}://localhost:${config.port}` }],
    paths,
    ...(Object.keys(schemes).length > 0 ? { components: { securitySchemes: schemes } } : {})
  }
}

/** `sluice openapi`. */
export const command = Command.make(
  "openapi",
  {
    config: Report.configFlag,
    title: Flag.String("title").pipe(Flag.optional, Flag.withDescription("info.title of the document (default: the config's name)"))
  },
  Effect.fnUntraced(function*({ config: file, title }) {
    const { config } = yield* Report.load(file)
    yield* Console.log(JSON.stringify(document(config, { title: title._tag === "Some" ? title.value : undefined }), null, 2))
  })
).pipe(Command.withDescription("print an OpenAPI 3.1 document of the endpoints"))
