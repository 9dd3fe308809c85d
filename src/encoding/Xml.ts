/**
 * XML for backend decoding (`encoding: "xml"`, like KrakenD CE's mxj-based decoder) and output
 * rendering (`output_encoding: "xml"`, like krakend-xml), with `fast-xml-parser`. Decoding keeps
 * the root element as the top-level key, every value a string, attributes as `-name` keys and an
 * element's text next to attributes as `#text`; repeated elements become arrays. The parser
 * refuses `__proto__`-like names (a `Decode` error).
 *
 * Rendering (own serializer, always well-formed) writes a map with a single object-valued key as
 * that root element (mxj), anything else wrapped in `<doc>`: a key becomes an
 * element whose name is made a valid XML Name (characters outside XML NameChar, and `:`, become
 * `_`; a name not starting with a letter or `_` gets a `_` prefix; `""` becomes `_`); an array
 * repeats the element once per item and an array inside an array renders its items as `<item>`
 * elements; `null` is an empty element; text is escaped and characters XML 1.0 forbids become
 * U+FFFD. Like krakend-xml (mxj), a `-name` key with a scalar value whose rest is a valid name
 * becomes an attribute and a scalar `#text` the element's text. Own keys such as `__proto__`
 * are rendered like any key. A raw JSON number (see `Json.ts`) renders its exact text.
 *
 * @since 0.1.0
 */
import type { XMLParser } from "fast-xml-parser"
import * as OptionalLibrary from "../OptionalLibrary.ts"
import * as Json from "./Json.ts"
import type { Parsed } from "./Json.ts"
import * as NullRecord from "../NullRecord.ts"

let loaded: XMLParser | undefined
const parser = (): XMLParser => loaded ??= new (OptionalLibrary.xml().XMLParser)({
  ignoreAttributes: false,
  attributeNamePrefix: "-",
  textNodeName: "#text",
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true
})

/** Loads the XML library now (a decoder is built when the pipe is, never per request). */
export const load = (): void => void parser()

/** Parses an XML document. */
export const parse = (text: string): Parsed => {
  try {
    const value: unknown = parser().parse(text, true)
    return { ok: true, value }
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : "invalid XML" }
  }
}

/** `application/xml` (krakend-xml writes no charset). */
export const contentType = "application/xml"

const START = "A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}"
const CHAR = START + "\\-.0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040"
const VALID_NAME = new RegExp(`^[${START}][${CHAR}]*$`, "u")
const NOT_NAME_CHAR = new RegExp(`[^${CHAR}]`, "gu")
const NAME_START = new RegExp(`^[${START}]`, "u")
const XML_CHARS = "\\t\\n\\r\\u0020-\\uD7FF\\uE000-\\uFFFD\\u{10000}-\\u{10FFFF}"
const NOT_XML_CHAR = new RegExp(`[^${XML_CHARS}]`, "gu")
const SPECIAL = new RegExp(`[&<>"']|[^${XML_CHARS}]`, "u")

/** A key as a valid XML element name (see the module doc). */
export const elementName = (key: string): string => {
  if (VALID_NAME.test(key)) return key
  const replaced = key.replace(NOT_NAME_CHAR, "_")
  return NAME_START.test(replaced) ? replaced : "_" + replaced
}

const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;" }

/** Text escaped for element content and attribute values. */
export const escape = (text: string): string =>
  SPECIAL.test(text) ? text.replace(NOT_XML_CHAR, "\uFFFD").replace(/[&<>"']/g, (c) => ENTITIES[c]!) : text

const scalar = (v: unknown): string | undefined => {
  if (typeof v === "string") return escape(v)
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v)
  if (Json.isRaw(v)) return v.rawJSON
  return undefined
}

const element = (name: string, v: unknown, out: Array<string>): void => {
  if (v === undefined || typeof v === "function" || typeof v === "symbol") return
  if (v === null) {
    out.push(`<${name}/>`)
    return
  }
  const text = scalar(v)
  if (text !== undefined) {
    out.push(`<${name}>${text}</${name}>`)
    return
  }
  if (Array.isArray(v)) {
    for (const item of v) {
      if (Array.isArray(item)) {
        out.push(`<${name}>`)
        for (const inner of item) element("item", inner, out)
        out.push(`</${name}>`)
      } else element(name, item, out)
    }
    return
  }
  const o = v as Record<string, unknown>
  let attributes = ""
  let body = ""
  const children: Array<string> = []
  for (const k of Object.keys(o)) {
    const c = o[k]
    const s = c === null || typeof c === "object" ? (Json.isRaw(c) ? c.rawJSON : undefined) : scalar(c)
    if (s !== undefined && k.length > 1 && k.charCodeAt(0) === 0x2d && VALID_NAME.test(k.slice(1))) attributes += ` ${k.slice(1)}="${s}"`
    else if (s !== undefined && k === "#text") body += s
    else element(elementName(k), c, children)
  }
  out.push(`<${name}${attributes}>`, body, ...children, `</${name}>`)
}

/**
 * The data as an XML document (mxj's `Xml()`): a map with exactly one key whose value is an
 * object is written as that root element; anything else is wrapped in `<doc>`.
 */
export const render = (data: Readonly<Record<string, unknown>>): string => {
  const out: Array<string> = []
  const keys = Object.keys(data)
  const only = keys.length === 1 ? data[keys[0]!] : undefined
  if (only !== undefined && only !== null && typeof only === "object" && !Array.isArray(only) && !Json.isRaw(only)) {
    element(elementName(keys[0]!), only, out)
  } else element("doc", data, out)
  return out.join("")
}

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
  const out: Record<string, unknown> = NullRecord.make()
  for (const k of Object.keys(source)) if (k !== "item" && k !== "entry") out[k] = source[k]
  out["items"] = asList(source["item"] ?? source["entry"])
  return out
}
