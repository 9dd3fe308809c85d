/**
 * YAML output (`output_encoding: "yaml"`, and `negotiate` for `text/plain` or YAML), with the
 * `yaml` library.
 *
 * @since 0.1.0
 */
import * as YAML from "yaml"

/** `application/x-yaml; charset=utf-8` (gin's YAML render). */
export const contentType = "application/x-yaml; charset=utf-8"

/** The data as a YAML document. */
export const render = (data: Readonly<Record<string, unknown>>): string => YAML.stringify(data)
