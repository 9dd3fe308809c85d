/**
 * XML for backend decoding (`encoding: "xml"`, like KrakenD CE's mxj-based decoder) and output
 * rendering (`output_encoding: "xml"`, like krakend-xml), with `fast-xml-parser`. Decoding keeps
 * the root element as the top-level key, every value a string, attributes as `-name` keys and an
 * element's text next to attributes as `#text`; repeated elements become arrays. The parser
 * refuses `__proto__`-like names (a `Decode` error). Rendering wraps the data in `<doc>`.
 *
 * @since 0.1.0
 */
import { XMLBuilder, XMLParser } from "fast-xml-parser"
import type { Parsed } from "./Json.ts"

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "-",
  textNodeName: "#text",
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true
})

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "-", textNodeName: "#text" })

/** Parses an XML document. */
export const parse = (text: string): Parsed => {
  try {
    const value: unknown = parser.parse(text, true)
    return { ok: true, value }
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : "invalid XML" }
  }
}

/** `application/xml; charset=utf-8`. */
export const contentType = "application/xml; charset=utf-8"

/** The data as an XML document with root `<doc>`. */
export const render = (data: Readonly<Record<string, unknown>>): string => builder.build({ doc: data }) as string

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

const asList = (v: unknown): ReadonlyArray<unknown> => (v === undefined ? [] : Array.isArray(v) ? v : [v])

/**
 * An RSS 2.0 or Atom document as feed data (an approximation of KrakenD's gofeed-based `rss`
 * decoder): the channel (or feed) fields at the top level and the items (or entries) under
 * `items`, always an array.
 */
export const feed = (doc: unknown): Record<string, unknown> | undefined => {
  if (!isObject(doc)) return undefined
  const rss = doc["rss"]
  const channel = isObject(rss) ? rss["channel"] : undefined
  const atom = doc["feed"]
  const source = isObject(channel) ? channel : isObject(atom) ? atom : undefined
  if (source === undefined) return undefined
  const out: Record<string, unknown> = Object.create(null)
  for (const k of Object.keys(source)) if (k !== "item" && k !== "entry") out[k] = source[k]
  out["items"] = asList(source["item"] ?? source["entry"])
  return out
}
