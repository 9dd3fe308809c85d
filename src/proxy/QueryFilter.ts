/**
 * The backend query filter: the backend `input_query_strings` further restricts the query the
 * endpoint forwarded (exact, case-sensitive names; `*` keeps everything). Unset: identity.
 *
 * @since 0.1.0
 */
import type { BackendConfig } from "../config/Model.ts"
import * as Proxy from "./Proxy.ts"

/** The query filter of one backend. */
export const make = (backend: BackendConfig): Proxy.Middleware => {
  const names = backend.input_query_strings
  if (names === undefined || names.includes("*")) return Proxy.identity
  const allowed = new Set(names)
  return (next) => (req) =>
    next(req.query.length === 0 ? req : { ...req, query: req.query.filter(([name]) => allowed.has(name)) })
}
