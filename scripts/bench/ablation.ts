/**
 * Where a proxied request's CPU goes between raw Node and Sluice: one `node:http` server, one
 * backend call per request through Sluice's own undici dispatch, and each path adds one layer of
 * what Sluice's request path has. Prints `port=<n>`; measure the paths side by side (interleaved
 * wrk runs, CPU per request from /proc, as `npm run bench` does).
 *
 *   BACKEND=http://127.0.0.1:8080 node scripts/bench/ablation.ts   # the backend answers /a/7
 *
 * - `/dispatch`: raw Node + `Dispatch.exchange`, the body answered as text;
 * - `/fiber`: + an Effect fiber running Sluice's `Executor` (its deadline timer, `Effect.callback`);
 * - `/context`: + the request as `HttpServerRequest` in the fiber's context, a plain response object;
 * - `/template`: + an `HttpServerResponse` made by `setBody` on a prebuilt template (what `Render` does);
 * - `/text`: + an `HttpServerResponse.text` per answer;
 * - `/platform`: `@effect/platform-node`'s request handler (what `sluice run` serves with) + `text`.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpBody from "effect/http/HttpBody"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Scope from "effect/Scope"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { Agent } from "undici"
import * as Dispatch from "../../src/proxy/Dispatch.ts"
import * as Executor from "../../src/proxy/Executor.ts"
import type { ProxyRequest } from "../../src/proxy/Proxy.ts"

const backend = process.env.BACKEND ?? "http://127.0.0.1:8080"
const agent = new Agent({ connections: 256 })
const execute = Executor.make(agent, { name: "a", buffer: true, acceptGzip: true, maxResponseSize: 10 << 20, keepAlive: true })
const contentType = "application/json; charset=utf-8"
const head = { "x-krakend": "Version 1", "x-krakend-completed": "true" }

const call = () => {
  const request: ProxyRequest = {
    method: "GET",
    path: "/",
    url: `${backend}/a/7`,
    query: [],
    params: {},
    headers: { "User-Agent": ["ablation"], "X-Forwarded-For": ["127.0.0.1"] },
    body: undefined,
    deadline: Date.now() + 2_000,
    clientIp: "127.0.0.1"
  }
  return Effect.map(execute(request), (r) => Buffer.from(r.body ?? new Uint8Array()).toString())
}

interface Plain {
  readonly status: number
  readonly headers: Record<string, string>
  readonly text: string
}
const template = HttpServerResponse.text("", { contentType, headers: head })
const answers = {
  context: (text: string): Plain => ({ status: 200, headers: { ...head, "content-type": contentType, "content-length": String(Buffer.byteLength(text)) }, text }),
  template: (text: string) => HttpServerResponse.setBody(template, HttpBody.text(text, contentType)),
  text: (text: string) => HttpServerResponse.text(text, { contentType, headers: head })
}
const app = <A>(answer: (text: string) => A) =>
  Effect.interruptible(Effect.flatMap(Effect.service(HttpServerRequest.HttpServerRequest), () => Effect.map(call(), answer)))
const apps = { context: app(answers.context), template: app(answers.template), text: app(answers.text) }

const write = (res: ServerResponse, status: number, headers: Record<string, string>, text: string) => {
  res.writeHead(status, headers)
  res.end(text)
}
const fail = (_req: IncomingMessage | undefined, res: ServerResponse) => {
  res.writeHead(500)
  res.end()
}

/** The request in the fiber's context, the answer written from what the fiber returns. */
const inContext = (effect: Effect.Effect<Plain | HttpServerResponse.HttpServerResponse, unknown, HttpServerRequest.HttpServerRequest>) =>
(req: IncomingMessage, res: ServerResponse) => {
  const request = { url: req.url, method: req.method, headers: req.headers, source: req } as unknown as HttpServerRequest.HttpServerRequest
  const fiber = Effect.runForkWith(Context.make(HttpServerRequest.HttpServerRequest, request))(effect)
  fiber.addObserver((exit) => {
    if (!Exit.isSuccess(exit)) return fail(req, res)
    const r = exit.value
    if ("text" in r) return write(res, r.status, r.headers, r.text)
    const body = r.body
    write(res, r.status, r.headers, body._tag === "Uint8Array" ? body.text ?? Buffer.from(body.body).toString() : "")
  })
}

const scope = Effect.runSync(Scope.make("parallel"))
const platform = Effect.runSync(NodeHttpServer.makeHandler(apps.text, { scope })) as (req: IncomingMessage, res: ServerResponse) => void
const handlers: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  "/dispatch": (_req, res) => {
    const timer = setTimeout(() => undefined, 2_000)
    Dispatch.exchange(agent, { origin: backend, path: "/a/7", method: "GET", headers: ["User-Agent", "ablation"] }, new Dispatch.Cancel(), 10 << 20, (a) => {
      clearTimeout(timer)
      const text = Buffer.from(a.body as Uint8Array).toString()
      write(res, 200, { ...head, "content-type": contentType, "content-length": String(Buffer.byteLength(text)) }, text)
    }, () => fail(undefined, res))
  },
  "/fiber": (_req, res) => {
    Effect.runFork(call()).addObserver((exit) =>
      Exit.isSuccess(exit)
        ? write(res, 200, { ...head, "content-type": contentType, "content-length": String(Buffer.byteLength(exit.value)) }, exit.value)
        : fail(undefined, res)
    )
  },
  "/context": inContext(apps.context),
  "/template": inContext(apps.template),
  "/text": inContext(apps.text),
  "/platform": platform
}

const server = createServer((req, res) => (handlers[req.url ?? ""] ?? fail)(req, res))
server.keepAliveTimeout = 65_000
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  console.log(`port=${typeof address === "object" && address !== null ? address.port : 0}`)
})
