/**
 * `validation/cel` (krakend-cel, SCRIPTING.md §5) at endpoint and backend level. Each
 * `check_expr` runs where KrakenD runs it, chosen by the same substring rule: an expression
 * containing `req` is checked before the call (`req_method`, `req_path`, `req_params`,
 * `req_headers`, `req_querystring`, `now`), one containing `resp` after it (`resp_completed`,
 * `resp_metadata_status`, `resp_metadata_headers`, `resp_data`, `now`). The first expression of
 * a stage that is false, not a boolean or fails (a variable the stage does not bind included)
 * stops the request with `request aborted by evaluator #N` (N counts within that stage): 500 at
 * endpoint level (the text only with `return_error_msg`), a failed backend at backend level (a
 * partial answer in a merge). Backend JSON numbers are CEL strings, as lura's `json.Number` makes
 * them in cel-go (`int(resp_data.count) > 3`).
 *
 * Compiled once at start with `@marcbachmann/cel-js` against KrakenD's declarations. Sluice's
 * decisions (SCRIPTING.md): a parse or type error, and an expression that mentions none of `req`,
 * `resp` and `JWT` (KrakenD would never run it), stop the start with the JSON path and the
 * column. An expression containing `JWT` runs inside `auth/validator` on a valid token's claims
 * (`jwtCheck`: false → 401, before the roles check); without a validator on its endpoint, or at a
 * backend, it would never run and stops the start.
 *
 * @since 0.2.0
 */
import type { Environment } from "@marcbachmann/cel-js"
import * as Effect from "effect/Effect"
import type { Middleware, ProxyRequest, ProxyResponse } from "../proxy/Proxy.ts"
import { ModifierError } from "../proxy/ProxyError.ts"
import * as OptionalLibrary from "../OptionalLibrary.ts"
import * as NullRecord from "../NullRecord.ts"

/** One `validation/cel` entry. */
export interface CelCheck {
  readonly check_expr: string
}

let loaded: Environment | undefined

/** KrakenD's declarations (krakend-cel `defaultDeclarations`): every variable, in every stage; made once. */
const environment = (): Environment =>
  loaded ??= new (OptionalLibrary.cel().Environment)({ homogeneousAggregateLiterals: false })
  .registerVariable("req_method", "string")
  .registerVariable("req_path", "string")
  .registerVariable("req_params", "map<string, string>")
  .registerVariable("req_headers", "map<string, list<string>>")
  .registerVariable("req_querystring", "map<string, list<string>>")
  .registerVariable("resp_completed", "bool")
  .registerVariable("resp_metadata_status", "int")
  .registerVariable("resp_metadata_headers", "map<string, list<string>>")
  .registerVariable("resp_data", "map<string, dyn>")
  .registerVariable("now", "string")
  .registerVariable("JWT", "map<string, dyn>")

type Evaluate = (context: Record<string, unknown>) => unknown

interface ErrorWithRange {
  readonly message: string
  readonly range?: { readonly start: number } | undefined
}

const describe = (error: ErrorWithRange): string =>
  `${error.message.split("\n")[0]}${error.range === undefined ? "" : ` (column ${error.range.start + 1})`}`

/** Where a `validation/cel` list is: the level, and whether its endpoint validates tokens. */
export interface Place {
  readonly level: "endpoint" | "backend"
  readonly validator: boolean
}

/** The start errors of a `validation/cel` list (an empty list when every expression compiles). */
export const issues = (
  checks: ReadonlyArray<CelCheck>,
  path: string,
  place: Place
): ReadonlyArray<{ readonly path: string; readonly message: string }> =>
  checks.flatMap((check, i) => {
    const at = `${path}[${i}].check_expr`
    const expr = check.check_expr
    if (expr.includes("JWT") && place.level === "backend") {
      return [{ path: at, message: "JWT claims are checked at endpoint level only (KrakenD never runs this at a backend): move it to the endpoint" }]
    }
    if (expr.includes("JWT") && !place.validator) {
      return [{ path: at, message: "a check on JWT claims needs an auth/validator on this endpoint (KrakenD runs it inside the validator): without one it would never run" }]
    }
    if (!expr.includes("req") && !expr.includes("resp") && !expr.includes("JWT")) {
      return [{ path: at, message: "the expression mentions none of req, resp and JWT: KrakenD never evaluates it" }]
    }
    try {
      environment().parse(expr)
    } catch (error) {
      return [{ path: at, message: `CEL parse error: ${describe(error as ErrorWithRange)}` }]
    }
    const checked = environment().check(expr)
    return checked.valid || checked.error === undefined ? [] : [{ path: at, message: `CEL type error: ${describe(checked.error)}` }]
  })

const two = (n: number): string => (n < 10 ? `0${n}` : String(n))

/** `time.Now()` in Go's `2006-01-02T15:04:05.999Z07:00` (local offset, `Z` in UTC). */
export const now = (date = new Date()): string => {
  const ms = date.getMilliseconds()
  const fraction = ms === 0 ? "" : `.${String(ms).padStart(3, "0").replace(/0+$/, "")}`
  const offset = -date.getTimezoneOffset()
  const zone = offset === 0 ? "Z" : `${offset > 0 ? "+" : "-"}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}T${two(date.getHours())}:${two(date.getMinutes())}:${
    two(date.getSeconds())
  }${fraction}${zone}`
}

/** Backend JSON as cel-go sees lura's `json.Number`s: numbers as strings, the rest as it is. */
export const celData = (value: unknown): unknown => {
  if (typeof value === "number") return String(value)
  if (Array.isArray(value)) return value.map(celData)
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = NullRecord.make() // a `__proto__` key stays a key
    for (const key in value) out[key] = celData((value as Record<string, unknown>)[key])
    return out
  }
  return value
}

const queryMap = (query: ProxyRequest["query"]): Record<string, Array<string>> => {
  const out: Record<string, Array<string>> = {}
  for (const [name, value] of query) (out[name] ??= []).push(value)
  return out
}

/** What the expressions of a stage read, decided once from their text: only that is built per call. */
interface Uses {
  readonly query: boolean
  readonly data: boolean
  readonly now: boolean
}

const usesOf = (exprs: ReadonlyArray<string>): Uses => ({
  query: exprs.some((e) => e.includes("req_querystring")),
  data: exprs.some((e) => e.includes("resp_data")),
  now: exprs.some((e) => e.includes("now"))
})

const requestContext = (req: ProxyRequest, time: string | undefined, uses: Uses): Record<string, unknown> => {
  const context: Record<string, unknown> = { req_method: req.method, req_path: req.path, req_params: req.params, req_headers: req.headers }
  if (uses.query) context["req_querystring"] = queryMap(req.query)
  if (time !== undefined) context["now"] = time
  return context
}

const noMetadata = { status: 0n, headers: {} }

const responseContext = (res: ProxyResponse, time: string | undefined, uses: Uses, noop: boolean): Record<string, unknown> => {
  const context: Record<string, unknown> = {
    resp_completed: res.isComplete,
    // KrakenD fills the metadata for `no-op` answers only
    resp_metadata_status: noop ? BigInt(res.metadata.status) : noMetadata.status,
    resp_metadata_headers: noop ? res.metadata.headers : noMetadata.headers
  }
  if (uses.data) context["resp_data"] = celData(res.data)
  if (time !== undefined) context["now"] = time
  return context
}

/** The index of the first expression that does not answer `true`, or -1. */
const firstRefusal = (stage: ReadonlyArray<Evaluate>, context: Record<string, unknown>): number => {
  for (let i = 0; i < stage.length; i++) {
    try {
      if (stage[i]!(context) !== true) return i
    } catch {
      return i
    }
  }
  return -1
}

const aborted = (n: number) => Effect.fail(new ModifierError({ message: `request aborted by evaluator #${n}`, status: 500 }))

/**
 * KrakenD's JWT rejecter: the expressions of an endpoint's list that contain `JWT`, run by
 * `auth/validator` on the claims of a valid token before its roles check (`undefined` without
 * any). `false` → the validator answers 401.
 */
export const jwtCheck = (checks: ReadonlyArray<CelCheck> | undefined): ((claims: Readonly<Record<string, unknown>>) => boolean) | undefined => {
  const stage = (checks ?? []).filter((c) => c.check_expr.includes("JWT")).map((c) => environment().parse(c.check_expr) as Evaluate)
  if (stage.length === 0) return undefined
  return (claims) => firstRefusal(stage, { JWT: claims, now: now() }) === -1
}

/**
 * The CEL stage of a `validation/cel` list (`undefined` without one). The list was checked by
 * the config decoder (`issues`).
 */
export const make = (checks: ReadonlyArray<CelCheck> | undefined, noop: boolean): Middleware | undefined => {
  if (checks === undefined || checks.length === 0) return undefined
  const exprs = (key: string) => checks.map((c) => c.check_expr).filter((e) => e.includes(key))
  const requestExprs = exprs("req")
  const responseExprs = exprs("resp")
  if (requestExprs.length === 0 && responseExprs.length === 0) return undefined // only JWT checks: the validator runs them
  const pre = requestExprs.map((e) => environment().parse(e) as Evaluate)
  const post = responseExprs.map((e) => environment().parse(e) as Evaluate)
  const preUses = usesOf(requestExprs)
  const postUses = usesOf(responseExprs)
  const withNow = preUses.now || postUses.now
  return (next) => (req) => {
    // `now` once per call, shared by both stages (krakend-cel); unused variables are not built
    const time = withNow ? now() : undefined
    if (pre.length > 0) {
      const refused = firstRefusal(pre, requestContext(req, time, preUses))
      if (refused !== -1) return aborted(refused)
    }
    if (post.length === 0) return next(req)
    return Effect.flatMap(next(req), (res) => {
      const refused = firstRefusal(post, responseContext(res, time, postUses, noop))
      return refused === -1 ? Effect.succeed(res) : aborted(refused)
    })
  }
}
