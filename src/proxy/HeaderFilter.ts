/**
 * The backend header filter: the backend `input_headers` further restricts the headers the
 * endpoint forwarded (`*` keeps everything; unset: identity).
 *
 * Deliberate difference from KrakenD: the headers the gateway itself sets (`X-Forwarded-For`,
 * `X-Forwarded-Host`, `User-Agent`, `X-Forwarded-Via`) always pass. KrakenD drops them unless the
 * backend lists them too, which silently removes the client IP from backends that restrict
 * headers; they carry no client-controlled data beyond what the router already vetted.
 *
 * @since 0.1.0
 */
import type { BackendConfig } from "../config/Model.ts"
import { canonical } from "./HeaderName.ts"
import * as Proxy from "./Proxy.ts"
import * as NullRecord from "../NullRecord.ts"

/** Headers set by the gateway that a backend filter never removes. */
export const gatewayHeaders: ReadonlyArray<string> = ["X-Forwarded-For", "X-Forwarded-Host", "User-Agent", "X-Forwarded-Via"]

/**
 * The header filter of one backend. `always`: more headers the gateway sets (the JWT
 * validator's propagated claims), which pass too.
 */
export const make = (backend: BackendConfig, always: ReadonlyArray<string> = []): Proxy.Middleware => {
  const names = backend.input_headers
  if (names === undefined || names.includes("*")) return Proxy.identity
  const allowed = [...new Set([...names.map(canonical), ...gatewayHeaders, ...always])]
  return (next) => (req) => {
    const out: Record<string, ReadonlyArray<string>> = NullRecord.make()
    for (const name of allowed) {
      if (Object.hasOwn(req.headers, name)) out[name] = req.headers[name]!
    }
    return next({ ...req, headers: out })
  }
}
