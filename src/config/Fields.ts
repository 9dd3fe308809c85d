/**
 * Field schemas shared by the service, endpoint and backend schemas: methods, encodings, and
 * defaults with descriptions (which also end up in the JSON Schema).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"
import type * as Model from "./Model.ts"

/** HTTP methods an endpoint or backend can use. */
export const METHODS: ReadonlyArray<Model.Method> = ["GET", "POST", "PUT", "PATCH", "DELETE"]

/** Values of `output_encoding`. */
export const OUTPUT_ENCODINGS: ReadonlyArray<Model.OutputEncoding> = [
  "json",
  "json-collection",
  "string",
  "no-op",
  "xml",
  "yaml",
  "negotiate"
]

/** Values of a backend `encoding` (`fast-json` is also accepted and read as `json`). */
export const BACKEND_ENCODINGS: ReadonlyArray<Model.BackendEncoding> = ["json", "safejson", "string", "no-op", "xml", "rss"]

const upperCase = <A extends string>() =>
  SchemaTransformation.transform<A, string>({ decode: (s) => s.toUpperCase() as A, encode: (s) => s })

/** An HTTP method, accepted in any case and normalised to upper case. */
export const Method = Schema.String.annotate({
  description: `HTTP method: ${METHODS.join(", ")} (case-insensitive)`
}).pipe(Schema.decodeTo(Schema.Literals(["GET", "POST", "PUT", "PATCH", "DELETE"]), upperCase<Model.Method>()))

/** An endpoint or service `output_encoding`. */
export const OutputEncoding = Schema.Literals(["json", "fast-json", "json-collection", "string", "no-op", "xml", "yaml", "negotiate"]).annotate({
  description: "How the endpoint renders its response (fast-json = json)"
}).pipe(
  Schema.decodeTo(
    Schema.Literals(["json", "json-collection", "string", "no-op", "xml", "yaml", "negotiate"]),
    SchemaTransformation.transform<Model.OutputEncoding, Model.OutputEncoding | "fast-json">({
      decode: (s) => (s === "fast-json" ? "json" : s),
      encode: (s) => s
    })
  )
)

/** A backend `encoding`; `fast-json` is read as `json`. */
export const BackendEncoding = Schema.String.annotate({
  description: `How the backend response is decoded: ${BACKEND_ENCODINGS.join(", ")} (fast-json = json)`
}).pipe(
  Schema.decodeTo(
    Schema.Literals(["json", "safejson", "string", "no-op", "xml", "rss"]),
    SchemaTransformation.transform<Model.BackendEncoding, string>({
      decode: (s) => (s === "fast-json" ? "json" : s) as Model.BackendEncoding,
      encode: (s) => s
    })
  )
)

/** A log level of `telemetry/logging`, accepted in any case. */
export const LogLevel = Schema.String.annotate({
  description: "DEBUG, INFO, WARNING, ERROR or CRITICAL (case-insensitive)"
}).pipe(
  Schema.decodeTo(Schema.Literals(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]), upperCase<Model.LoggingOptions["level"]>())
)

/** A list of strings. */
export const Strings = Schema.Array(Schema.String)

/** A non-negative integer. */
export const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** A key that may be absent, in which case `value` (an encoded value) is used. */
export const withDefault = <S extends Schema.Top>(schema: S, value: S["Encoded"], description: string) =>
  Schema.withDecodingDefaultKey<S["Rebuild"]>(Effect.succeed(value))(
    Schema.annotateEncoded<S>({ description, default: value })(schema)
  )

/** A key that may be absent (decoded as a missing property). */
export const optional = <S extends Schema.Top>(schema: S, description: string) =>
  Schema.optionalKey(Schema.annotateEncoded<S>({ description })(schema))

/** A boolean flag defaulting to `false`. */
export const flag = (description: string) => withDefault(Schema.Boolean, false, description)
