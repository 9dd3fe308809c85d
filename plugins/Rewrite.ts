/**
 * `rewrite` (modifier): renames, sets and removes fields of the request headers, the JSON
 * request body and the response data (and response headers), and can answer or refuse on a
 * condition:
 * - `respond_if`: when the request header matches, answer `data` at once (a short-circuit; what
 *   is inside is not called);
 * - `reject_if`: when the request header matches, fail with a `ModifierError` of `status`,
 *   `message`, `content_type` and `headers`.
 * Operations run in the order rename → set → remove. Header names are case-insensitive; data
 * paths are top-level keys. A request body that is not a JSON object is left as it is.
 *
 * ```json
 * "plugin/req-resp-modifier": { "name": ["rewrite"], "rewrite": {
 *   "request": { "headers": { "set": { "X-Tenant": "acme" }, "remove": ["Cookie"] } },
 *   "response": { "data": { "rename": { "id": "user_id" }, "remove": ["password"] } },
 *   "reject_if": { "header": "X-Block", "status": 451, "message": "blocked" } } }
 * ```
 */
import { Effect, ModifierError, Plugin, Schema } from "../src/plugin/Plugin.ts"

const Ops = <S extends Schema.Top>(value: S) =>
  Schema.Struct({
    rename: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
    set: Schema.optionalKey(Schema.Record(Schema.String, value)),
    remove: Schema.optionalKey(Schema.Array(Schema.String))
  })

const Condition = {
  /** Request header to look at. */
  header: Schema.String,
  /** Value it must have; absent: the header only has to be present. */
  equals: Schema.optionalKey(Schema.String)
}

/** Settings of `rewrite`. */
export const Config = Schema.Struct({
  request: Schema.optionalKey(Schema.Struct({
    headers: Schema.optionalKey(Ops(Schema.String)),
    body: Schema.optionalKey(Ops(Schema.Unknown))
  })),
  response: Schema.optionalKey(Schema.Struct({
    data: Schema.optionalKey(Ops(Schema.Unknown)),
    headers: Schema.optionalKey(Ops(Schema.String))
  })),
  respond_if: Schema.optionalKey(Schema.Struct({
    ...Condition,
    data: Schema.Record(Schema.String, Schema.Unknown),
    status: Schema.optionalKey(Schema.Int)
  })),
  reject_if: Schema.optionalKey(Schema.Struct({
    ...Condition,
    status: Schema.Int.check(Schema.isBetween({ minimum: 400, maximum: 599 })),
    message: Schema.String,
    content_type: Schema.optionalKey(Schema.String),
    headers: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
  }))
})

type Ops<V> = { readonly rename?: Readonly<Record<string, string>>; readonly set?: Readonly<Record<string, V>>; readonly remove?: ReadonlyArray<string> }

/** `x-foo-bar` → `X-Foo-Bar`, the pipe's header spelling. */
const canonical = (name: string): string =>
  name.split("-").map((p) => p.charAt(0).toUpperCase() + p.slice(1).toLowerCase()).join("-")

const applyOps = <V>(input: Readonly<Record<string, V>>, ops: Ops<V>, key: (k: string) => string = (k) => k): Record<string, V> => {
  const out: Record<string, V> = Object.create(null)
  for (const k of Object.keys(input)) out[k] = input[k]!
  for (const [from, to] of Object.entries(ops.rename ?? {})) {
    const f = key(from)
    if (Object.hasOwn(out, f)) {
      out[key(to)] = out[f]!
      delete out[f]
    }
  }
  for (const [k, v] of Object.entries(ops.set ?? {})) out[key(k)] = v
  for (const k of ops.remove ?? []) delete out[key(k)]
  return out
}

const headerOps = (ops: Ops<string>): Ops<ReadonlyArray<string>> => {
  const out: { rename?: Record<string, string>; set?: Record<string, ReadonlyArray<string>>; remove?: ReadonlyArray<string> } = {}
  if (ops.rename !== undefined) out.rename = ops.rename
  if (ops.set !== undefined) out.set = Object.fromEntries(Object.entries(ops.set).map(([k, v]) => [k, [v]]))
  if (ops.remove !== undefined) out.remove = ops.remove
  return out
}

const matches = (req: Plugin.ProxyRequest, c: { readonly header: string; readonly equals?: string }): boolean => {
  const values = req.headers[canonical(c.header)]
  return values !== undefined && (c.equals === undefined || values.includes(c.equals))
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const rewriteBody = (body: Uint8Array | undefined, ops: Ops<unknown>): Uint8Array | undefined => {
  if (body === undefined) return body
  let parsed: unknown
  try {
    parsed = JSON.parse(decoder.decode(body))
  } catch {
    return body
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return body
  return encoder.encode(JSON.stringify({ ...applyOps(parsed as Record<string, unknown>, ops) }))
}

export default Plugin.modifier({
  name: "rewrite",
  config: Config,
  request: (req, config) => {
    const reject = config.reject_if
    if (reject !== undefined && matches(req, reject)) {
      return Effect.fail(new ModifierError({ message: reject.message, status: reject.status, contentType: reject.content_type, headers: reject.headers }))
    }
    const respond = config.respond_if
    if (respond !== undefined && matches(req, respond)) {
      return Effect.succeed(Plugin.respond(respond.data, respond.status === undefined ? {} : { status: respond.status }))
    }
    const ops = config.request
    if (ops === undefined) return Effect.succeed(req)
    return Effect.succeed({
      ...req,
      headers: ops.headers === undefined ? req.headers : applyOps(req.headers, headerOps(ops.headers), canonical),
      body: ops.body === undefined ? req.body : rewriteBody(req.body, ops.body)
    })
  },
  response: (res, _req, config) => {
    const ops = config.response
    if (ops === undefined) return Effect.succeed(res)
    return Effect.succeed({
      ...res,
      data: ops.data === undefined ? res.data : applyOps(res.data, ops.data),
      metadata: ops.headers === undefined
        ? res.metadata
        : { ...res.metadata, headers: applyOps(res.metadata.headers, headerOps(ops.headers), canonical) }
    })
  }
})
