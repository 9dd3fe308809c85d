/**
 * `modifier/lua-endpoint` (krakend-lua `router/gin/lua.go`): `pre` (after the sources) on the
 * HTTP request, as `ctx`. At endpoint level it runs after the JWT validator and before the rate
 * limit (`EndpointStack.ts`); a failure answers `custom_error`'s status and content type, else
 * 500, always with an empty body. At service level it runs on every request before routing
 * (`ServiceStack.ts`), and any failure is a 500. `post` and `skip_next` are ignored, as KrakenD
 * ignores them here.
 *
 * What the script changes reaches the proxy request: headers, the query and path (`url`,
 * `query`), params, the body. The method is read but a new one does not change the backend
 * method (Sluice's endpoints are routed by method); at service level a new URL is routed.
 *
 * @since 0.3.0
 */
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Scope from "effect/Scope"
import type { ConfigError } from "../../config/ConfigError.ts"
import type { LuaConfig } from "../../config/Model.ts"
import * as Rules from "../../config/Rules.ts"
import { encodeQuery } from "../../proxy/HostSelection.ts"
import * as HeaderName from "../../proxy/HeaderName.ts"
import type { Handler } from "../../router/Endpoint.ts"
import type { HttpApp } from "../../router/Router.ts"
import * as Incoming from "../../router/Incoming.ts"
import * as Runner from "./Runner.ts"

/** The request as a script left it. */
interface Changed {
  readonly request: HttpServerRequest.HttpServerRequest
  readonly path: string
  readonly rawQuery: string
  readonly params: Readonly<Record<string, string>>
}

const empty = new Uint8Array(0)

const allHeaders = (request: HttpServerRequest.HttpServerRequest): Record<string, ReadonlyArray<string>> => {
  const out: Record<string, ReadonlyArray<string>> = {}
  for (const lower of Object.keys(request.headers)) {
    const values = Incoming.headerValues(request, lower)
    if (values !== undefined) out[HeaderName.canonical(lower)] = values
  }
  return out
}

const queryValues = (rawQuery: string): Record<string, Array<string>> => {
  const out: Record<string, Array<string>> = {}
  for (const [k, v] of new URLSearchParams(rawQuery)) (out[k] ??= []).push(v)
  return out
}

/** A request whose body reads as `body` (the script replaced it). */
const withBody = (request: HttpServerRequest.HttpServerRequest, body: Uint8Array): HttpServerRequest.HttpServerRequest => {
  const headers = { ...request.headers, "content-length": String(body.byteLength) } as Record<string, string>
  delete headers["transfer-encoding"]
  const modified = request.modify({ headers: headers as never })
  const buffer = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer
  return Object.create(modified, {
    arrayBuffer: { value: Effect.succeed(buffer) },
    text: { value: Effect.succeed(new TextDecoder().decode(body)) }
  }) as HttpServerRequest.HttpServerRequest
}

/** Runs `pre` on a request: the changed request, or the script's error. */
type Run = (
  request: HttpServerRequest.HttpServerRequest,
  path: string,
  rawQuery: string,
  params: Readonly<Record<string, string>>
) => Effect.Effect<Changed, Runner.RunError>

/** `waitMs`: how long a request may wait for a VM of the stage (and its http_response calls take). */
const runner = (config: LuaConfig, limits: Runner.Bounds, waitMs: number): Effect.Effect<Run, ConfigError, Scope.Scope> =>
  Effect.map(Runner.forConfig(config, limits), (pool): Run => {
    return (request, path, rawQuery, params) => {
      const deadline = Date.now() + waitMs
      return Effect.acquireUseRelease(pool.acquire(deadline), (lease) => use(lease, deadline), (lease) =>
        Effect.sync(() => {
          lease.vm.finish()
          pool.release(lease)
        }))
      function use(lease: Runner.Lease, deadline: number): Effect.Effect<Changed, Runner.RunError> {
        const { uses } = lease.version
        if (lease.version.pre.length === 0) return Effect.succeed({ request, path, rawQuery, params })
        // a body that cannot be read (too large, broken) answers as the endpoint would: never an empty body to the script
        const body = uses.body
          ? Effect.mapError(Incoming.readBody(request), (e): Runner.RunError => ({
            message: `request body: ${e.reason === "TooLarge" ? "too large" : "could not be read"}`,
            status: e.reason === "TooLarge" ? 413 : 400,
            always: true
          }))
          : Effect.succeed(undefined)
        return Effect.flatMap(body, (bytes) => {
          const vm = lease.vm
          vm.table()
          vm.setString("method", request.method)
          vm.setString("url", rawQuery === "" ? path : `${path}?${rawQuery}`)
          vm.setString("host", request.headers["host"] ?? "")
          if (uses.headers) vm.setListMap("headers", allHeaders(request))
          if (uses.params) vm.setStringMap("params", params)
          if (uses.query) vm.setListMap("queryValues", queryValues(rawQuery))
          if (uses.body) vm.setBytes("body", bytes ?? empty)
          const status = vm.start(lease.env, "ginContext", lease.version.pre, limits.cpuMs, limits.memory)
          return Effect.map(Runner.drive(lease, status, deadline), (): Changed => {
            // the body was read: later stages read it from the bytes (set last: `modify` makes a new request)
            const finish = (r: HttpServerRequest.HttpServerRequest, set?: Uint8Array) =>
              set !== undefined ? withBody(r, set) : bytes === undefined ? r : withBody(r, bytes)
            if (!vm.readBoolean(1, "dirty")) return { request: finish(request), path, rawQuery, params }
            const url = vm.readString(1, "url") ?? path
            const q = url.indexOf("?")
            let nextPath = q === -1 ? url : url.slice(0, q)
            let nextQuery = q === -1 ? "" : url.slice(q + 1)
            if (nextPath === "") nextPath = path
            if (uses.query && vm.readBoolean(1, "querySet")) {
              const idx = vm.open(1, "queryValues")
              if (idx !== undefined) {
                const values = vm.readListMap(idx)
                vm.close(idx)
                const pairs = Object.keys(values).sort().flatMap((k) => values[k]!.map((v) => [k, v] as const))
                nextQuery = encodeQuery(pairs)
              }
            }
            let nextParams = params
            if (uses.params) {
              const idx = vm.open(1, "params")
              if (idx !== undefined) {
                nextParams = vm.readStringMap(idx)
                vm.close(idx)
              }
            }
            let next = request
            if (uses.headers) {
              const idx = vm.open(1, "headers")
              if (idx !== undefined) {
                const headers = vm.readListMap(idx)
                vm.close(idx)
                const lower: Record<string, string> = {}
                for (const [name, values] of Object.entries(headers)) lower[name.toLowerCase()] = values.join(", ")
                next = next.modify({ headers: lower as never })
              }
            }
            const host = vm.readString(1, "host")
            if (host !== undefined && host !== "" && host !== next.headers["host"]) {
              next = next.modify({ headers: { ...next.headers, host } as never })
            }
            if (nextPath !== path || nextQuery !== rawQuery) next = next.modify({ url: nextQuery === "" ? nextPath : `${nextPath}?${nextQuery}` })
            const body = vm.readBoolean(1, "bodySet") ? vm.readBytes(1, "body") ?? empty : undefined
            return { request: finish(next, body), path: nextPath, rawQuery: nextQuery, params: nextParams }
          })
        })
      }
    }
  })

/** The endpoint-level stage around an endpoint's handler. */
export const endpoint = (
  config: LuaConfig,
  endpointPath: string,
  limits: Runner.Bounds,
  timeoutMs: number
): Effect.Effect<(handler: Handler) => Handler, ConfigError, Scope.Scope> =>
  Effect.map(runner(config, limits, timeoutMs), (run) => {
    const names = Rules.params(endpointPath) // as written: KrakenD's ctx reads them so
    const tag = `[ENDPOINT: ${endpointPath}][Lua]`
    return (handler) => (request, params, path, rawQuery, grant) => {
      const named: Record<string, string> = {}
      names.forEach((name, i) => {
        if (params[i] !== undefined) named[name] = params[i]!
      })
      return run(request, path, rawQuery, named).pipe(
        Effect.matchEffect({
          onFailure: (e) =>
            Effect.as(
              Effect.logError(tag, e.message),
              HttpServerResponse.empty({
                status: e.status !== undefined && e.status >= 200 && e.status <= 599 ? e.status : 500,
                headers: e.contentType === undefined ? { "content-length": "0" } : { "content-length": "0", "content-type": e.contentType }
              })
            ),
          onSuccess: (changed) =>
            handler(changed.request, names.map((n, i) => changed.params[n] ?? params[i] ?? ""), changed.path, changed.rawQuery, grant)
        })
      )
    }
  })

const serverError = HttpServerResponse.empty({ status: 500, headers: { "content-length": "0" } })

/** The service-level stage around the whole router: any failure is a 500 with an empty body. */
export const service = (config: LuaConfig, limits: Runner.Bounds, timeoutMs: number): Effect.Effect<(app: HttpApp) => HttpApp, ConfigError, Scope.Scope> =>
  Effect.map(runner(config, limits, timeoutMs), (run) => (app) =>
    Effect.flatMap(Effect.service(HttpServerRequest.HttpServerRequest), (request) => {
      const url = request.url
      const q = url.indexOf("?")
      return run(request, q === -1 ? url : url.slice(0, q), q === -1 ? "" : url.slice(q + 1), {}).pipe(
        Effect.matchEffect({
          onFailure: (e) =>
            Effect.as(
              Effect.logError("[SERVICE: Gin][Lua]", e.message),
              e.always === true && e.status !== undefined ? HttpServerResponse.empty({ status: e.status, headers: { "content-length": "0" } }) : serverError
            ),
          onSuccess: (changed) => Effect.provideService(app, HttpServerRequest.HttpServerRequest, changed.request)
        })
      )
    }))
