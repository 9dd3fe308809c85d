/**
 * Serves a KrakenD JSON config through the real decoder, factory and router on 127.0.0.1 port 0
 * (the gateway in process), and a shared loopback backend whose routes the tests declare.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpServer from "effect/http/HttpServer"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Scope from "effect/Scope"
import * as Config from "../../src/config/Config.ts"
import type { ConfigWarning } from "../../src/config/ConfigError.ts"
import * as Gateway from "../../src/Gateway.ts"
import type { Running } from "../support/Router.ts"

export { send } from "../support/Router.ts"

/** A running gateway and the warnings its config produced. */
export interface Served extends Running {
  readonly warnings: ReadonlyArray<ConfigWarning>
}

/** Decodes `json` (throws with the issues when it is invalid). */
export const decode = (json: unknown): Config.Decoded => {
  const r = Config.decodeResult(json)
  if (r._tag === "Failure") throw new Error("invalid config: " + JSON.stringify(r.issues))
  return r.decoded
}

/** Serves a config (a KrakenD JSON object). */
export const serve = async (json: unknown): Promise<Served> => {
  const { config, warnings } = decode(json)
  const scope = await Effect.runPromise(Scope.make())
  // the bundled server (its limits, and `tls` when the config has it)
  const server = Gateway.nodeServer(config, { port: 0, host: "127.0.0.1" })
  const layer = Gateway.layer(config).pipe(Layer.provideMerge(server), Layer.provide(Logger.layer([])))
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const address = Context.get(context, HttpServer.HttpServer).address
  const port = address._tag === "UnixPathAddress" ? 0 : address.port
  return { url: `http://127.0.0.1:${port}`, port, warnings, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/** Serves, runs `f`, closes. */
export const withGateway = async <A>(json: unknown, f: (g: Served) => Promise<A>): Promise<A> => {
  const g = await serve(json)
  try {
    return await f(g)
  } finally {
    await g.close()
  }
}

/** A config with one endpoint `GET /test` and the given endpoint fields. */
export const config = (endpoint: Record<string, unknown>, service: Record<string, unknown> = {}): unknown => ({
  version: 3,
  timeout: "2s",
  ...service,
  endpoints: [{ endpoint: "/test", ...endpoint }]
})
