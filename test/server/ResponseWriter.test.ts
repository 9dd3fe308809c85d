/**
 * The fast path's response writer (`src/server/ResponseWriter.ts`) on a real `node:http` server:
 * a piped Node stream's bytes against its `Content-Length`. A mismatch fails the write with the
 * mismatch (so it is reported as the platform reports it) and closes the connection after what was
 * written; a source that already ended is a mismatch too, never a head left waiting for its body.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { once } from "node:events"
import { createServer, type Server } from "node:http"
import * as Net from "node:net"
import { Readable } from "node:stream"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Bodiless } from "../../src/server/BodilessRequest.ts"
import { handleResponse } from "../../src/server/ResponseWriter.ts"

const ended = async (): Promise<Readable> => {
  const source = Readable.from([Buffer.from("gone")])
  source.resume()
  await once(source, "end")
  return source
}

const bodies: Record<string, () => Promise<[Readable, string]>> = {
  "/exact": async () => [Readable.from([Buffer.from("raw")]), "3"],
  "/long": async () => [Readable.from([Buffer.from("raw"), Buffer.from(" bytes")]), "5"],
  "/short": async () => [Readable.from([Buffer.from("raw")]), "10"],
  "/ended": async () => [await ended(), "5"]
}

/** How the write ended: success, or the failure's message as the writer reports it. */
const outcome = (exit: Exit.Exit<unknown, unknown>): string => {
  if (Exit.isSuccess(exit)) return "success"
  const failure = Cause.squash(exit.cause) as { reason?: { cause?: { message?: string } }; message?: string }
  return failure.reason?.cause?.message ?? failure.message ?? "failure"
}

let server: Server
let port = 0
const outcomes = new Map<string, Promise<string>>()

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? "/"
    outcomes.set(path, bodies[path]!().then(([source, length]) =>
      Effect.runPromiseExit(
        handleResponse(new Bodiless(req, res), HttpServerResponse.raw(source, { headers: { "content-length": length } }))
      ).then(outcome)
    ))
  })
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  port = (server.address() as Net.AddressInfo).port
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** One request; what arrived and whether the server closed the connection (else quiet for 300 ms). */
const exchange = (path: string): Promise<{ readonly body: string; readonly closed: boolean }> =>
  new Promise((resolve) => {
    const socket = Net.connect(port, "127.0.0.1")
    let text = ""
    const done = (closed: boolean) => {
      clearTimeout(quiet)
      socket.destroy()
      resolve({ body: text.slice(text.indexOf("\r\n\r\n") + 4), closed })
    }
    const quiet = setTimeout(() => done(false), 300)
    socket.on("data", (d: Buffer) => (text += d.toString("latin1")))
    socket.on("close", () => done(true))
    socket.on("error", () => undefined)
    socket.write(`GET ${path} HTTP/1.1\r\nHost: gw.test\r\n\r\n`)
  })

describe("ResponseWriter: a piped body against its Content-Length", () => {
  it("the exact length: the answer ends and the connection stays open", async () => {
    expect(await exchange("/exact")).toEqual({ body: "raw", closed: false })
    expect(await outcomes.get("/exact")).toBe("success")
  })

  it.each([
    ["a byte too many", "/long"],
    ["bytes missing", "/short"],
    ["a source that already ended", "/ended"]
  ])("%s: what fits is sent, the connection closes, the write fails with the mismatch", async (_, path) => {
    const got = await exchange(path)
    expect(got.closed).toBe(true)
    expect(got.body).toBe(path === "/ended" ? "" : "raw")
    expect(await outcomes.get(path)).toMatch(/doesn't match content-length/)
  })
})
