/**
 * YAML output (`output_encoding: "yaml"`, and `negotiate` for `text/plain` or YAML), with the
 * `yaml` library: keys sorted like Go's yaml, `application/yaml; charset=utf-8`. A raw JSON number (see `Json.ts`) is written as its exact text, a plain YAML
 * number; own keys such as `__proto__` are kept like any key.
 *
 * @since 0.1.0
 */
import type * as YAML from "yaml"
import * as OptionalLibrary from "../OptionalLibrary.ts"
import * as Json from "./Json.ts"

/** `application/yaml; charset=utf-8` (KrakenD CE's YAML render). */
export const contentType = "application/yaml; charset=utf-8"

const rawNumber: YAML.ScalarTag = {
  tag: "tag:sluice.dev,2025:raw-number",
  default: true,
  identify: Json.isRaw,
  resolve: (s) => s,
  stringify: (item) => (Json.isRaw(item.value) ? item.value.rawJSON : String(item.value))
}

// Go's yaml writes map keys sorted.
const options: YAML.ToStringOptions & YAML.SchemaOptions & YAML.CreateNodeOptions = { customTags: [rawNumber], sortMapEntries: true }

/** Loads the YAML library now (a renderer is built when the pipe is, never per request). */
export const load = (): void => void OptionalLibrary.yaml()

/** The data as a YAML document. */
export const render = (data: Readonly<Record<string, unknown>>): string => OptionalLibrary.yaml().stringify(data, options)
