/**
 * The backend response header allowlist (beyond KrakenD, `sluice/backend.response_headers`):
 * for decoded encodings KrakenD drops every backend header; the listed ones (e.g. `Set-Cookie`)
 * are kept in the response metadata, merged across backends and sent to the client with a
 * non-empty answer. `no-op` backends pass every end-to-end header anyway.
 *
 * @since 0.1.0
 */
import type { IncomingHttpHeaders } from "node:http"
import type { BackendConfig } from "../config/Model.ts"
import type * as Proxy from "./Proxy.ts"
import * as NullRecord from "../NullRecord.ts"

/** Adds the allowed headers of the raw answer to a response; `undefined` when nothing is allowed. */
export type Keep = (headers: IncomingHttpHeaders, res: Proxy.ProxyResponse) => Proxy.ProxyResponse

/** The allowlist of one backend. */
export const make = (backend: BackendConfig): Keep | undefined => {
  const names = backend.extra_config["sluice/backend"]?.response_headers
  if (names === undefined || names.length === 0 || backend.encoding === "no-op") return undefined
  const pairs = names.map((n) => [n, n.toLowerCase()] as const)
  return (headers, res) => {
    let out: Record<string, ReadonlyArray<string>> | undefined
    for (const [name, lower] of pairs) {
      const v = headers[lower]
      if (v === undefined) continue
      out ??= NullRecord.copy(res.metadata.headers)
      out[name] = Array.isArray(v) ? v : [v]
    }
    return out === undefined ? res : { ...res, metadata: { status: res.metadata.status, headers: out } }
  }
}
