/**
 * Host selection (KrakenD's load balancer): round-robin over the backend `host[]`, then the final
 * URL = host + path (+ `?query`). The URL is checked before anything is dispatched: its origin
 * must be the chosen host's origin, its path must start with the host's own path prefix, and it
 * must carry no `.`/`..` segment that the `url_pattern` did not write (RELIABILITY C8, C9).
 * Otherwise the call fails with `BackendError("InvalidUrl")`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { BackendConfig } from "../config/Model.ts"
import type { Middleware, Query } from "./Proxy.ts"
import { BackendError } from "./ProxyError.ts"
import * as UrlPattern from "./UrlPattern.ts"
import * as BackendName from "./BackendName.ts"

interface Host {
  readonly base: string
  readonly origin: string
  readonly prefix: string
}

const parseHost = (host: string): Host | undefined => {
  try {
    const u = new URL(host)
    return { base: host, origin: u.origin, prefix: u.pathname.replace(/\/+$/, "") }
  } catch {
    return undefined
  }
}

/**
 * Escapes a query name or value like Go's `url.QueryEscape` (what KrakenD sends): everything but
 * letters, digits and `-_.~` is percent-encoded, a space becomes `+`.
 */
export const queryEscape = (s: string): string => {
  const e = encodeURIComponent(s)
  return /[!'()*]|%20/.test(e) ? e.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, "+") : e
}

/** Encodes query pairs in their order (the router already ordered the forwarded ones by name). */
export const encodeQuery = (query: Query): string => {
  let out = ""
  for (const [name, value] of query) {
    out += (out === "" ? "" : "&") + queryEscape(name) + "=" + queryEscape(value)
  }
  return out
}

/**
 * `true` when `host.base + path` cannot change the origin or leave the prefix: the path starts
 * with `/` and holds no `\` (which WHATWG URLs read as `/`) and no `#` — the URL parser then
 * keeps the authority as written. Params are percent-encoded, so this is the common case.
 */
const plainPath = (path: string): boolean =>
  path.charCodeAt(0) === 0x2f && !path.includes("\\") && !path.includes("#")

/** Checks a final URL against the host it was built on. */
export const check = (url: string, host: Host, path: string, allowedDots: number): string | undefined => {
  if (UrlPattern.countDotSegments(path) > allowedDots) return "dot segment in the backend path"
  if (plainPath(path)) return undefined
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return "unparsable backend URL"
  }
  if (u.origin !== host.origin) return "the backend URL origin changed"
  if (!u.pathname.startsWith(host.prefix)) return "the backend URL left the host path prefix"
  return undefined
}

/**
 * The host selection of one backend, over its `host` list or, with `sd: "dns"`, over the list
 * `discovered` gives at each call (parsed again only when it changed).
 */
export const make = (backend: BackendConfig, discovered?: () => ReadonlyArray<string>): Middleware => {
  const name = BackendName.of(backend)
  let hosts = backend.host.map(parseHost)
  let seen: ReadonlyArray<string> | undefined
  const allowedDots = UrlPattern.compile(backend.url_pattern).dotSegments
  let counter = 0
  const fail = (message: string) => Effect.fail(new BackendError({ reason: "InvalidUrl", backend: name, message }))
  return (next) => (req) => {
    if (discovered !== undefined) {
      const current = discovered()
      if (current !== seen) {
        seen = current
        hosts = current.map(parseHost)
      }
    }
    if (hosts.length === 0) return fail("no hosts available")
    const host = hosts.length === 1 ? hosts[0] : hosts[counter++ % hosts.length]
    if (counter > 0x3fffffff) counter = 0
    if (host === undefined) return fail("invalid backend host")
    const query = req.query.length === 0 ? "" : "?" + encodeQuery(req.query)
    const url = host.base + req.path + query
    const problem = check(url, host, req.path, allowedDots)
    return problem === undefined ? next({ ...req, url }) : fail(problem)
  }
}
