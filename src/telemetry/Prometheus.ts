/**
 * A Prometheus exporter of `telemetry/opentelemetry`: `GET /metrics` on its own listener (`port`,
 * `listen_ip`), the process registry in the text exposition format (Effect's
 * `PrometheusMetrics`, names with `.` as `_`). With `process_metrics` the Node process gauges are
 * refreshed at each scrape: CPU, resident memory, heap, event-loop delay, open handles. The
 * listener belongs to the gateway's scope.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import type * as Scope from "effect/Scope"
import * as PrometheusMetrics from "effect/observability/PrometheusMetrics"
import { createServer, type Server } from "node:http"
import { monitorEventLoopDelay } from "node:perf_hooks"
import type { PrometheusTarget } from "./Settings.ts"

const empty: Context.Context<never> = Context.empty()

/** The exposition format's content type. */
export const contentType = "text/plain; version=0.0.4; charset=utf-8"

const gauge = (name: string, description: string) => Metric.gauge(name, { description })

let shared: { readonly refresh: () => void } | undefined

/** Node process gauges, refreshed by `refresh` (at scrape time); one set per process. */
export const processGauges = (): { readonly refresh: () => void } => (shared ??= makeProcessGauges())

const makeProcessGauges = () => {
  const delay = monitorEventLoopDelay({ resolution: 20 })
  delay.enable()
  const started = Date.now() / 1000 - process.uptime()
  const g = {
    cpuUser: gauge("process_cpu_user_seconds_total", "User CPU time spent, in seconds"),
    cpuSystem: gauge("process_cpu_system_seconds_total", "System CPU time spent, in seconds"),
    cpu: gauge("process_cpu_seconds_total", "User and system CPU time spent, in seconds"),
    rss: gauge("process_resident_memory_bytes", "Resident memory size, in bytes"),
    start: gauge("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds"),
    heapUsed: gauge("nodejs_heap_size_used_bytes", "V8 heap used, in bytes"),
    heapTotal: gauge("nodejs_heap_size_total_bytes", "V8 heap size, in bytes"),
    external: gauge("nodejs_external_memory_bytes", "Memory of C++ objects bound to JavaScript objects, in bytes"),
    lag: gauge("nodejs_eventloop_lag_seconds", "Mean event-loop delay since the last scrape, in seconds"),
    lagP99: gauge("nodejs_eventloop_lag_p99_seconds", "99th percentile of the event-loop delay since the last scrape, in seconds"),
    handles: gauge("nodejs_active_resources", "Active handles and requests keeping the event loop alive")
  }
  return {
    refresh: () => {
      const cpu = process.cpuUsage()
      const memory = process.memoryUsage()
      g.cpuUser.updateUnsafe(cpu.user / 1e6, empty)
      g.cpuSystem.updateUnsafe(cpu.system / 1e6, empty)
      g.cpu.updateUnsafe((cpu.user + cpu.system) / 1e6, empty)
      g.rss.updateUnsafe(memory.rss, empty)
      g.start.updateUnsafe(started, empty)
      g.heapUsed.updateUnsafe(memory.heapUsed, empty)
      g.heapTotal.updateUnsafe(memory.heapTotal, empty)
      g.external.updateUnsafe(memory.external, empty)
      g.lag.updateUnsafe(Number.isNaN(delay.mean) ? 0 : delay.mean / 1e9, empty)
      g.lagP99.updateUnsafe(delay.percentile(99) / 1e9, empty)
      g.handles.updateUnsafe(process.getActiveResourcesInfo().length, empty)
      delay.reset()
    }
  }
}

/** The scrape text of the process registry (process gauges refreshed first when asked). */
export const scrape = (refresh: (() => void) | undefined): string => {
  refresh?.()
  return PrometheusMetrics.formatUnsafe(empty)
}

/** Serves `target` until the scope closes; a port that cannot be bound fails the start. */
export const serve = (target: PrometheusTarget): Effect.Effect<Server, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<Server, Error>((resume) => {
      const gauges = target.processMetrics ? processGauges() : undefined
      const server = createServer((req, res) => {
        if (req.method !== "GET" && req.method !== "HEAD") {
          res.writeHead(405, { allow: "GET, HEAD" }).end()
          return
        }
        if ((req.url ?? "").split("?")[0] !== "/metrics") {
          res.writeHead(404, { "content-type": "text/plain" }).end("404 page not found")
          return
        }
        const body = scrape(gauges?.refresh)
        res.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(body) })
        res.end(req.method === "HEAD" ? undefined : body)
      })
      server.once("error", (error) => {
        resume(Effect.fail(new Error(`telemetry/opentelemetry prometheus exporter ${target.name}: cannot listen on ${target.host}:${target.port}: ${error.message}`)))
      })
      server.listen(target.port, target.host, () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.callback<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  )
