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
 * column; expressions on `JWT` claims (KrakenD's JWT rejecter) are not implemented yet and stop
 * the start too (fail closed).
 *
 * @since 0.2.0
 */
import { Environment } from "@marcbachmann/cel-js"
import * as Effect from "effect/Effect"
import type { Middleware, ProxyRequest, ProxyResponse } from "../proxy/Proxy.ts"
import { ModifierError } from "../proxy/ProxyError.ts"

/** One `validation/cel` entry. */
export interface CelCheck {
  readonly check_expr: string
}

/** KrakenD's declarations (krakend-cel `defaultDeclarations`): every variable, in every stage. */
const environment = new Environment({ homogeneousAggregateLiterals: false })
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

/** The start errors of a `validation/cel` list (an empty list when every expression compiles). */
export const issues = (checks: ReadonlyArray<CelCheck>, path: string): ReadonlyArray<{ readonly path: string; readonly message: string }> =>
  checks.flatMap((check, i) => {
    const at = `${path}[${i}].check_expr`
    const expr = check.check_expr
    if (expr.includes("JWT")) {
      return [{ path: at, message: "CEL expressions on JWT claims (KrakenD's JWT rejecter) are not implemented by Sluice yet: the endpoint would be served without the check" }]
    }
    if (!expr.includes("req") && !expr.includes("resp")) {
      return [{ path: at, message: "the expression mentions none of req, resp and JWT: KrakenD never evaluates it" }]
    }
    try {
      environment.parse(expr)
    } catch (error) {
      return [{ path: at, message: `CEL parse error: ${describe(error as ErrorWithRange)}` }]
    }
    const checked = environment.check(expr)
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
    const out: Record<string, unknown> = {}
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

const requestContext = (req: ProxyRequest, time: string): Record<string, unknown> => ({
  req_method: req.method,
  req_path: req.path,
  req_params: req.params,
  req_headers: req.headers,
  req_querystring: queryMap(req.query),
  now: time
})

const responseContext = (res: ProxyResponse, time: string): Record<string, unknown> => ({
  resp_completed: res.isComplete,
  resp_metadata_status: BigInt(res.metadata.status),
  resp_metadata_headers: res.metadata.headers,
  resp_data: celData(res.data),
  now: time
})

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
 * The CEL stage of a `validation/cel` list (`undefined` without one). The list was checked by
 * the config decoder (`issues`).
 */
export const make = (checks: ReadonlyArray<CelCheck> | undefined): Middleware | undefined => {
  if (checks === undefined || checks.length === 0) return undefined
  const compile = (key: string): ReadonlyArray<Evaluate> =>
    checks.filter((c) => c.check_expr.includes(key)).map((c) => environment.parse(c.check_expr) as Evaluate)
  const pre = compile("req")
  const post = compile("resp")
  return (next) => (req) => {
    // `now` once per call, shared by both stages (krakend-cel)
    const time = now()
    if (pre.length > 0) {
      const refused = firstRefusal(pre, requestContext(req, time))
      if (refused !== -1) return aborted(refused)
    }
    if (post.length === 0) return next(req)
    return Effect.flatMap(next(req), (res) => {
      const refused = firstRefusal(post, responseContext(res, time))
      return refused === -1 ? Effect.succeed(res) : aborted(refused)
    })
  }
}
