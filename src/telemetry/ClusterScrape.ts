/**
 * Prometheus with `sluice run --workers N`: the primary listens on each exporter's port and, at
 * every scrape, asks each worker over the cluster channel for its own scrape text, then writes one
 * exposition: each family's HELP/TYPE once, every worker's samples with a `worker` label (the
 * cluster worker id), so totals are sums over `worker`. A worker that does not answer within 2 s
 * is left out of that scrape. Workers never listen on the Prometheus port themselves.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import cluster, { type Worker } from "node:cluster"
import { createServer, type Server } from "node:http"
import { ConfigError } from "../config/ConfigError.ts"
import type { GatewayConfig } from "../config/Model.ts"
import * as Cluster from "../server/Cluster.ts"
import * as Prometheus from "./Prometheus.ts"
import * as Settings from "./Settings.ts"

interface ScrapeRequest {
  readonly sluice: "metrics/scrape"
  readonly id: number
}

interface ScrapeAnswer {
  readonly sluice: "metrics/text"
  readonly id: number
  readonly text: string
}

const isMessage = <A extends { readonly sluice: string }>(m: unknown, kind: A["sluice"]): m is A =>
  typeof m === "object" && m !== null && (m as { readonly sluice?: unknown }).sluice === kind

/**
 * Whether this process is a worker of `sluice run --workers N` (its Prometheus scrapes go through
 * the primary). Any other cluster worker (PM2, a library user's own cluster) serves its own port.
 */
export const inWorker = (): boolean => cluster.isWorker && process.env[Cluster.workerMark] === "1"

let answering: { refresh: (() => void) | undefined } | undefined

/** In a worker: answer the primary's scrape requests with this process's text (one listener, whatever the builds). */
export const answerScrapes = (refresh: (() => void) | undefined): void => {
  if (answering !== undefined) {
    answering.refresh = refresh
    return
  }
  const state = { refresh }
  answering = state
  process.on("message", (m: unknown) => {
    if (!isMessage<ScrapeRequest>(m, "metrics/scrape") || process.send === undefined) return
    process.send({ sluice: "metrics/text", id: m.id, text: Prometheus.scrape(state.refresh) } satisfies ScrapeAnswer)
  })
}

/** `name{worker="1",…} value` for a sample line. */
const withWorker = (line: string, worker: string): string => {
  const brace = line.indexOf("{")
  const space = line.indexOf(" ")
  if (brace !== -1 && (space === -1 || brace < space)) return `${line.slice(0, brace + 1)}worker="${worker}",${line.slice(brace + 1)}`
  return space === -1 ? line : `${line.slice(0, space)}{worker="${worker}"}${line.slice(space)}`
}

/** Merges the scrape texts of several workers into one exposition (families kept together). */
export const merge = (texts: ReadonlyArray<readonly [worker: string, text: string]>): string => {
  const families = new Map<string, { head: Array<string>; samples: Array<string> }>()
  for (const [worker, text] of texts) {
    let current: { head: Array<string>; samples: Array<string> } | undefined
    for (const line of text.split("\n")) {
      if (line === "") continue
      const meta = /^# (HELP|TYPE) (\S+)/.exec(line)
      if (meta !== null) {
        const name = meta[2]!
        current = families.get(name)
        if (current === undefined) {
          current = { head: [], samples: [] }
          families.set(name, current)
        }
        if (!current.head.some((h) => h.startsWith(`# ${meta[1]} `))) current.head.push(line)
      } else if (!line.startsWith("#")) {
        if (current === undefined) {
          current = { head: [], samples: [] }
          families.set(`untyped:${line.split(/[{ ]/)[0]}`, current)
        }
        current.samples.push(withWorker(line, worker))
      }
    }
  }
  const out: Array<string> = []
  for (const { head, samples } of families.values()) out.push(...head, ...samples)
  return out.length === 0 ? "" : `${out.join("\n")}\n`
}

/**
 * In the primary: serves the config's Prometheus exporters for the whole cluster until the scope
 * closes. Returns what to do with each forked worker (`undefined` without Prometheus exporters).
 */
export const primary = (config: GatewayConfig): Effect.Effect<((worker: Worker) => void) | undefined, ConfigError, Scope.Scope> => {
  const settings = Settings.fromConfig(config)
  const targets = settings?.metrics === true ? settings.prometheus : []
  if (targets.length === 0) return Effect.succeed(undefined)
  const workers = new Set<Worker>()
  let next = 0
  const ask = (worker: Worker): Promise<readonly [string, string] | undefined> =>
    new Promise((resolve) => {
      if (!worker.isConnected()) return resolve(undefined)
      const id = ++next
      const timer = setTimeout(() => done(undefined), 2_000)
      const onMessage = (m: unknown) => {
        if (isMessage<ScrapeAnswer>(m, "metrics/text") && m.id === id) done([String(worker.id), m.text])
      }
      const done = (value: readonly [string, string] | undefined) => {
        clearTimeout(timer)
        worker.off("message", onMessage)
        resolve(value)
      }
      worker.on("message", onMessage)
      worker.send({ sluice: "metrics/scrape", id } satisfies ScrapeRequest)
    })
  const handler = (server: Server) =>
    server.on("request", (req, res) => {
      if ((req.url ?? "").split("?")[0] !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
        res.writeHead(404, { "content-type": "text/plain" }).end("404 page not found")
        return
      }
      void Promise.all([...workers].map(ask)).then((answers) => {
        const body = merge(answers.filter((a): a is readonly [string, string] => a !== undefined))
        res.writeHead(200, { "content-type": Prometheus.contentType, "content-length": Buffer.byteLength(body) })
        res.end(req.method === "HEAD" ? undefined : body)
      })
    })
  return Effect.as(
    Effect.forEach(targets, (target) =>
      Effect.acquireRelease(
        Effect.callback<Server, ConfigError>((resume) => {
          const server = createServer()
          handler(server)
          server.once("error", (error) =>
            resume(Effect.fail(new ConfigError({
              issues: [{
                path: "$.extra_config[\"telemetry/opentelemetry\"].exporters.prometheus",
                message: `prometheus exporter ${target.name}: cannot listen on ${target.host}:${target.port}: ${error.message}`
              }]
            }))))
          server.listen(target.port, target.host, () => resume(Effect.succeed(server)))
        }),
        (server) =>
          Effect.callback<void>((resume) => {
            server.close(() => resume(Effect.void))
            server.closeAllConnections()
          })
      )),
    (worker: Worker) => {
      workers.add(worker)
      worker.once("exit", () => workers.delete(worker))
    }
  )
}
