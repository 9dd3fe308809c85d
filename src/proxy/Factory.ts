/**
 * The proxy pipe factory: the ONLY place where stage order is written (Lura's
 * `proxy/factory.go`). Every stage is built once, here; a stage the config does not ask for is
 * the identity. The finished `Proxy` needs no services per request.
 *
 * Backend stack, outer → inner: [telemetry backend stage] → deadline → query filter → request
 * builder → concurrent calls → host selection → header filter → backend modifiers → circuit
 * breaker → proxy rate limit → Lua (`modifier/lua-backend`) → CEL checks → martian → [telemetry client span + traceparent] → executor (the default one, or the backend's
 * `plugin/http-client`) → status handling → decoder → formatter.
 *
 * Endpoint stack: signer → Lua (`modifier/lua-proxy`) → CEL checks → JSON Schema validation → [telemetry proxy span] → static → endpoint modifiers → endpoint
 * flatmap → 1 backend: its stack; N > 1: the parallel or sequential merge of the stacks. Shadow
 * backends are split off and called on the side. Telemetry stages exist only when
 * `telemetry/opentelemetry` asks for them.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as ApiKeys from "../auth/ApiKeys.ts"
import * as Signer from "../auth/Signer.ts"
import * as Validator from "../auth/Validator.ts"
import type { ConfigError } from "../config/ConfigError.ts"
import type { BackendConfig, EndpointConfig, GatewayConfig } from "../config/Model.ts"
import { PluginStages } from "../plugin/PluginStages.ts"
import * as Decoder from "../encoding/Decoder.ts"
import * as Martian from "../martian/Stage.ts"
import * as CircuitBreaker from "../qos/CircuitBreaker.ts"
import * as HttpCache from "../qos/HttpCache.ts"
import * as ProxyRateLimit from "../qos/ProxyRateLimit.ts"
import * as Cel from "../scripting/Cel.ts"
import * as JsonSchema from "../scripting/JsonSchema.ts"
import * as LuaStage from "../scripting/lua/ProxyStage.ts"
import * as LuaRunner from "../scripting/lua/Runner.ts"
import * as Concurrent from "./Concurrent.ts"
import * as Deadline from "./Deadline.ts"
import * as Executor from "./Executor.ts"
import * as Flatmap from "./Flatmap.ts"
import * as Formatter from "./Formatter.ts"
import * as HeaderFilter from "./HeaderFilter.ts"
import * as HostSelection from "./HostSelection.ts"
import * as Merge from "./Merge.ts"
import type { Middleware, Proxy } from "./Proxy.ts"
import * as QueryFilter from "./QueryFilter.ts"
import * as RequestBuilder from "./RequestBuilder.ts"
import * as ResponseHeaders from "./ResponseHeaders.ts"
import * as Sequential from "./Sequential.ts"
import * as Shadow from "./Shadow.ts"
import * as Static from "./Static.ts"
import * as StatusHandler from "./StatusHandler.ts"
import { Transport } from "./Transport.ts"
import * as PipeLayers from "../telemetry/PipeLayers.ts"
import { TelemetryRuntime } from "../telemetry/Telemetry.ts"

/** Applies middlewares, the first one outermost. */
const stack = (stages: ReadonlyArray<Middleware>, terminal: Proxy): Proxy =>
  stages.reduceRight<Proxy>((inner, stage) => stage(inner), terminal)

/** The terminal of a backend: executor → status handling → decoder → formatter → kept response headers. */
const httpProxy = (executor: Executor.Executor, backend: BackendConfig, service: GatewayConfig): Proxy => {
  const decode = Decoder.make(backend)
  const format = Formatter.make(backend)
  const formatted: StatusHandler.Parser = format === undefined
    ? decode
    : (raw) => Effect.map(decode(raw), (res) => ({ ...res, data: format(res.data) }))
  const keep = ResponseHeaders.make(backend)
  const parse: StatusHandler.Parser = keep === undefined
    ? formatted
    : (raw) => Effect.map(formatted(raw), (res) => keep(raw.headers, res))
  const handle = StatusHandler.make(backend, service.extra_config["sluice/errors"]?.status_policy)(parse)
  return (req) => Effect.flatMap(executor(req), handle)
}

/** Builds the stack of one backend over the shared transport. */
export const makeBackendProxy = (
  backend: BackendConfig,
  endpoint: EndpointConfig,
  service: GatewayConfig
): Effect.Effect<Proxy, ConfigError, Transport | Scope.Scope> =>
  Effect.gen(function*() {
    const transport = yield* Transport
    const dispatcher = yield* transport.dispatcherFor(backend)
    const discovered = yield* transport.hostsFor(backend) // `sd: "dns"`: resolved now, then refreshed
    const plugins = yield* PluginStages
    const telemetry = yield* TelemetryRuntime
    // a backend with `plugin/http-client` uses the plugin's HttpClient as its executor
    // `qos/http-cache` is part of the default executor, the backend's HTTP client (as in KrakenD)
    const call = plugins.executor(backend) ?? HttpCache.wrap(backend, Executor.make(dispatcher, Executor.optionsFor(backend, service, transport.options)), endpoint)
    // telemetry's backend-request (client) span and `traceparent`, right around the call
    const traced = telemetry === undefined ? call : (PipeLayers.client(telemetry, endpoint, backend)?.(call) ?? call)
    // `modifier/martian` wraps the executor: around the call, on the raw answer (identity without it)
    const executor = Martian.make(backend)(traced)
    const lua = backend.extra_config["modifier/lua-backend"]
    const luaStage = lua === undefined ? undefined : yield* LuaStage.make(lua, "backend", LuaRunner.bounds(service))
    return stack(
      [
        ...(telemetry === undefined ? [] : PipeLayers.present(PipeLayers.backendStage(telemetry, endpoint, backend))), // backend stage span
        Deadline.make(backend), // `sluice/backend.timeout`
        QueryFilter.make(backend),
        RequestBuilder.make(backend),
        Concurrent.make(backend),
        HostSelection.make(backend, discovered), // `sd: "dns"`: the current SRV hosts
        HeaderFilter.make(backend, [...Validator.propagatedHeaders(endpoint), ...ApiKeys.propagatedHeaders(service, endpoint)]),
        plugins.backend(backend), // backend `plugin/req-resp-modifier`
        ...PipeLayers.present(
          CircuitBreaker.make(backend), // `qos/circuit-breaker`: counts everything below it
          ProxyRateLimit.make(backend), // `qos/ratelimit/proxy`
          luaStage, // `modifier/lua-backend`: pre and post around the call, the URL fixed
          Cel.make(backend.extra_config["validation/cel"], backend.encoding === "no-op") // backend `validation/cel`, on the formatted answer
        )
      ],
      httpProxy(executor, backend, service)
    )
  })

/**
 * Builds the proxy of one endpoint: shadow backends split off (called on the side), then static
 * data → endpoint modifiers → endpoint flatmap → parallel or sequential merge (N > 1).
 */
export const makeEndpointProxy = (
  endpoint: EndpointConfig,
  service: GatewayConfig
): Effect.Effect<Proxy, ConfigError, Transport | Scope.Scope> => {
  const { main, shadow } = Shadow.split(endpoint)
  const pipe = main === undefined ? Effect.succeed(Shadow.noBackend) : makeMainProxy(main, service)
  const shadowed = shadow === undefined
    ? pipe
    : Effect.zipWith(pipe, makeMainProxy(shadow.endpoint, service), (p, s) => Shadow.make(s, shadow.timeout)(p))
  // `validation/json-schema` around shadow and static (KrakenD CE's proxy factory); `auth/signer`,
  // outermost: it signs what the whole endpoint answers
  const lua = endpoint.extra_config["modifier/lua-proxy"]
  return Effect.all([shadowed, JsonSchema.make(endpoint), Signer.make(endpoint), lua === undefined ? Effect.undefined : LuaStage.make(lua, "proxy", LuaRunner.bounds(service))]).pipe(
    Effect.map(([proxy, validation, signer, luaStage]) => {
      const validated = validation === undefined ? proxy : validation(proxy)
      // `validation/cel` around the JSON Schema: its request checks run first, its response checks last
      const checked = Cel.make(endpoint.extra_config["validation/cel"], endpoint.output_encoding === "no-op")?.(validated) ?? validated
      // `modifier/lua-proxy` around CEL: CEL and the schema see the request its pre changed
      const scripted = luaStage === undefined ? checked : luaStage(checked)
      return signer === undefined ? scripted : signer(scripted)
    })
  )
}

const makeMainProxy = (endpoint: EndpointConfig, service: GatewayConfig): Effect.Effect<Proxy, ConfigError, Transport | Scope.Scope> =>
  Effect.map(
    Effect.all([Effect.forEach(endpoint.backend, (backend) => makeBackendProxy(backend, endpoint, service)), PluginStages, TelemetryRuntime]),
    ([parts, plugins, telemetry]) => {
      const merged = parts.length === 1
        ? parts[0]!
        : endpoint.extra_config.proxy?.sequential === true
        ? Sequential.make(endpoint, parts)
        : Merge.make(endpoint, parts)
      const flatmapped = Flatmap.endpoint(endpoint)(merged) // endpoint `proxy.flatmap_filter` (N > 1)
      const modified = plugins.endpoint(endpoint)(flatmapped) // endpoint `plugin/req-resp-modifier`, around the merge
      const withStatic = Static.make(endpoint.extra_config.proxy?.static)(modified) // `proxy.static`
      // telemetry's proxy span and `krakend.proxy.duration`, outermost
      const traced = telemetry === undefined ? undefined : PipeLayers.proxy(telemetry, endpoint)
      return traced === undefined ? withStatic : traced(withStatic)
    }
  )
