/**
 * The request builder stage: fills the backend `url_pattern` with the request params (see
 * `UrlPattern.ts`) and sets the backend method. The pattern's own query pairs come first, the
 * forwarded query is appended after them (KrakenD keeps both).
 *
 * @since 0.1.0
 */
import type { BackendConfig } from "../config/Model.ts"
import type { Middleware } from "./Proxy.ts"
import * as UrlPattern from "./UrlPattern.ts"

/** The request builder of one backend. */
export const make = (backend: BackendConfig): Middleware => {
  const pattern = UrlPattern.compile(backend.url_pattern)
  const method = backend.method
  const hasQuery = pattern.query.length > 0
  return (next) => (req) =>
    next({
      ...req,
      method,
      path: UrlPattern.fillPath(pattern, req.params),
      query: hasQuery ? [...UrlPattern.fillQuery(pattern, req.params), ...req.query] : req.query
    })
}
