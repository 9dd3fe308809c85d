/**
 * Token revocation (`auth/revoker`, KrakenD's bloomfilter, AUTH-TLS.md §5.1): a sliding bloom
 * filter of revoked claim values, checked by every JWT validator after the claims and before the
 * roles (a revoked token is 401). The check semantics are KrakenD's: for each `token_keys`
 * claim `k` whose value `v` is a string, `k-v` is looked up; an entry stays between `2·TTL` and
 * `3·TTL` seconds (three generations: `add` writes current and next, `check` reads previous and
 * current, every `TTL` they shift — KrakenD's `rotate.go`). The bit layout is Sluice's own (no filter is exchanged).
 *
 * Revocations arrive over HTTP on `127.0.0.1:<port>` — KrakenD speaks Go's `net/rpc`, which has no
 * Node implementation, on every interface without authentication; Sluice's listener is loopback
 * only: `POST /add {"elems": ["jti-abc"]}` → `{"count": 1}`, `POST /check` → `{"checks": [true]}`.
 * With `--workers N` the primary listens and forwards every addition to each worker; a worker
 * asks for the entries still alive and gets them before it serves (also after a restart), so no
 * worker ever misses a revocation.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import cluster from "node:cluster"
import { createHash } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { Worker } from "node:cluster"
import { ConfigError } from "../config/ConfigError.ts"
import type { RevokerOptions } from "../config/Model.ts"
import type { Claims } from "./Claims.ts"

/** A bloom filter of `m` bits and `k` hash functions. */
interface Filter {
  readonly bits: Uint8Array
}

/** KrakenD's sizing: `m = ceil(-n·ln p / ln²2)` bits, `k = ceil(ln 2 · m / n)` hashes. */
export const sizing = (n: number, p: number): { readonly m: number; readonly k: number } => {
  const m = Math.ceil((-n * Math.log(p)) / (Math.LN2 * Math.LN2))
  return { m, k: Math.ceil((Math.LN2 * m) / n) }
}

/** Two independent 32-bit hashes of a string (from one SHA-256), for double hashing. */
const hashes = (s: string): readonly [number, number] => {
  const d = createHash("sha256").update(s).digest()
  return [d.readUInt32BE(0), (d.readUInt32BE(4) | 1) >>> 0]
}

/** The revocation set of one process. */
export interface Revoker {
  /** Adds entries (`jti-abc`); returns how many. */
  readonly add: (elems: ReadonlyArray<string>) => number
  readonly check: (elem: string) => boolean
  /** Whether a token with these claims was revoked. */
  readonly rejects: (claims: Claims) => boolean
}

/** The sliding filter of `options`, rotated every `ttl` seconds until the scope closes. */
export const make = (options: RevokerOptions): Effect.Effect<Revoker, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { k, m } = sizing(options.n, options.p)
    const empty = (): Filter => ({ bits: new Uint8Array(Math.ceil(m / 8)) })
    let previous = empty()
    let current = empty()
    let next = empty()
    const positions = (elem: string): Array<number> => {
      const [h1, h2] = hashes(elem)
      const out: Array<number> = []
      for (let i = 0; i < k; i++) out.push((h1 + i * h2) % m)
      return out
    }
    const set = (filter: Filter, at: ReadonlyArray<number>) => {
      for (const bit of at) filter.bits[bit >>> 3]! |= 1 << (bit & 7)
    }
    const has = (filter: Filter, at: ReadonlyArray<number>) => at.every((bit) => (filter.bits[bit >>> 3]! & (1 << (bit & 7))) !== 0)
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        const timer = setInterval(() => {
          previous = current
          current = next
          next = empty()
        }, options.ttl * 1000)
        timer.unref()
        return timer
      }),
      (timer) => Effect.sync(() => clearInterval(timer))
    )
    const check = (elem: string) => {
      const at = positions(elem)
      return has(previous, at) || has(current, at)
    }
    const keys = options.token_keys
    return {
      add: (elems) => {
        for (const elem of elems) {
          const at = positions(elem)
          set(current, at)
          set(next, at)
        }
        return elems.length
      },
      check,
      rejects: (claims) => keys.some((key) => typeof claims[key] === "string" && check(`${key}-${claims[key] as string}`))
    }
  })

const MAX_BODY = 1024 * 1024

const readJson = (req: IncomingMessage): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(new Error("body too large"))
        req.destroy()
      } else chunks.push(c)
    })
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")))
      } catch (e) {
        reject(e)
      }
    })
    req.on("error", reject)
  })

const answer = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body)
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
  res.end(text)
}

/** The entries of a `{"elems": [...]}` body (strings only), or `undefined`. */
const elemsOf = (body: unknown): ReadonlyArray<string> | undefined => {
  const elems = typeof body === "object" && body !== null ? (body as { readonly elems?: unknown }).elems : undefined
  return Array.isArray(elems) && elems.every((e) => typeof e === "string") ? elems : undefined
}

/**
 * The revocation listener on `127.0.0.1:port`: `add` receives the entries, `check` answers
 * lookups. Closed with the scope; a port in use is a start error.
 */
export const listen = (
  port: number,
  add: (elems: ReadonlyArray<string>) => number,
  check: (elem: string) => boolean
): Effect.Effect<number, ConfigError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<{ readonly server: ReturnType<typeof createServer>; readonly port: number }, ConfigError>((resume) => {
      const server = createServer((req, res) => {
        if (req.method !== "POST" || (req.url !== "/add" && req.url !== "/check")) return answer(res, 404, { error: "POST /add or /check" })
        readJson(req).then((body) => {
          const elems = elemsOf(body)
          if (elems === undefined) return answer(res, 400, { error: "expected {\"elems\": [\"<claim>-<value>\", ...]}" })
          return req.url === "/add" ? answer(res, 200, { count: add(elems) }) : answer(res, 200, { checks: elems.map(check) })
        }, () => answer(res, 400, { error: "expected a JSON body" }))
      })
      server.once("error", (e) =>
        resume(Effect.fail(new ConfigError({
          issues: [{ path: "$.extra_config[\"auth/revoker\"].port", message: `cannot listen on 127.0.0.1:${port}: ${e.message}` }]
        }))))
      server.listen(port, "127.0.0.1", () => {
        const address = server.address()
        resume(Effect.succeed({ server, port: typeof address === "object" && address !== null ? address.port : port }))
      })
    }),
    ({ server }) =>
      Effect.callback<void>((resume) => {
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ port: bound }) => bound))

/** The message a primary sends its workers for every addition (`replay`: the answer to `ready`). */
interface AddMessage {
  readonly sluice: "revoker/add"
  readonly elems: ReadonlyArray<string>
  readonly replay?: boolean
}

/** A worker's request for the entries still alive, before it serves. */
interface ReadyMessage {
  readonly sluice: "revoker/ready"
}

const isAdd = (m: unknown): m is AddMessage =>
  typeof m === "object" && m !== null && (m as { readonly sluice?: unknown }).sluice === "revoker/add" &&
  Array.isArray((m as { readonly elems?: unknown }).elems)

/** How long a worker waits for its primary's replay before it serves anyway. */
const REPLAY_WAIT_MS = 5_000

/**
 * The revoker of a serving process: in a cluster worker it is fed by the primary; otherwise it
 * listens itself. `undefined` without `auth/revoker`.
 */
export const fromConfig = (options: RevokerOptions | undefined): Effect.Effect<Revoker | undefined, ConfigError, Scope.Scope> =>
  options === undefined ? Effect.succeed(undefined) : Effect.gen(function*() {
    const revoker = yield* make(options)
    if (cluster.isWorker) {
      // Subscribe, then ask the primary for the entries still alive and wait for them: the
      // worker only serves once it refuses every revoked token.
      yield* Effect.acquireRelease(
        Effect.callback<(m: unknown) => void>((resume) => {
          let replayed = false
          const onMessage = (m: unknown) => {
            if (!isAdd(m)) return
            revoker.add(m.elems)
            if (m.replay === true && !replayed) {
              replayed = true
              clearTimeout(timer)
              resume(Effect.succeed(onMessage))
            }
          }
          const timer = setTimeout(() => {
            replayed = true
            resume(Effect.succeed(onMessage))
          }, REPLAY_WAIT_MS)
          process.on("message", onMessage)
          process.send?.({ sluice: "revoker/ready" } satisfies ReadyMessage)
        }),
        (onMessage) => Effect.sync(() => process.off("message", onMessage))
      )
    } else {
      const port = yield* listen(options.port, revoker.add, revoker.check)
      yield* Effect.logInfo(`[SERVICE: Bloomfilter] revocations on http://127.0.0.1:${port} (POST /add, /check)`)
    }
    return revoker
  })

/**
 * The primary of a cluster: listens for revocations and forwards each to every worker; entries
 * still alive (younger than `3·TTL`) are replayed to a worker when it starts. Returns the hook
 * the supervisor calls for each new worker.
 */
export const primary = (
  options: RevokerOptions | undefined
): Effect.Effect<((worker: Worker) => void) | undefined, ConfigError, Scope.Scope> =>
  options === undefined ? Effect.succeed(undefined) : Effect.gen(function*() {
    const log: Array<{ readonly elem: string; readonly at: number }> = []
    const live = () => {
      const horizon = Date.now() - 3 * options.ttl * 1000
      while (log.length > 0 && log[0]!.at < horizon) log.shift()
      return log.map((e) => e.elem)
    }
    // a worker gets additions once its revoker asked for the replay; before, they wait in the log
    const ready = new Set<Worker>()
    const send = (worker: Worker, elems: ReadonlyArray<string>) => {
      if (worker.isConnected()) worker.send({ sluice: "revoker/add", elems } satisfies AddMessage)
    }
    const shadow = yield* make(options) // answers /check in the primary
    const port = yield* listen(options.port, (elems) => {
      const at = Date.now()
      for (const elem of elems) log.push({ elem, at })
      shadow.add(elems)
      for (const worker of ready) send(worker, elems)
      return elems.length
    }, shadow.check)
    yield* Effect.logInfo(`[SERVICE: Bloomfilter] revocations on http://127.0.0.1:${port} (POST /add, /check), forwarded to every worker`)
    return (worker: Worker) => {
      worker.on("message", (m: unknown) => {
        if (typeof m !== "object" || m === null || (m as { readonly sluice?: unknown }).sluice !== "revoker/ready") return
        ready.add(worker)
        if (worker.isConnected()) worker.send({ sluice: "revoker/add", elems: live(), replay: true } satisfies AddMessage)
      })
      worker.once("exit", () => ready.delete(worker))
    }
  })
