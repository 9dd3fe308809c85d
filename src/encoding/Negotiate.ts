/**
 * Content negotiation of `output_encoding: "negotiate"` (gin's `Negotiate` as KrakenD CE uses it):
 * the first media type of `Accept` that is XML picks xml, `text/plain` or a YAML type picks YAML,
 * `application/json` picks json; anything else (or no `Accept`) is json. Quality values are not
 * weighed.
 *
 * @since 0.1.0
 */

/** What `negotiate` renders. */
export type Format = "json" | "xml" | "yaml"

/** The format for an `Accept` header value. */
export const format = (accept: string | undefined): Format => {
  if (accept === undefined || accept === "") return "json"
  for (const part of accept.split(",")) {
    const semi = part.indexOf(";")
    const type = (semi === -1 ? part : part.slice(0, semi)).trim().toLowerCase()
    if (type === "application/xml" || type === "text/xml") return "xml"
    if (type === "text/plain" || type.includes("yaml")) return "yaml"
    if (type === "application/json") return "json"
  }
  return "json"
}
