/**
 * Client IP resolution, like gin's `ClientIP()`: the socket peer by default; when the peer is a
 * trusted proxy and `router.forwarded_by_client_ip` is on, the `router.remote_ip_headers` are
 * walked right to left, skipping trusted hops (KrakenD's `A, B, C` from trusted `C`/`D` gives
 * `B`). A client-sent `X-Forwarded-For` is ignored unless the peer is trusted.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import { BlockList, isIP } from "node:net"
import type { RouterOptions } from "../config/Model.ts"

/** Resolves the client IP of a request. */
export type ClientIp = (request: HttpServerRequest.HttpServerRequest) => string

/** `::ffff:1.2.3.4` → `1.2.3.4`. */
export const normalize = (address: string): string =>
  address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address

/** A matcher for IPs and CIDRs (IPv4 and IPv6), built once. Invalid entries are skipped. */
export const trustedMatcher = (entries: ReadonlyArray<string>): ((ip: string) => boolean) => {
  if (entries.length === 0) return () => false
  const list = new BlockList()
  for (const entry of entries) {
    const [address = "", prefix] = entry.trim().split("/")
    const family = isIP(address)
    if (family === 0) continue
    const type = family === 4 ? "ipv4" : "ipv6"
    if (prefix === undefined) list.addAddress(address, type)
    else list.addSubnet(address, Number(prefix), type)
  }
  return (ip) => {
    const family = isIP(ip)
    return family !== 0 && list.check(ip, family === 4 ? "ipv4" : "ipv6")
  }
}

const fromHeader = (value: string, trusted: (ip: string) => boolean): string | undefined => {
  const items = value.split(",")
  for (let i = items.length - 1; i >= 0; i--) {
    const ip = normalize(items[i]!.trim())
    if (isIP(ip) === 0) return undefined
    if (i === 0 || !trusted(ip)) return ip
  }
  return undefined
}

/** gin's `RemoteIPHeaders` default, used when `router.remote_ip_headers` is empty. */
export const defaultRemoteIpHeaders: ReadonlyArray<string> = ["X-Forwarded-For", "X-Real-IP"]

/** Builds the resolver for the router options. */
export const make = (options: RouterOptions): ClientIp => {
  const trusted = trustedMatcher(options.trusted_proxies)
  // gin's default when the config lists none (KrakenD only overrides a non-empty list).
  const names = options.remote_ip_headers.length > 0 ? options.remote_ip_headers : defaultRemoteIpHeaders
  const headers = names.map((h) => h.toLowerCase())
  const walk = options.forwarded_by_client_ip && headers.length > 0 && options.trusted_proxies.length > 0
  return (request) => {
    const peer = normalize(Option.getOrElse(request.remoteAddress, () => ""))
    if (!walk || !trusted(peer)) return peer
    for (const name of headers) {
      const value = request.headers[name]
      if (value === undefined || value === "") continue
      const ip = fromHeader(value, trusted)
      if (ip !== undefined) return ip
    }
    return peer
  }
}
