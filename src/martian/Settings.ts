/**
 * The martian types KrakenD CE registers (google/martian v2.1.0's `*FromJSON` functions plus
 * KrakenD's `header.Id` and `static.Modifier`): the modifiers here, the filters, groups and
 * verifiers in `FilterSettings.ts`. Values martian would only reject on every request (an
 * invalid header name, a Content-Length that is no number, a bad base64 body) are refused here.
 *
 * @since 0.2.0
 */
import { canonical } from "../proxy/HeaderName.ts"
import * as Cookies from "./Cookies.ts"
import * as FilterSettings from "./FilterSettings.ts"
import { BOTH, REQUEST, RESPONSE, type Spec } from "./Spec.ts"
import * as Url from "./Url.ts"
import { BASE64, headerName, headerValue, port, quote, RFC3339, text, TOKEN, urlParts } from "./Values.ts"

/** The modifiers. */
const modifiers: Readonly<Record<string, Spec>> = {
  "header.Modifier": {
    keys: ["name", "value"],
    supports: BOTH,
    parse: (f) => {
      const name = headerName(f, "name")
      const value = headerValue(f, "value", name)
      return name === undefined || value === undefined ? undefined : { type: "header.Modifier", name, value }
    }
  },
  "header.Append": {
    keys: ["name", "value"],
    supports: BOTH,
    parse: (f) => {
      const name = headerName(f, "name")
      const value = headerValue(f, "value", name)
      return name === undefined || value === undefined ? undefined : { type: "header.Append", name, value }
    }
  },
  "header.Blacklist": {
    keys: ["names"],
    supports: BOTH,
    parse: (f) => {
      const names = f.strings("names")
      if (names === undefined) return undefined
      const bad = names.find((n) => !TOKEN.test(n))
      return bad !== undefined ? f.fail("names", `${quote(bad)} is not a valid header name`) : { type: "header.Blacklist", names: names.map(canonical) }
    }
  },
  "header.Copy": {
    keys: ["from", "to"],
    supports: BOTH,
    parse: (f) => {
      const from = headerName(f, "from")
      const to = headerName(f, "to")
      return from === undefined || to === undefined ? undefined : { type: "header.Copy", from, to }
    }
  },
  "header.Id": {
    keys: ["header"],
    supports: REQUEST,
    parse: (f) => {
      // an empty or missing header is KrakenD's default
      const raw = f.raw("header")
      const header = raw === undefined || raw === "" ? "X-Krakend-Id" : headerName(f, "header")
      return header === undefined ? undefined : { type: "header.Id", header }
    }
  },
  "querystring.Modifier": {
    keys: ["name", "value"],
    supports: REQUEST,
    parse: (f) => {
      const name = text(f, "name", true)
      const value = text(f, "value", true)
      return name === undefined || value === undefined ? undefined : { type: "querystring.Modifier", name, value }
    }
  },
  "body.Modifier": {
    keys: ["body", "contentType"],
    supports: BOTH,
    parse: (f) => {
      const raw = f.string("body", true)
      const contentType = headerValue(f, "contentType", "Content-Type", false) ?? ""
      if (raw === undefined) return undefined
      const compact = raw.replace(/[\r\n]/g, "")
      if (!BASE64.test(compact)) return f.fail("body", "the body must be base64 (standard alphabet, padded)")
      return { type: "body.Modifier", body: new Uint8Array(Buffer.from(compact, "base64")), contentType }
    }
  },
  "cookie.Modifier": {
    keys: ["name", "value", "path", "domain", "expires", "secure", "httpOnly", "maxAge"],
    supports: BOTH,
    parse: (f) => {
      const name = f.string("name", true)
      if (name !== undefined && !Cookies.validName(name)) f.fail("name", `${quote(name)} is not a valid cookie name`)
      const value = f.string("value", true)
      if (value !== undefined && !Cookies.validValue(value)) f.fail("value", "a cookie value is printable ASCII without \", ; or \\")
      const path = f.string("path", false) ?? ""
      if (!Cookies.validPath(path)) f.fail("path", "a cookie path is printable ASCII without ;")
      const domain = f.string("domain", false) ?? ""
      if (domain !== "" && !Cookies.validDomain(domain)) f.fail("domain", `${quote(domain)} is not a valid cookie domain`)
      const expiresText = f.string("expires", false)
      const match = expiresText === undefined ? null : RFC3339.exec(expiresText)
      const expires = match === null ? undefined : Date.parse(expiresText!.toUpperCase())
      if (expiresText !== undefined && (match === null || Number.isNaN(expires))) f.fail("expires", `expected an RFC 3339 time, got ${quote(expiresText)}`)
      const maxAge = f.integer("maxAge", false) ?? 0
      const secure = f.boolean("secure") ?? false
      const httpOnly = f.boolean("httpOnly") ?? false
      if (name === undefined || value === undefined) return undefined
      const c = { name, value, path, domain, expires: match !== null && Number(match[1]) >= 1601 ? expires : undefined, secure, httpOnly, maxAge }
      return { type: "cookie.Modifier", pair: Cookies.pair(name, value), setCookie: Cookies.setCookie(c) }
    }
  },
  "url.Modifier": {
    keys: ["scheme", "host", "path", "query"],
    supports: REQUEST,
    parse: (f) => {
      const { host, path, query, scheme } = urlParts(f)
      return { type: "url.Modifier", scheme, host, path: path === "" ? "" : Url.escapePath(path), query }
    }
  },
  "port.Modifier": {
    keys: ["port", "defaultForScheme", "remove"],
    supports: REQUEST,
    parse: (f) => {
      const p = port(f, "port", false)
      const defaultForScheme = f.boolean("defaultForScheme") ?? false
      const remove = f.boolean("remove") ?? false
      if ((p === undefined ? 0 : 1) + (defaultForScheme ? 1 : 0) + (remove ? 1 : 0) !== 1) {
        return f.fail(undefined, "set exactly one of port, defaultForScheme: true or remove: true")
      }
      const action = p !== undefined ? { _tag: "port" as const, port: p } : defaultForScheme ? { _tag: "defaultForScheme" as const } : { _tag: "remove" as const }
      return { type: "port.Modifier", action }
    }
  },
  "stash.Modifier": {
    keys: ["headerName"],
    supports: BOTH,
    parse: (f) => {
      const headerName_ = headerName(f, "headerName")
      const s = f.raw("scope")
      if (Array.isArray(s) && s.includes("response") && !s.includes("request")) {
        return f.fail("scope", "a response-only stash.Modifier has no stashed request URL to copy: give it both scopes (martian refuses it too)")
      }
      return headerName_ === undefined ? undefined : { type: "stash.Modifier", headerName: headerName_ }
    }
  },
  "status.Modifier": {
    keys: ["statusCode"],
    supports: RESPONSE,
    parse: (f) => {
      const statusCode = f.integer("statusCode", true)
      if (statusCode === undefined) return undefined
      return statusCode >= 100 && statusCode <= 599 ? { type: "status.Modifier", statusCode } : f.fail("statusCode", `a status code is 100 to 599, got ${statusCode}`)
    }
  },
  "static.Modifier": {
    keys: ["rootPath", "explicitPaths"],
    supports: BOTH,
    parse: (f) => {
      const rootPath = f.string("rootPath", true)
      const explicitPaths = f.stringMap("explicitPaths") ?? {}
      if (rootPath === "") return f.fail("rootPath", "the root folder of the files cannot be empty")
      return rootPath === undefined ? undefined : { type: "static.Modifier", rootPath, explicitPaths }
    }
  }
}

/** Every type KrakenD CE registers, by its `package.Type` key. */
export const types: Readonly<Record<string, Spec>> = { ...modifiers, ...FilterSettings.types }
