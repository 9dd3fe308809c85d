/**
 * `modifier/lua-proxy` (endpoint, around the merge) and `modifier/lua-backend` (backend, around
 * the call, after the URL is fixed): krakend-lua's `proxy/proxy.go` (SCRIPTING.md §1.4). The
 * sources run, then `pre` on `request`; then the pipe below (unless `skip_next`: an empty,
 * incomplete answer); then `post` on `request` and `response`. `post` does not run when the
 * pipe below failed (a partial merge included, as lura returns an error with it). A script's
 * error fails the stage: `custom_error`'s status and content type, else 500, the text as
 * `msg (file:Ln)` (the body only with `return_error_msg`).
 *
 * @since 0.3.0
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { Readable } from "node:stream"
import type { LuaConfig } from "../../config/Model.ts"
import { encodeQuery } from "../../proxy/HostSelection.ts"
import type { Middleware, Proxy, ProxyRequest, ProxyResponse } from "../../proxy/Proxy.ts"
import { ModifierError } from "../../proxy/ProxyError.ts"
import * as Incoming from "../../router/Incoming.ts"
import * as Runner from "./Runner.ts"
import * as Script from "./Script.ts"
import * as Vm from "./Vm.ts"
import * as NullRecord from "../../NullRecord.ts"

const empty = new Uint8Array(0)

/** The answer of a skipped `next` (krakend-lua: no data, incomplete, status 0). */
const skipped = (): ProxyResponse => ({
  data: NullRecord.make(),
  isComplete: false,
  metadata: { status: 0, headers: {} },
  io: undefined,
  errors: []
})

const toError = (e: Runner.RunError): ModifierError =>
  new ModifierError({
    message: e.message,
    status: e.status === undefined || e.status < 0 ? 500 : e.status,
    ...(e.contentType === undefined ? {} : { contentType: e.contentType })
  })

/** Go's `url.ParseQuery` then `Encode`: the pairs, sorted by name (the router's own query reading). */
const parseQuery = Incoming.queryFilter(["*"])

const pushRequest = (vm: Vm.Vm, req: ProxyRequest, uses: Script.Uses): void => {
  vm.table()
  vm.setString("method", req.method)
  vm.setString("path", req.path)
  vm.setString("url", req.url ?? "")
  if (uses.query) vm.setString("query", encodeQuery(req.query))
  if (uses.params) vm.setStringMap("params", req.params)
  if (uses.headers) vm.setListMap("headers", req.headers)
  if (uses.body) vm.setBytes("body", req.body ?? empty)
}

/** The request after a run (the state table at index 1). */
const readRequest = (vm: Vm.Vm, req: ProxyRequest, uses: Script.Uses, level: "proxy" | "backend"): ProxyRequest => {
  if (!vm.readBoolean(1, "dirty")) return req
  const out: { -readonly [K in keyof ProxyRequest]: ProxyRequest[K] } = { ...req }
  out.method = vm.readString(1, "method") ?? req.method
  out.path = vm.readString(1, "path") ?? req.path
  // at proxy level the URL is not built yet (lura's request builder overwrites it)
  if (level === "backend") out.url = vm.readString(1, "url") ?? req.url
  if (uses.query) {
    const query = vm.readString(1, "query")
    if (query !== undefined && query !== encodeQuery(req.query)) out.query = parseQuery(query)
  }
  if (uses.params) {
    const idx = vm.open(1, "params")
    if (idx !== undefined) {
      out.params = vm.readStringMap(idx)
      vm.close(idx)
    }
  }
  if (uses.headers) {
    const idx = vm.open(1, "headers")
    if (idx !== undefined) {
      out.headers = vm.readListMap(idx)
      vm.close(idx)
    }
  }
  if (vm.readBoolean(1, "bodySet")) out.body = vm.readBytes(1, "body")
  return out
}

const pushResponse = (vm: Vm.Vm, res: ProxyResponse, body: Uint8Array | undefined, uses: Script.Uses): void => {
  vm.table()
  vm.setBoolean("complete", res.isComplete)
  vm.setNumber("status", res.metadata.status)
  if (uses.headers) vm.setListMap("headers", res.metadata.headers)
  if (uses.data) vm.setJson("data", res.data)
  if (body !== undefined) vm.setBytes("body", body)
  vm.nest("response")
}

const readResponse = (vm: Vm.Vm, res: ProxyResponse, uses: Script.Uses): ProxyResponse => {
  const r = vm.open(1, "response")
  if (r === undefined) return res
  try {
    if (!vm.readBoolean(r, "dirty")) return res
    const out: { -readonly [K in keyof ProxyResponse]: ProxyResponse[K] } = { ...res }
    out.isComplete = vm.readBoolean(r, "complete")
    const status = vm.readNumber(r, "status") ?? res.metadata.status
    let headers = res.metadata.headers
    if (uses.headers) {
      const idx = vm.open(r, "headers")
      if (idx !== undefined) {
        headers = vm.readListMap(idx)
        vm.close(idx)
      }
    }
    out.metadata = { status, headers }
    if (uses.data && vm.readBoolean(r, "dataUsed") && vm.readBoolean(r, "written")) {
      const idx = vm.open(r, "data")
      if (idx !== undefined) {
        const data = vm.readJson(idx)
        vm.close(idx)
        if (typeof data === "object" && data !== null && !Array.isArray(data)) out.data = data as Record<string, unknown>
      }
    }
    if (vm.readBoolean(r, "bodySet")) {
      const bytes = vm.readBytes(r, "body") ?? empty
      out.io = Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)])
    }
    return out
  } finally {
    vm.close(r)
  }
}

/** Host work on the VM (pushing, reading back): data it cannot carry fails the stage. */
const host = <A>(f: () => A): Effect.Effect<A, Runner.RunError> =>
  Effect.try({
    try: f,
    catch: (error) => ({ message: error instanceof Vm.DataError ? `lua: ${error.message}` : `lua: ${String(error)}` })
  })

const readAll = (io: Readable): Effect.Effect<Uint8Array> =>
  Effect.promise(async () => {
    const chunks: Array<Buffer> = []
    for await (const chunk of io) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string))
    return new Uint8Array(Buffer.concat(chunks))
  })

/** Builds the stage of one Lua namespace at proxy or backend level. */
export const make = (
  config: LuaConfig,
  level: "proxy" | "backend",
  limits: Runner.Bounds
): Effect.Effect<Middleware, import("../../config/ConfigError.ts").ConfigError, Scope.Scope> =>
  Effect.map(Runner.forConfig(config, limits), (pool): Middleware => {
      const { cpuMs, memory } = limits
      // the VM is held from pre to post; released at once after pre when there is no post
      const stage = (next: Proxy, req: ProxyRequest, lease: Runner.Lease, release: Effect.Effect<void>) => {
        const { version } = lease
        const uses = version.preUses
        const postUses = version.postUses
        const preChunks = version.pre
        const pre = preChunks.length === 0
          ? Effect.succeed(req)
          : Effect.suspend(() => {
            pushRequest(lease.vm, req, uses)
            const status = lease.vm.start(lease.env, "request", preChunks, cpuMs, memory)
            return Effect.flatMap(Runner.drive(lease, status, req.deadline), () => host(() => readRequest(lease.vm, req, uses, level)))
          }).pipe(Effect.tap(() => Effect.sync(() => lease.vm.finish())))
        const call = (r: ProxyRequest) => (config.skip_next ? Effect.succeed(skipped()) : next(r))
        const post = (r: ProxyRequest, res: ProxyResponse) =>
          Effect.flatMap(postUses.body && res.io !== undefined ? readAll(res.io) : Effect.succeed(undefined), (body) =>
            Effect.flatMap(
              host(() => {
                pushRequest(lease.vm, r, postUses)
                pushResponse(lease.vm, body === undefined ? res : { ...res, io: undefined }, body, postUses)
                return lease.vm.start(lease.env, "request", ["post"], cpuMs, memory)
              }),
              (status) =>
                Effect.flatMap(Runner.drive(lease, status, r.deadline), () =>
                  host(() => {
                    const out = readResponse(lease.vm, res, postUses)
                    return body !== undefined && out.io === undefined ? { ...out, io: Readable.from([Buffer.from(body)]) } : out
                  }))
            ))
        // lura returns a partial merge with an error: krakend-lua's post does not run then
        return version.hasPost
          ? Effect.flatMap(pre, (r) => Effect.flatMap(call(r), (res) => (res.errors.length > 0 ? Effect.succeed(res) : post(r, res))))
          : Effect.flatMap(Effect.ensuring(pre, release), call)
      }
      return (next) => (req) => {
        let held: Runner.Lease | undefined
        const release = Effect.sync(() => {
          const lease = held
          if (lease === undefined) return
          held = undefined
          lease.vm.finish()
          pool.release(lease)
        })
        // acquired uninterruptibly (a VM handed to a waiter is never lost), released whatever happens
        return Effect.acquireUseRelease(
          Effect.tap(pool.acquire(req.deadline), (lease) => Effect.sync(() => (held = lease))),
          (lease) => stage(next, req, lease, release),
          () => release
        ).pipe(Effect.mapError((e) => ("_tag" in e ? e : toError(e))))
      }
    })
