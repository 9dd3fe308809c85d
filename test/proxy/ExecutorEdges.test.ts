/**
 * Executor edges: interim (1xx) answers before the final one, a call still queued for a
 * connection when its deadline passes, a redirect whose body never ends.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BackendError } from "../../src/proxy/ProxyError.ts"
import * as Transport from "../../src/proxy/Transport.ts"
import * as Backend from "../support/Backend.ts"
import { backend, callBackend, endpoint, request, service, success, transportOptions } from "./Fixtures.ts"
import * as Factory from "../../src/proxy/Factory.ts"

const readAll = async (io: NodeJS.ReadableStream | undefined): Promise<string> => {
  const chunks: Array<Buffer> = []
  for await (const c of io!) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString()
}

describe("Executor edges", () => {
  let hints: Backend.Backend
  let slow: Backend.Backend
  beforeAll(async () => {
    hints = await Backend.start((_req, res) => {
      res.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" })
      setTimeout(() => Backend.json(res, 200, { final: true }), 10)
    })
    slow = await Backend.start((req, res) => {
      if (req.url === "/hold") return setTimeout(() => Backend.json(res, 200, { held: true }), 1_500)
      if (req.url === "/endless-redirect") { // a redirect whose body never ends
        res.writeHead(302, { location: "/final", "content-type": "text/plain" })
        const timer = setInterval(() => res.write("x".repeat(1024)), 10)
        return res.once("close", () => clearInterval(timer))
      }
      if (req.url === "/final") return Backend.json(res, 200, { final: true })
      Backend.json(res, 200, { quick: true })
    })
  })
  afterAll(async () => {
    await hints.close()
    await slow.close()
  })

  it("a 103 Early Hints before the answer is skipped: json gets the final answer", async () => {
    const res = success(await callBackend({ host: [hints.url], url_pattern: "/" }))
    expect(res.data).toEqual({ final: true })
  })

  it("a 103 Early Hints before the answer is skipped: no-op streams the final status and body", async () => {
    const res = success(await callBackend({ host: [hints.url], url_pattern: "/", encoding: "no-op" }))
    expect(res.metadata.status).toBe(200)
    expect(JSON.parse(await readAll(res.io))).toEqual({ final: true })
  })

  it("a call queued behind a busy connection times out at its own deadline, not when the connection frees", async () => {
    // one connection to the origin: /hold keeps it for 1.5 s, the second call waits in undici's queue
    const options: Transport.TransportOptions = { ...transportOptions, connections: 1 }
    const outcome = await Effect.runPromise(
      Effect.scoped(
        Effect.provide(
          Effect.gen(function* () {
            const svc = service()
            const hold = yield* Factory.makeEndpointProxy(endpoint([backend({ host: [slow.url], url_pattern: "/hold" })]), svc)
            const quick = yield* Factory.makeEndpointProxy(endpoint([backend({ host: [slow.url], url_pattern: "/quick" })]), svc)
            const held = yield* Effect.forkChild(hold(request({ deadline: Date.now() + 3_000 })))
            yield* Effect.sleep(50)
            const started = Date.now()
            const exit = yield* Effect.exit(quick(request({ deadline: Date.now() + 200 })))
            const elapsed = Date.now() - started
            yield* Fiber.await(held)
            return { exit, elapsed }
          }),
          Transport.layer(options)
        )
      )
    )
    expect(Exit.isFailure(outcome.exit)).toBe(true)
    if (Exit.isFailure(outcome.exit)) {
      const error = outcome.exit.cause.reasons.find((r) => r._tag === "Fail")
      expect((error as { readonly error: BackendError } | undefined)?.error.reason).toBe("Timeout")
    }
    expect(outcome.elapsed).toBeLessThan(1_000)
  })

  it.each(["json", "no-op"] as const)("%s: a redirect whose body never ends is followed at once, not at the deadline", async (encoding) => {
    const started = Date.now()
    const res = success(await callBackend({ host: [slow.url], url_pattern: "/endless-redirect", encoding }, { deadline: Date.now() + 5_000 }))
    expect(Date.now() - started).toBeLessThan(2_000)
    if (encoding === "json") expect(res.data).toEqual({ final: true })
    else expect(JSON.parse(await readAll(res.io))).toEqual({ final: true })
  })
})
