/** Config and runtime helpers for the proxy tests. */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type { BackendConfig, EndpointConfig, GatewayConfig } from "../../src/config/Model.ts"
import type { Proxy, ProxyRequest, ProxyResponse } from "../../src/proxy/Proxy.ts"
import type { ProxyError } from "../../src/proxy/ProxyError.ts"
import * as Factory from "../../src/proxy/Factory.ts"
import * as Transport from "../../src/proxy/Transport.ts"
import * as RouterSupport from "../support/Router.ts"

export const backend = (over: Partial<BackendConfig> = {}): BackendConfig => RouterSupport.backend(over)

export const endpoint = (backends: ReadonlyArray<BackendConfig>, over: Partial<EndpointConfig> = {}): EndpointConfig => ({
  endpoint: "/test",
  method: "GET",
  backend: backends as EndpointConfig["backend"],
  timeout: Duration.seconds(2),
  cache_ttl: Duration.zero,
  concurrent_calls: 1,
  input_headers: [],
  input_query_strings: [],
  output_encoding: "json",
  extra_config: { proxy: undefined },
  ...over
})

export const service = (over: Partial<GatewayConfig> = {}): GatewayConfig =>
  RouterSupport.gateway(over.endpoints ?? [], over)

export const request = (over: Partial<ProxyRequest> = {}): ProxyRequest => ({
  method: "GET",
  path: "/test",
  url: undefined,
  query: [],
  params: {},
  headers: Object.create(null),
  body: undefined,
  deadline: Date.now() + 2000,
  clientIp: "127.0.0.1",
  ...over
})

/** Test transport options: small response limit so TooLarge is cheap to test. */
export const transportOptions: Transport.TransportOptions = { ...Transport.defaults, maxResponseSize: 1024 * 1024 }

/** Runs an effect that needs the transport, in a fresh scope. */
export const run = <A, E>(
  eff: Effect.Effect<A, E, Transport.Transport | Scope.Scope>,
  options: Transport.TransportOptions = transportOptions
): Promise<A> => Effect.runPromise(Effect.scoped(Effect.provide(eff, Transport.layer(options))))

/** Builds the endpoint proxy and calls it once; returns the exit. */
export const callEndpoint = (
  ep: EndpointConfig,
  req: Partial<ProxyRequest> = {},
  svc: GatewayConfig = service(),
  options?: Transport.TransportOptions
): Promise<Exit.Exit<ProxyResponse, ProxyError>> =>
  run(Effect.flatMap(Factory.makeEndpointProxy(ep, svc), (proxy: Proxy) => Effect.exit(proxy(request(req)))), options)

/** Calls a single backend (endpoint with one backend). */
export const callBackend = (
  b: Partial<BackendConfig>,
  req: Partial<ProxyRequest> = {},
  svc: GatewayConfig = service(),
  options?: Transport.TransportOptions
): Promise<Exit.Exit<ProxyResponse, ProxyError>> => callEndpoint(endpoint([backend(b)]), req, svc, options)

/** The failure of an exit (throws when it succeeded). */
export const failure = (exit: Exit.Exit<ProxyResponse, ProxyError>): ProxyError => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got " + JSON.stringify(exit.value.data))
  const e = Cause.findErrorOption(exit.cause)
  if (Option.isNone(e)) throw new Error("expected a typed failure, got " + String(exit.cause))
  return e.value
}

/** The success of an exit (throws when it failed). */
export const success = (exit: Exit.Exit<ProxyResponse, ProxyError>): ProxyResponse => {
  if (Exit.isFailure(exit)) throw new Error("expected a success, got " + String(exit.cause))
  return exit.value
}
