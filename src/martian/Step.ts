/**
 * What a compiled martian node is: a request function and a response function (martian's
 * `RequestModifier` and `ResponseModifier`), either absent when the node does not register for
 * that direction. Both change the message in place and return `undefined`, or the failure's
 * message. Request functions are synchronous; a response function may return a promise (only
 * `static.Modifier` reads a file).
 *
 * @since 0.2.0
 */
import type { Failure, Req, Res } from "./Message.ts"

/** What a response function returns. */
export type Outcome = Failure | undefined | Promise<Failure | undefined>

/** A request modifier. */
export type RequestFn = (req: Req) => Failure | undefined

/** A response modifier. */
export type ResponseFn = (res: Res) => Outcome

/** A compiled node. */
export interface Built {
  readonly request: RequestFn | undefined
  readonly response: ResponseFn | undefined
}

/** A node that registers for nothing. */
export const none: Built = { request: undefined, response: undefined }

/** Martian's `MultiError` text: the messages one per line. */
const joined = (errors: ReadonlyArray<Failure>): Failure | undefined => (errors.length === 0 ? undefined : errors.join("\n"))

/**
 * Runs request functions in order: stops at the first failure, or (`aggregate`) runs them all
 * and joins the failures (`fifo.Group.aggregateErrors`).
 */
export const requests = (fns: ReadonlyArray<RequestFn>, aggregate: boolean): RequestFn | undefined => {
  if (fns.length === 0) return undefined
  if (fns.length === 1) return fns[0]
  if (!aggregate) {
    return (req) => {
      for (const fn of fns) {
        const failure = fn(req)
        if (failure !== undefined) return failure
      }
      return undefined
    }
  }
  return (req) => {
    const errors: Array<Failure> = []
    for (const fn of fns) {
      const failure = fn(req)
      if (failure !== undefined) errors.push(failure)
    }
    return joined(errors)
  }
}

const runFrom = (fns: ReadonlyArray<ResponseFn>, start: number, res: Res, errors: Array<Failure> | undefined): Outcome => {
  for (let i = start; i < fns.length; i++) {
    const out = fns[i]!(res)
    if (out === undefined) continue
    if (typeof out === "string") {
      if (errors === undefined) return out
      errors.push(out)
      continue
    }
    return out.then((failure) => {
      if (failure !== undefined) {
        if (errors === undefined) return failure
        errors.push(failure)
      }
      return runFrom(fns, i + 1, res, errors)
    })
  }
  return errors === undefined ? undefined : joined(errors)
}

/** Runs response functions in order, like `requests`, waiting for any that returns a promise. */
export const responses = (fns: ReadonlyArray<ResponseFn>, aggregate: boolean): ResponseFn | undefined => {
  if (fns.length === 0) return undefined
  if (fns.length === 1) return fns[0]
  return (res) => runFrom(fns, 0, res, aggregate ? [] : undefined)
}

/** A filter: `then` when `test` holds, else `otherwise`; a string from `test` is the failure. */
export const branch = <M, O extends Outcome>(
  test: (m: M) => boolean | Failure,
  then: ((m: M) => O) | undefined,
  otherwise: ((m: M) => O) | undefined
): ((m: M) => O | Failure | undefined) | undefined => {
  if (then === undefined && otherwise === undefined) return undefined
  return (m) => {
    const t = test(m)
    if (typeof t === "string") return t
    return t ? then?.(m) : otherwise?.(m)
  }
}

/** Names the node of a failure: `<path>: <message>`. */
export const named = <M, O extends Outcome>(path: string, fn: (m: M) => O): ((m: M) => O) => (m) => {
  const out = fn(m)
  if (out === undefined) return out
  if (typeof out === "string") return `${path}: ${out}` as O
  return (out as Promise<Failure | undefined>).then((f) => (f === undefined ? f : `${path}: ${f}`)) as O
}
