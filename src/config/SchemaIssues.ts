/**
 * Schema decoding failures as config issues: one `ConfigIssue` per problem, with its JSON path.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import type { ConfigIssue } from "./ConfigError.ts"
import * as JsonPath from "./JsonPath.ts"

const MAX_MESSAGE = 1000 // caps messages quoting a large input; our own explanations fit

const leafHook: SchemaIssue.LeafHook = (issue) => {
  if (issue._tag === "MissingKey") return "missing required key"
  if (issue._tag === "UnexpectedKey") return "unknown key"
  const message = SchemaIssue.defaultLeafHook(issue)
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1({ leafHook })

/** Parse options for config decoding: all issues, excess keys are errors, inputs in messages. */
export const parseOptions = { errors: "all", onExcessProperty: "error", reportInput: true } as const

/** The issues of a Schema failure, their paths under `path`. */
export const toConfigIssues = (error: Schema.SchemaError, path: string): ReadonlyArray<ConfigIssue> =>
  formatter(error.issue).issues.map((issue) => ({
    path: JsonPath.append(path, (issue.path ?? []).map((p) => (typeof p === "object" ? p.key : p))),
    message: issue.message
  }))

/** Decodes `input` with `schema` synchronously, as the decoded value or its issues. */
export const decode = <S extends Schema.Decoder<unknown>>(schema: S) => {
  const run = Schema.decodeUnknownResult(schema)
  return (input: unknown, path: string): { readonly value: S["Type"] } | { readonly issues: ReadonlyArray<ConfigIssue> } => {
    const result = run(input, parseOptions)
    return result._tag === "Success" ? { value: result.success } : { issues: toConfigIssues(result.failure, path) }
  }
}
