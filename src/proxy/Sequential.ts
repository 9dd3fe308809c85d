/**
 * The sequential proxy (Lura's sequential merge, `proxy.sequential: true`): the backends run one
 * after the other under one deadline of 85 % of the endpoint timeout. Before backend i runs, the
 * values it refers to from earlier backends become params: `{respJ_a.b}` placeholders of its
 * `url_pattern` and the `sequential_propagated_params` (`respJ_a.b`, or the bare `respJ`: the
 * whole raw body of a `no-op` backend J). Values are read from backend J's **formatted** data,
 * walking objects only, and stringified like KrakenD (`stringify`); a missing key leaves the
 * param unset, so the placeholder stays in the URL as written.
 *
 * Control flow: the first backend fails → its error itself, unwrapped like Lura (so a
 * `return_error_code` status reaches the client); a later one fails → the data merged so
 * far, incomplete; an incomplete answer (error details) also stops the chain.
 *
 * Beyond KrakenD: `sluice/backend.body_from: "respJ"` or `"respJ_a.b"` sends that value as the
 * backend's body (a string as text, anything else as JSON, the bare `respJ` of a `no-op`
 * backend as its raw bytes); when the value is missing the backend gets no body.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import type { Readable } from "node:stream"
import type { BackendConfig, EndpointConfig } from "../config/Model.ts"
import * as Json from "../encoding/Json.ts"
import * as BodyStream from "./BodyStream.ts"
import * as Combiner from "./Combiner.ts"
import * as Merge from "./Merge.ts"
import type * as Proxy from "./Proxy.ts"
import type { ProxyError } from "./ProxyError.ts"

/** Share of the endpoint timeout the whole chain may use. */
export const BUDGET = 0.85

/** A reference to an earlier backend's value. */
export interface Reference {
  /** The param key (`Resp0_a.b`, `Resp0`). */
  readonly key: string
  readonly index: number
  /** Object path in the formatted data; `undefined` for the bare `respJ`. */
  readonly path: ReadonlyArray<string> | undefined
}

const REFERENCE = /^resp(\d+)(?:_(.+))?$/
const PLACEHOLDER = /\{([^{}]+)\}/g

/** Parses `resp0_a.b` / `resp0`; `undefined` when it is not a reference. */
export const reference = (name: string): Reference | undefined => {
  const m = REFERENCE.exec(name)
  if (m === null) return undefined
  return { key: "R" + name.slice(1), index: Number(m[1]), path: m[2] === undefined ? undefined : m[2].split(".") }
}

const goValue = (v: unknown): string => {
  if (v === null || v === undefined) return "<nil>"
  if (typeof v === "string") return v
  if (typeof v === "number" || typeof v === "boolean") return String(v)
  if (Json.isRaw(v)) return v.rawJSON
  if (Array.isArray(v)) return `[${v.map(goValue).join(" ")}]`
  if (typeof v === "object") {
    const o = v as Record<string, unknown>
    return `map[${Object.keys(o).sort().map((k) => `${k}:${goValue(o[k])}`).join(" ")}]`
  }
  return String(v)
}

/**
 * KrakenD's stringification of a param value: arrays comma-joined, strings as is, numbers as
 * their text (a raw JSON number its exact source text), booleans `true`/`false`, null `<nil>`, objects like Go's `%v` (`map[a:1]`).
 */
export const stringify = (v: unknown): string => (Array.isArray(v) ? v.map(goValue).join(",") : goValue(v))

/** The value at an object path (no array traversal); `undefined` when missing. */
export const walk = (data: Readonly<Record<string, unknown>>, path: ReadonlyArray<string>): unknown => {
  let cur: unknown = data
  for (const k of path) {
    if (!Json.isObject(cur) || !Object.hasOwn(cur, k)) return undefined
    cur = (cur as Record<string, unknown>)[k]
  }
  return cur
}

const readAll = (io: Readable): Effect.Effect<Uint8Array> => {
  const whole = BodyStream.bytesOf(io)
  return whole !== undefined ? Effect.succeed(whole) : Effect.callback<Uint8Array>((resume) => {
    const chunks: Array<Buffer> = []
    io.on("data", (c: Buffer) => chunks.push(c))
    io.once("end", () => resume(Effect.succeed(Buffer.concat(chunks))))
    io.once("error", () => resume(Effect.succeed(Buffer.concat(chunks))))
    return Effect.sync(() => io.destroy())
  })
}

interface Step {
  readonly refs: ReadonlyArray<Reference>
  readonly body: Reference | undefined
}

const placeholders = (pattern: string): ReadonlyArray<string> => [...pattern.matchAll(PLACEHOLDER)].map((m) => m[1]!)

/** What each backend takes from the earlier ones, resolved once. */
const plan = (backends: ReadonlyArray<BackendConfig>, propagated: ReadonlyArray<string>): ReadonlyArray<Step> =>
  backends.map((b, i) => {
    const names = [...placeholders(b.url_pattern), ...propagated]
    const refs = names.flatMap((n) => {
      const r = reference(n)
      return r !== undefined && r.index < i ? [r] : []
    })
    const bodyFrom = b.extra_config["sluice/backend"]?.body_from
    const body = bodyFrom === undefined ? undefined : reference(bodyFrom)
    return { refs, body: body !== undefined && body.index < i ? body : undefined }
  })

const JSON_TYPE = ["application/json"]
const TEXT_TYPE = ["text/plain; charset=utf-8"]

/** The sequential proxy over the backend stacks of an endpoint. */
export const make = (endpoint: EndpointConfig, parts: ReadonlyArray<Proxy.Proxy>): Proxy.Proxy => {
  const budget = BUDGET * Duration.toMillis(endpoint.timeout)
  const combiner = Combiner.make(endpoint.extra_config.proxy?.combiner)
  const steps = plan(endpoint.backend, endpoint.extra_config.proxy?.sequential_propagated_params ?? [])
  const needsRaw = endpoint.backend.map((b, j) =>
    b.encoding === "no-op" && steps.some((s) => s.refs.some((r) => r.index === j && r.path === undefined) || (s.body?.index === j && s.body.path === undefined))
  )
  return (req) =>
    Effect.suspend(() => {
      const deadline = Math.min(req.deadline, Date.now() + budget)
      const data: Array<Proxy.ProxyResponse> = []
      const raw: Array<Uint8Array | undefined> = []
      const results: Array<Result.Result<Proxy.ProxyResponse, ProxyError>> = []
      const value = (r: Reference): unknown => {
        if (r.path === undefined) return raw[r.index] ?? undefined
        const res = data[r.index]
        return res === undefined ? undefined : walk(res.data, r.path)
      }
      const request = (i: number): Proxy.ProxyRequest => {
        const step = steps[i]!
        if (i === 0 || (step.refs.length === 0 && step.body === undefined)) return { ...req, deadline }
        const params: Record<string, string> = { ...req.params }
        for (const r of step.refs) {
          const v = value(r)
          if (v === undefined) continue
          params[r.key] = v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : stringify(v)
        }
        if (step.body === undefined) return { ...req, params, deadline }
        const b = step.body
        const v = b.path === undefined && raw[b.index] === undefined && data[b.index] !== undefined ? data[b.index]!.data : value(b)
        if (v === undefined) return { ...req, params, deadline, body: undefined }
        const headers = { ...req.headers }
        let body: Uint8Array
        if (v instanceof Uint8Array) {
          body = v
          headers["Content-Type"] = data[b.index]?.metadata.headers["Content-Type"] ?? TEXT_TYPE
        } else if (typeof v === "string") {
          body = Buffer.from(v, "utf8")
          headers["Content-Type"] = TEXT_TYPE
        } else {
          body = Buffer.from(JSON.stringify(v), "utf8")
          headers["Content-Type"] = JSON_TYPE
        }
        return { ...req, params, deadline, body, headers }
      }
      const done = () => Merge.combine(results, combiner)
      const step = (i: number): Effect.Effect<Proxy.ProxyResponse, ProxyError> => {
        if (i === parts.length) return done()
        return Effect.matchEffect(parts[i]!(request(i)), {
          onFailure: (e) => {
            if (i === 0) return Effect.fail(e)
            results.push(Result.fail(e))
            return done()
          },
          onSuccess: (res) => {
            const next = (r: Proxy.ProxyResponse) => {
              data[i] = r
              results.push(Result.succeed(r))
              return r.isComplete ? step(i + 1) : done()
            }
            if (needsRaw[i] && res.io !== undefined) {
              return Effect.flatMap(readAll(res.io), (bytes) => {
                raw[i] = bytes
                return next({ ...res, io: undefined })
              })
            }
            if (res.io !== undefined && parts.length > 1) res.io.destroy()
            return next(res.io === undefined ? res : { ...res, io: undefined })
          }
        })
      }
      return step(0)
    })
}
