/**
 * Status handling (Lura's `transport/http/client/status.go`). For decoded encodings only 200 and
 * 201 are success; anything else is `BackendError("Status")` carrying the status, the body and
 * the content type (`exposeStatus` from `backend/http.return_error_code`). With
 * `backend/http.return_error_details: "<alias>"` the failure becomes data instead:
 * `{ "error_<alias>": { http_status_code, http_body, http_body_encoding } }`, incomplete, with the
 * backend status in the metadata (details wins when both flags are set). `no-op`: no check.
 * With the gateway status policy (`sluice/errors.status_policy: "gateway"`) any 2xx is success,
 * and a 2xx with an empty body (204) is an empty answer instead of a decode error.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { BackendConfig, StatusPolicy } from "../config/Model.ts"
import type { RawResponse } from "./Executor.ts"
import * as Proxy from "./Proxy.ts"
import { BackendError } from "./ProxyError.ts"
import * as BackendName from "./BackendName.ts"
import * as NullRecord from "../NullRecord.ts"

/** Turns a raw response into a `ProxyResponse` (the decoder and the formatter). */
export type Parser = (raw: RawResponse) => Effect.Effect<Proxy.ProxyResponse, BackendError>

const text = (body: Uint8Array | undefined): string =>
  body === undefined ? "" : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8")

const contentType = (raw: RawResponse): string => {
  const v = raw.headers["content-type"]
  return (Array.isArray(v) ? v[0] : v) ?? ""
}

/** Wraps the parser of one backend with its status check. */
export const make = (backend: BackendConfig, policy: StatusPolicy = "krakend"): (parser: Parser) => Parser => {
  if (backend.encoding === "no-op") return (parser) => parser
  if (policy === "gateway") return gateway(backend)
  const name = BackendName.of(backend)
  // lura's `errPrefix`: `[<method> <url_pattern>]:`
  const prefix = `[${backend.method} ${backend.url_pattern}]:`
  const options = backend.extra_config["backend/http"]
  const details = options?.return_error_details
  const exposeStatus = options?.return_error_code ?? false
  if (details !== undefined) {
    const key = `error_${details}`
    return (parser) => (raw) => {
      if (raw.status === 200 || raw.status === 201) return parser(raw)
      const data: Record<string, unknown> = NullRecord.make()
      data[key] = { http_status_code: raw.status, http_body: text(raw.body), http_body_encoding: contentType(raw) }
      return Effect.succeed(Proxy.response(data, false, { status: raw.status, headers: Proxy.emptyHeaders }))
    }
  }
  return (parser) => (raw) =>
    raw.status === 200 || raw.status === 201
      ? parser(raw)
      : Effect.fail(
        new BackendError({
          reason: "Status",
          backend: name,
          message: `invalid status code ${raw.status} ${prefix} ${safeUrl(raw.url)}`,
          status: raw.status,
          body: text(raw.body),
          contentType: contentType(raw),
          exposeStatus
        })
      )
}

/** A URL as an error may show it: without userinfo (credentials never reach an answer or a log). */
export const safeUrl = (url: string | undefined): string => {
  if (url === undefined) return ""
  if (!url.includes("@")) return url
  try {
    const u = new URL(url)
    u.username = ""
    u.password = ""
    return u.href
  } catch {
    return ""
  }
}

const isSuccess2xx = (status: number): boolean => status >= 200 && status < 300

/** The gateway policy: any 2xx is success; the rest as KrakenD's check (details still apply). */
const gateway = (backend: BackendConfig): (parser: Parser) => Parser => {
  const strict = make(backend, "krakend")
  return (parser) => {
    const checked = strict(parser)
    return (raw) => {
      if (raw.status === 200 || raw.status === 201 || !isSuccess2xx(raw.status)) return checked(raw)
      if (raw.body === undefined || raw.body.byteLength === 0) {
        return Effect.succeed(Proxy.response(NullRecord.make(), true, { status: raw.status, headers: Proxy.emptyHeaders }))
      }
      return parser(raw)
    }
  }
}
