/**
 * Whether the server this gateway is served on is draining. `/__health` reads it: `200
 * {"status":"ok"}` while serving, `503 {"status":"draining"}` from the moment SIGTERM/SIGINT
 * arrives, and answers close their connection. With `sluice/server.shutdown_delay` the gateway
 * keeps serving for that long with health saying `draining`, so a load balancer takes the
 * instance out before its listener closes (Kubernetes endpoints are removed asynchronously);
 * then the listener closes and in-flight requests finish. KrakenD has no such state (its listener
 * closes at once, the default here too); its health body is otherwise unchanged.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"

/** The drain state of the serving HTTP server. */
export interface Readiness {
  readonly draining: () => boolean
  /** Marks the start of a drain (the shutdown delay begins). */
  readonly beginDrain: () => void
}

const serving: Readiness = { draining: () => false, beginDrain: () => {} }

/** Provided by the Node server layer; a gateway served elsewhere (tests, mounted apps) never drains. */
export const Readiness: Context.Reference<Readiness> = Context.Reference<Readiness>("sluice/server/Readiness", {
  defaultValue: () => serving
})

/** The state of one server: draining once `beginDrain` ran or its listener closed. */
export const make = (listening: () => boolean): Readiness => {
  let stopping = false
  return {
    draining: () => stopping || !listening(),
    beginDrain: () => {
      stopping = true
    }
  }
}
