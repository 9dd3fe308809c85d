/**
 * The plugin stages of the proxy pipe, as `Proxy.Factory` sees them: the endpoint modifier
 * stage, the backend modifier stage and a backend's client-plugin executor. They are resolved
 * (configs decoded, clients built) once by `Wiring.make` before the pipes are built, and found
 * again here by the config's namespace object. A reference with a default: a gateway without
 * plugins gets identity stages, and an endpoint or backend without a plugin namespace pays
 * nothing.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type { BackendConfig, EndpointConfig } from "../config/Model.ts"
import type { Executor } from "../proxy/Executor.ts"
import { identity, type Middleware } from "../proxy/Proxy.ts"

/** The resolved plugin stages of a gateway. */
export interface Stages {
  /** The endpoint `plugin/req-resp-modifier` stage (around the merge); identity when none. */
  readonly endpoint: (endpoint: EndpointConfig) => Middleware
  /** The backend `plugin/req-resp-modifier` stage (after host selection); identity when none. */
  readonly backend: (backend: BackendConfig) => Middleware
  /** The `plugin/http-client` executor of a backend, or `undefined` for the default executor. */
  readonly executor: (backend: BackendConfig) => Executor | undefined
}

/** No plugins: identity stages and the default executor everywhere. */
export const none: Stages = {
  endpoint: () => identity,
  backend: () => identity,
  executor: () => undefined
}

/** The stages the pipe factory uses; `none` unless the gateway provides resolved ones. */
export const PluginStages: Context.Reference<Stages> = Context.Reference<Stages>("sluice/plugin/PluginStages", {
  defaultValue: () => none
})
