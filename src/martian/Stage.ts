/**
 * `modifier/martian` around a backend's executor (krakend-martian's `HTTPRequestExecutor`): the
 * request modifiers run on the backend request as the pipe built it (URL from the host and
 * `url_pattern`, headers and query already filtered by `input_headers` / `input_query_strings`),
 * then the call (skipped by `static.Modifier`), then the response modifiers on the raw answer,
 * **before** status handling and decoding: a `body.Modifier` body is what the decoder reads, a
 * `status.Modifier` status is what the status check sees, and response header and cookie changes
 * reach the client only with `no-op`. A failure on either side is the backend's failure
 * (`BackendError("Modifier")`, naming the modifier's JSON path).
 *
 * The tree is compiled into closures once, when the pipe is built; a backend without martian
 * keeps its executor as it is (no wrapper, no per-request check).
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import type { BackendConfig } from "../config/Model.ts"
import * as BackendName from "../proxy/BackendName.ts"
import type { Executor, RawResponse } from "../proxy/Executor.ts"
import { BackendError } from "../proxy/ProxyError.ts"
import * as Filters from "./Filters.ts"
import * as Message from "./Message.ts"
import * as Modifiers from "./Modifiers.ts"
import * as Static from "./Static.ts"
import * as Step from "./Step.ts"
import type * as Tree from "./Tree.ts"

/** Keeps the directions the node registers for, its failures named by its path. */
const scoped = (node: Tree.Node, built: Step.Built): Step.Built => ({
  request: node.request && built.request !== undefined ? Step.named(node.at, built.request) : undefined,
  response: node.response && built.response !== undefined ? Step.named(node.at, built.response) : undefined
})

/** Keeps the directions a filter or group registers for (its children name their own failures). */
const directed = (node: Tree.Node, built: Step.Built): Step.Built => ({
  request: node.request ? built.request : undefined,
  response: node.response ? built.response : undefined
})

const group = (children: ReadonlyArray<Step.Built>, aggregate: boolean): Step.Built => ({
  request: Step.requests(children.flatMap((c) => (c.request === undefined ? [] : [c.request])), aggregate),
  response: Step.responses(children.flatMap((c) => (c.response === undefined ? [] : [c.response])), aggregate)
})

/** Compiles a node (and its children) into its request and response functions. */
export const compile = (node: Tree.Node): Step.Built => {
  const orNone = (n: Tree.Node | undefined) => (n === undefined ? Step.none : compile(n))
  switch (node.type) {
    case "header.Modifier":
      return scoped(node, Modifiers.header(node))
    case "header.Append":
      return scoped(node, Modifiers.append(node))
    case "header.Blacklist":
      return scoped(node, Modifiers.blacklist(node))
    case "header.Copy":
      return scoped(node, Modifiers.copy(node))
    case "header.Id":
      return scoped(node, Modifiers.id(node))
    case "querystring.Modifier":
      return scoped(node, Modifiers.query(node))
    case "body.Modifier":
      return scoped(node, Modifiers.body(node))
    case "cookie.Modifier":
      return scoped(node, Modifiers.cookie(node))
    case "url.Modifier":
      return scoped(node, Modifiers.url(node))
    case "port.Modifier":
      return scoped(node, Modifiers.port(node))
    case "stash.Modifier":
      return scoped(node, Modifiers.stash(node))
    case "status.Modifier":
      return scoped(node, Modifiers.status(node))
    case "static.Modifier":
      return scoped(node, Static.make(node))
    case "verifier":
      return Step.none
    case "header.Filter":
      return directed(node, Filters.header(node, compile(node.modifier), orNone(node.else)))
    case "header.RegexFilter":
      return directed(node, Filters.headerRegex(node, compile(node.modifier)))
    case "querystring.Filter":
      return directed(node, Filters.query(node, compile(node.modifier), orNone(node.else)))
    case "url.Filter":
      return directed(node, Filters.url(node, compile(node.modifier), orNone(node.else)))
    case "url.RegexFilter":
      return directed(node, Filters.urlRegex(node, compile(node.modifier), orNone(node.else)))
    case "cookie.Filter":
      return directed(node, Filters.cookie(node, compile(node.modifier), orNone(node.else)))
    case "port.Filter":
      return directed(node, Filters.port(node, compile(node.modifier)))
    case "fifo.Group":
      return directed(node, group(node.modifiers.map(compile), node.aggregateErrors))
    case "priority.Group":
      return directed(node, group(node.modifiers.map(compile), false))
  }
}

/** Wraps executors with a compiled tree. */
export type Wrap = (executor: Executor) => Executor

const identity: Wrap = (executor) => executor

/** The martian wrapper of one backend's executor; the identity without `modifier/martian`. */
export const make = (backend: BackendConfig): Wrap => {
  const node = backend.extra_config["modifier/martian"]
  if (node === undefined) return identity
  const { request, response } = compile(node)
  if (request === undefined && response === undefined) return identity
  const name = BackendName.of(backend)
  const buffered = backend.encoding !== "no-op"
  const fail = (message: string) =>
    Effect.fail(new BackendError({ reason: "Modifier", backend: name, message: `martian: ${message}` }))
  const answer = (res: Message.Res, raw: RawResponse, failure: Message.Failure | undefined): Effect.Effect<RawResponse, BackendError> => {
    if (failure === undefined) return Effect.succeed(Message.toRaw(res, raw))
    Message.discard(res)
    return fail(failure)
  }
  return (executor) => (req) =>
    Effect.suspend(() => {
      const view = Message.request(req)
      if (view === undefined) return executor(req) // no URL: the executor reports it
      const failure = request?.(view)
      if (failure !== undefined) return fail(failure)
      const sent = Message.toProxyRequest(view, req)
      if (typeof sent === "string") return fail(sent)
      const call = view.skip ? Effect.succeed(Message.synthetic(view, buffered)) : executor(sent)
      if (response === undefined) return call
      return Effect.flatMap(call, (raw) => {
        const res = Message.response(raw, view, buffered)
        const out = response(res)
        if (out === undefined || typeof out === "string") return answer(res, raw, out)
        return Effect.callback<RawResponse, BackendError>((resume) => {
          out.then((f) => resume(answer(res, raw, f)), (e: unknown) => resume(answer(res, raw, String(e))))
          return Effect.sync(() => Message.discard(res))
        })
      })
    })
}
