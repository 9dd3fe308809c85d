/**
 * Martian tests: a loopback backend that records every request and answers what the test's
 * route says (by default a JSON echo of what it saw), and configs with one `GET /test` endpoint
 * whose backend carries a `modifier/martian` tree. The gateway runs in process (`serve`).
 */
import type * as Http from "node:http"
import * as Backend from "../support/Backend.ts"

export { send } from "../support/Router.ts"
export { serve, withGateway } from "../semantics/Harness.ts"

/** What the echo answers: the request as the backend saw it. */
export interface Echo {
  readonly method: string
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

/** A route of the test backend: `true` when it answered. */
export type Route = (req: Http.IncomingMessage, res: Http.ServerResponse, body: Buffer) => boolean

/** Starts a backend: the routes first, else a JSON echo of the request. */
export const backend = (...routes: ReadonlyArray<Route>): Promise<Backend.Backend> =>
  Backend.start((req, res, body) => {
    for (const route of routes) if (route(req, res, body)) return
    const echo: Echo = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: body.toString("utf8") }
    Backend.json(res, 200, echo)
  })

/** Options of the test endpoint. */
export interface Options {
  readonly noop?: boolean
  readonly path?: string
  readonly method?: string
  readonly urlPattern?: string
  readonly backend?: Record<string, unknown>
  readonly endpoint?: Record<string, unknown>
  /** Root keys (e.g. `extra_config`). */
  readonly service?: Record<string, unknown>
}

/** A config: `GET /test` (every header and query param forwarded) → one backend with `martian`. */
export const config = (host: string, martian: unknown, options: Options = {}): Record<string, unknown> => ({
  version: 3,
  timeout: "2s",
  ...options.service,
  endpoints: [{
    endpoint: options.path ?? "/test",
    method: options.method ?? "GET",
    input_headers: ["*"],
    input_query_strings: ["*"],
    ...(options.noop === true ? { output_encoding: "no-op" } : {}),
    ...options.endpoint,
    backend: [{
      host: [host],
      url_pattern: options.urlPattern ?? "/echo",
      ...options.backend,
      extra_config: { ...(martian === undefined ? {} : { "modifier/martian": martian }), ...(options.backend?.["extra_config"] as object | undefined) }
    }]
  }]
})

/** Root keys that put failure messages in the answer body (`router.return_error_msg`). */
export const errorMessages = { extra_config: { router: { return_error_msg: true } } }

/** The last request the backend saw. */
export const last = (b: Backend.Backend): Backend.RecordedRequest => {
  const r = b.requests.at(-1)
  if (r === undefined) throw new Error("the backend saw no request")
  return r
}
