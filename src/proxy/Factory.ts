/**
 * The proxy pipe factory: the ONLY place where stage order is written (Lura's
 * `proxy/factory.go`). Every stage is built once, here; a stage the config does not ask for is
 * the identity. The finished `Proxy` needs no services per request.
 *
 * Backend stack, outer → inner: query filter → request builder → concurrent calls → host
 * selection → header filter → [backend modifiers, QoS: later] → executor → status handling →
 * decoder → formatter.
 *
 * Endpoint stack: [static, endpoint modifiers: later] → 1 backend: its stack; N > 1: the parallel
 * merge of the stacks [sequential merge, endpoint flatmap: later].
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { BackendConfig, EndpointConfig, GatewayConfig } from "../config/Model.ts"
import * as Decoder from "../encoding/Decoder.ts"
import * as Concurrent from "./Concurrent.ts"
import * as Executor from "./Executor.ts"
import * as Formatter from "./Formatter.ts"
import * as HeaderFilter from "./HeaderFilter.ts"
import * as HostSelection from "./HostSelection.ts"
import * as Merge from "./Merge.ts"
import type { Middleware, Proxy } from "./Proxy.ts"
import * as QueryFilter from "./QueryFilter.ts"
import * as RequestBuilder from "./RequestBuilder.ts"
import * as StatusHandler from "./StatusHandler.ts"
import { Transport } from "./Transport.ts"

/** Applies middlewares, the first one outermost. */
const stack = (stages: ReadonlyArray<Middleware>, terminal: Proxy): Proxy =>
  stages.reduceRight<Proxy>((inner, stage) => stage(inner), terminal)

/** The terminal of a backend: executor → status handling → decoder → formatter. */
const httpProxy = (executor: Executor.Executor, backend: BackendConfig): Proxy => {
  const decode = Decoder.make(backend)
  const format = Formatter.make(backend)
  const parse: StatusHandler.Parser = format === undefined
    ? decode
    : (raw) => Effect.map(decode(raw), (res) => ({ ...res, data: format(res.data) }))
  const handle = StatusHandler.make(backend)(parse)
  return (req) => Effect.flatMap(executor(req), handle)
}

/** Builds the stack of one backend over the shared transport. */
export const makeBackendProxy = (
  backend: BackendConfig,
  _endpoint: EndpointConfig,
  service: GatewayConfig
): Effect.Effect<Proxy, never, Transport> =>
  Effect.map(Transport, (transport) => {
    const executor = Executor.make(transport.dispatcher, Executor.optionsFor(backend, service, transport.options))
    return stack(
      [
        QueryFilter.make(backend),
        RequestBuilder.make(backend),
        Concurrent.make(backend),
        HostSelection.make(backend),
        HeaderFilter.make(backend)
        // backend modifiers, circuit breaker and rate limit go here
      ],
      httpProxy(executor, backend)
    )
  })

/** Builds the proxy of one endpoint. */
export const makeEndpointProxy = (endpoint: EndpointConfig, service: GatewayConfig): Effect.Effect<Proxy, never, Transport> =>
  Effect.map(
    Effect.forEach(endpoint.backend, (backend) => makeBackendProxy(backend, endpoint, service)),
    (parts) => {
      const merged = parts.length === 1 ? parts[0]! : Merge.make(endpoint, parts)
      // sequential merge, endpoint flatmap, endpoint modifiers and static data go here
      return merged
    }
  )
