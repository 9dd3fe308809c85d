/**
 * Sluice's own request path for the common request: HTTP/1.1, an origin-form target, no body.
 * Such a request gets a lean request object (`BodilessRequest.ts`) and a response writer with the
 * platform's semantics (`ResponseWriter.ts`). Every other request — one with a body (its teardown,
 * `100-continue`), an absolute-form target, HTTP/2 and h2c, upgrades — goes to
 * `@effect/platform-node`'s handler as before. The listener, its limits and its graceful shutdown
 * stay the platform's.
 *
 * @since 0.4.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as HttpEffect from "effect/http/HttpEffect"
import type * as HttpMiddleware from "effect/http/HttpMiddleware"
import * as HttpServer from "effect/http/HttpServer"
import { ClientAbort } from "effect/http/HttpServerError"
import * as Request from "effect/http/HttpServerRequest"
import type * as Response from "effect/http/HttpServerResponse"
import * as Scope from "effect/Scope"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import type { Http2SecureServer } from "node:http2"
import { Bodiless } from "./BodilessRequest.ts"
import { handleResponse } from "./ResponseWriter.ts"

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void

/** `true` for a request this path serves: HTTP/1.x, an origin-form target, no body. */
export const eligible = (req: IncomingMessage): boolean => {
  if (req.httpVersionMajor !== 1 || req.url === undefined || req.url.charCodeAt(0) !== 0x2f) return false
  const headers = req.headers
  const length = headers["content-length"]
  return (length === undefined || length === "0") && headers["transfer-encoding"] === undefined
}


/**
 * The `request` handler of this path over `app`, its fibers in a scope forked from the serving
 * one (interrupted when serving stops), a fiber interrupted when its client leaves first.
 */
const makeHandler = (
  app: Effect.Effect<Response.HttpServerResponse, unknown, Request.HttpServerRequest | Scope.Scope>,
  middleware: HttpMiddleware.HttpMiddleware | undefined,
  scope: Scope.Scope
): Effect.Effect<(req: IncomingMessage, res: ServerResponse) => void> =>
  Effect.withFiber((parent) => {
    const services = parent.context
    const handled = HttpEffect.toHandled(app, handleResponse, middleware) as Effect.Effect<void, never, never>
    // Node's request listener: each request runs as its own fiber, as in the platform's handler
    return Effect.succeed((req: IncomingMessage, res: ServerResponse) => {
      const fiber = Fiber.runIn(Effect.runForkWith(Context.add(services, Request.HttpServerRequest, new Bodiless(req, res)))(handled), scope)
      if (fiber.pollUnsafe() === undefined) {
        res.on("close", () => {
          if (!res.writableEnded) fiber.interruptUnsafe(parent.id, ClientAbort.annotation)
        })
      }
    })
  })

/**
 * The platform's server over `evaluate()`'s Node server, with this path in front of its request
 * handler: bodiless HTTP/1.1 requests are served here, the rest by the platform.
 */
export const make = (
  evaluate: () => Server | Http2SecureServer,
  options: Parameters<typeof NodeHttpServer.make>[1]
) =>
  Effect.gen(function*() {
    // both kinds have the members used here; their listener types differ
    const server = evaluate() as Server
    const platform = yield* NodeHttpServer.make(() => server, options)
    return HttpServer.make({
      address: platform.address,
      serve: (app, middleware) =>
        Effect.gen(function*() {
          const serving = yield* Effect.scope
          // Both added before the platform adds its finalizer (the drain: in-flight requests finish),
          // so that they run after it, as the platform's own: the dispatch leaves the server, then
          // this path's request fibers are interrupted. The fibers' scope holds nothing else: a
          // scope whose finalizers never run out keeps one finalizer map for good, and under load
          // that map, in the old generation, made the scavenger promote every request's objects
          // (the 1 MiB route: 400 MB promoted in 48 s instead of 30 MB, RSS 1.25x).
          const scope = Scope.forkUnsafe(serving, "parallel")
          let dispatch: NodeHandler | undefined
          yield* Scope.addFinalizer(serving, Effect.sync(() => dispatch !== undefined && server.removeListener("request", dispatch)))
          const before = new Set(server.listeners("request"))
          yield* (middleware === undefined ? platform.serve(app) : platform.serve(app, middleware as never))
          const theirs = server.listeners("request").find((l) => !before.has(l)) as NodeHandler | undefined
          if (theirs === undefined) return
          const ours = yield* makeHandler(app, middleware, scope)
          // in the platform's place (last, after the server's own listener)
          dispatch = (req, res) => (eligible(req) ? ours(req, res) : theirs(req, res))
          server.removeListener("request", theirs)
          server.on("request", dispatch)
        })
    })
  })
