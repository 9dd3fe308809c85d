/**
 * Helpers for the plugin tests: run a test gateway (the `sluice/testing` kit) with captured
 * logs, and small plugins that record what they see.
 */
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import type * as Scope from "effect/Scope"
import * as Headers from "effect/http/Headers"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { Plugin, Schema } from "../../src/plugin/Plugin.ts"
import * as Testing from "../../src/testing/Testing.ts"

/** Runs a scoped test program with logs captured into `logs` (silenced when not given). */
export const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>, logs?: Array<string>): Promise<A> =>
  Effect.runPromise(
    Effect.scoped(effect).pipe(
      Effect.provide(Logger.layer(logs === undefined ? [] : [Logger.make((o) => {
        logs.push(String(Array.isArray(o.message) ? o.message[0] : o.message))
      })]))
    )
  )

/** Builds a test gateway and runs `f` with it. */
export const withGateway = <A>(
  options: Testing.Options,
  f: (gw: Testing.TestGateway) => Effect.Effect<A, unknown>,
  logs?: Array<string>
): Promise<A> => run(Effect.flatMap(Testing.make(options), f), logs)

/** A fake backend answering JSON. */
export const jsonBackend = (data: unknown, status = 200) => (): Response => Response.json(data, { status })

/** A fake backend that echoes method, path, headers and body. */
export const echoBackend = async (request: Request): Promise<Response> => {
  const url = new URL(request.url)
  const headers: Record<string, string> = {}
  request.headers.forEach((v, k) => (headers[k] = v))
  return Response.json({ method: request.method, path: url.pathname + url.search, headers, body: await request.text() })
}

/**
 * A handler plugin `via-<name>` that appends its name to the request header `X-Via` (inward) and
 * to the response header `x-trace` (outward).
 */
export const via = (name: string) =>
  Plugin.handler({
    name: `via-${name}`,
    config: Schema.Struct({}),
    make: () =>
      Effect.succeed((app) =>
        Effect.flatMap(Effect.service(HttpServerRequest.HttpServerRequest), (req) => {
          const before = req.headers["x-via"]
          const headers = Headers.set(req.headers, "x-via", before === undefined ? name : `${before},${name}`)
          return Effect.map(
            Effect.provideService(app, HttpServerRequest.HttpServerRequest, req.modify({ headers })),
            (res) => {
              const trace = res.headers["x-trace"]
              return HttpServerResponse.setHeader(res, "x-trace", trace === undefined ? name : `${trace},${name}`)
            }
          )
        })
      )
  })

/** A modifier `tag-<name>` appending its name to `data.order` and to the request header `X-Order`. */
export const tag = (name: string) =>
  Plugin.modifier({
    name: `tag-${name}`,
    config: Schema.Struct({}),
    request: (req) => {
      const before = req.headers["X-Order"]?.[0]
      return Effect.succeed({ ...req, headers: { ...req.headers, "X-Order": [before === undefined ? name : `${before},${name}`] } })
    },
    response: (res) => {
      const order = Array.isArray(res.data["order"]) ? res.data["order"] : []
      return Effect.succeed({ ...res, data: { ...res.data, order: [...order, name] } })
    }
  })
