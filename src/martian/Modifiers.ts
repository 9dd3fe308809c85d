/**
 * The martian modifiers as closures over their decoded settings, each doing what google/martian
 * v2.1.0 (and KrakenD's `header.Id`) does to Go's request or response. Both directions are
 * returned where the type supports them; `Stage.ts` keeps the ones the node's scope asks for.
 *
 * Not mimicked: `body.Modifier`'s answer to a request `Range` header (206 or
 * `multipart/byteranges`); the whole body is set instead.
 *
 * @since 0.2.0
 */
import { randomUUID } from "node:crypto"
import * as Message from "./Message.ts"
import type { Built } from "./Step.ts"
import type * as Tree from "./Tree.ts"
import * as Url from "./Url.ts"

/** `header.Modifier`: `proxyutil.Header.Set`. */
export const header = (node: Tree.HeaderModifier): Built => ({
  request: (req) => Message.set(req, node.name, node.value),
  response: (res) => Message.set(res, node.name, node.value)
})

/** `header.Append`: `proxyutil.Header.Add`. */
export const append = (node: Tree.HeaderAppend): Built => ({
  request: (req) => Message.add(req, node.name, node.value),
  response: (res) => Message.add(res, node.name, node.value)
})

/** `header.Blacklist`: `proxyutil.Header.Del` of each name. */
export const blacklist = (node: Tree.HeaderBlacklist): Built => {
  const drop = (m: Message.Req | Message.Res) => {
    for (const name of node.names) Message.del(m, name)
    return undefined
  }
  return { request: drop, response: drop }
}

/** `header.Copy`: `to` set to the first value of `from` (empty when absent). */
export const copy = (node: Tree.HeaderCopy): Built => ({
  request: (req) => Message.set(req, node.to, Message.get(req, node.from)),
  response: (res) => Message.set(res, node.to, Message.get(res, node.from))
})

/** `header.Id` (KrakenD): a random UUIDv4 unless the header has a value. */
export const id = (node: Tree.HeaderId): Built => ({
  request: (req) => {
    if ((req.headers[node.header]?.[0] ?? "") === "") req.headers[node.header] = [randomUUID()]
    return undefined
  },
  response: undefined
})

/** `querystring.Modifier`: the param replaced, the whole query re-encoded sorted by name. */
export const query = (node: Tree.QueryModifier): Built => ({
  request: (req) => {
    const values = Url.parseQuery(req.url.query)
    values.set(node.name, [node.value])
    req.url.query = Url.encodeQuery(values)
    return undefined
  },
  response: undefined
})

/** `body.Modifier`: body, Content-Type (empty when unset), no Content-Encoding, the new length. */
export const body = (node: Tree.BodyModifier): Built => ({
  request: (req) => {
    req.headers["Content-Type"] = [node.contentType]
    delete req.headers["Content-Encoding"]
    req.contentLength = node.body.byteLength
    req.body = node.body
    return undefined
  },
  response: (res) => {
    res.headers["Content-Type"] = [node.contentType]
    delete res.headers["Content-Encoding"]
    Message.replaceBody(res, node.body)
    return undefined
  }
})

/** `cookie.Modifier`: `Request.AddCookie` (one `Cookie` line), or one more `Set-Cookie`. */
export const cookie = (node: Tree.CookieModifier): Built => ({
  request: (req) => {
    const current = req.headers["Cookie"]?.[0] ?? ""
    req.headers["Cookie"] = [current === "" ? node.pair : `${current}; ${node.pair}`]
    return undefined
  },
  response: (res) => {
    res.headers["Set-Cookie"] = [...(res.headers["Set-Cookie"] ?? []), node.setCookie]
    return undefined
  }
})

/** `url.Modifier`: each set part replaces the URL's; the Host header stays as it was. */
export const url = (node: Tree.UrlModifier): Built => ({
  request: (req) => {
    if (node.scheme !== "") req.url.scheme = node.scheme
    if (node.host !== "") req.url.host = node.host
    if (node.path !== "") req.url.path = node.path
    if (node.query !== "") req.url.query = node.query
    return undefined
  },
  response: undefined
})

/**
 * `port.Modifier`: the URL host's port replaced, set to the scheme's default or removed; the Host
 * header sent becomes the new `host[:port]` too (martian writes it to the header map).
 */
export const port = (node: Tree.PortModifier): Built => ({
  request: (req) => {
    let host = req.url.host
    if (host.includes(":")) {
      const split = Url.splitHostPort(host)
      if (typeof split === "string") return split
      host = split[0]
    }
    const action = node.action
    let next: string
    if (action._tag === "remove") next = Url.bracketed(host)
    else if (action._tag === "port") next = Url.joinHostPort(host, String(action.port))
    else if (req.url.scheme === "http" || req.url.scheme === "https") next = Url.joinHostPort(host, req.url.scheme === "http" ? "80" : "443")
    else return undefined
    req.url.host = next
    req.host = next
    return undefined
  },
  response: undefined
})

/** `stash.Modifier`: the full request URL into the header, then the request's value onto the response. */
export const stash = (node: Tree.StashModifier): Built => ({
  request: (req) => {
    req.headers[node.headerName] = [Url.format(req.url)]
    return undefined
  },
  response: (res) => {
    res.headers[node.headerName] = [res.request.headers[node.headerName]?.[0] ?? ""]
    return undefined
  }
})

/** `status.Modifier`: the response status. */
export const status = (node: Tree.StatusModifier): Built => ({
  request: undefined,
  response: (res) => {
    res.status = node.statusCode
    return undefined
  }
})
