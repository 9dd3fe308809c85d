/**
 * The martian filters: a condition, the nested modifier run when it holds and (where martian
 * reads one) an `else` run when it does not. Conditions are evaluated per direction: on the
 * request, or on the response — which for the query, URL and port filters, and for
 * `header.RegexFilter`, means the request that got the answer, as in martian.
 *
 * @since 0.2.0
 */
import type * as Message from "./Message.ts"
import * as Cookies from "./Cookies.ts"
import { all } from "./Message.ts"
import * as Step from "./Step.ts"
import type * as Tree from "./Tree.ts"
import * as Url from "./Url.ts"
import * as BotDetector from "../security/BotDetector.ts"

type Test<M> = (m: M) => boolean | Message.Failure

/** A filter with the same kind of condition on both sides. */
const filter = (
  request: Test<Message.Req>,
  response: Test<Message.Res>,
  then: Step.Built,
  otherwise: Step.Built
): Step.Built => ({
  request: Step.branch(request, then.request, otherwise.request),
  response: Step.branch(response, then.response, otherwise.response)
})

/**
 * `header.Filter`: some value of the header equals `value`; with no `value`, the header is
 * present (the behaviour KrakenD documents). The response side reads the response's headers.
 */
export const header = (node: Tree.HeaderFilter, then: Step.Built, otherwise: Step.Built): Step.Built => {
  const test = (m: Message.Req | Message.Res): boolean => {
    const values = all(m, node.name)
    return values !== undefined && (node.value === "" || values.includes(node.value))
  }
  return filter(test, test, then, otherwise)
}

/** A compiled RE2 pattern as a test of one string. */
const matcher = (source: string): (input: string) => boolean => {
  const pattern = BotDetector.compile(source)
  if (typeof pattern === "string") throw new Error(`martian: the checked pattern ${source} does not compile: ${pattern}`)
  return pattern.lower ? (input) => pattern.regexp.test(input.toLowerCase()) : (input) => pattern.regexp.test(input)
}

/** `header.RegexFilter`: a non-empty value of the request's header matches; both sides read the request. */
export const headerRegex = (node: Tree.HeaderRegexFilter, then: Step.Built): Step.Built => {
  const matches = matcher(node.regex)
  const test = (req: Message.Req): boolean => (req.headers[node.header] ?? []).some((v) => v !== "" && matches(v))
  return filter(test, (res) => test(res.request), then, Step.none)
}

/** `querystring.Filter`: the request query has the param (with `value`, when set). */
export const query = (node: Tree.QueryFilter, then: Step.Built, otherwise: Step.Built): Step.Built => {
  const test = (req: Message.Req): boolean => {
    const values = Url.parseQuery(req.url.query).get(node.name)
    return values !== undefined && (node.value === "" || values.includes(node.value))
  }
  return filter(test, (res) => test(res.request), then, otherwise)
}

/** `url.Filter`: every set part equals the request URL's (the host with martian's `*` labels). */
export const url = (node: Tree.UrlFilter, then: Step.Built, otherwise: Step.Built): Step.Built => {
  const test = (req: Message.Req): boolean =>
    (node.scheme === "" || node.scheme === req.url.scheme) &&
    (node.host === "" || Url.matchHost(req.url.host, node.host)) &&
    (node.path === "" || node.path === Url.decodedPath(req.url)) &&
    (node.query === "" || node.query === req.url.query)
  return filter(test, (res) => test(res.request), then, otherwise)
}

/** `url.RegexFilter`: an unanchored match against the whole request URL, query included. */
export const urlRegex = (node: Tree.UrlRegexFilter, then: Step.Built, otherwise: Step.Built): Step.Built => {
  const matches = matcher(node.regex)
  const test = (req: Message.Req): boolean => matches(Url.format(req.url))
  return filter(test, (res) => test(res.request), then, otherwise)
}

/** `cookie.Filter`: a cookie `name` (with `value`, when set) in the request's `Cookie` or the response's `Set-Cookie`. */
export const cookie = (node: Tree.CookieFilter, then: Step.Built, otherwise: Step.Built): Step.Built => {
  const match = (pairs: ReadonlyArray<readonly [string, string]>): boolean =>
    pairs.some(([name, value]) => name === node.name && (node.value === "" || value === node.value))
  return filter(
    (req) => match(Cookies.requestCookies(req.headers["Cookie"])),
    (res) => match(Cookies.responseCookies(res.headers["Set-Cookie"])),
    then,
    otherwise
  )
}

/**
 * `port.Filter`: the request URL's port, or its scheme's default, is `port`. A host whose port
 * does not parse is the call's failure, as in martian (whose response side also fails for a URL
 * without a port unless `port` is the default one; Sluice reads both sides alike).
 */
export const port = (node: Tree.PortFilter, then: Step.Built): Step.Built => {
  const test = (req: Message.Req): boolean | Message.Failure => {
    const p = Url.portOf(req.url)
    return typeof p === "string" ? `${node.at}: ${p}` : p === node.port
  }
  return filter(test, (res) => test(res.request), then, Step.none)
}
