/**
 * The response writer of Sluice's own path for bodiless HTTP/1.1 requests (`FastPath.ts`), with the
 * platform's semantics: HEAD and 1xx/204/304 without a body, 204's length dropped, cookies as
 * `Set-Cookie` lines, a Node stream's bytes checked against its `Content-Length`, an Effect stream
 * with backpressure, a failure before the head a 500 and after it an aborted connection.
 *
 * @since 0.4.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Cookies from "effect/http/Cookies"
import * as Headers from "effect/http/Headers"
import { causeResponse, HttpServerError, ResponseError } from "effect/http/HttpServerError"
import type * as Request from "effect/http/HttpServerRequest"
import * as Response from "effect/http/HttpServerResponse"
import * as Latch from "effect/Latch"
import * as Stream from "effect/Stream"
import type { ServerResponse } from "node:http"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { type Bodiless, headersProto } from "./BodilessRequest.ts"


const isFinal = (status: number): boolean => status >= 200 && status <= 599

const invalidStatus = (status: number): RangeError => new RangeError(`Invalid final response status: ${status}`)

const writeHead = (res: ServerResponse, response: Response.HttpServerResponse, headers: Headers.Headers): void => {
  if (!isFinal(response.status)) throw invalidStatus(response.status)
  res.writeHead(response.status, response.statusText, headers as unknown as Record<string, string>)
}

const cancelBody = (body: Response.HttpServerResponse["body"]): Effect.Effect<void> => {
  const stream = body._tag === "Raw" ? body.body : undefined
  return stream instanceof Readable ? Effect.sync(() => stream.destroy()) : Effect.void
}

const internalServerError = Response.empty({ status: 500 })

/** A failure: the head if none went out (a 500 or the failure's answer), else the connection aborted. */
const failed = (res: ServerResponse, original: Response.HttpServerResponse) => (originalCause: Cause.Cause<unknown>) =>
  Effect.flatMap(causeResponse(originalCause), ([answer, cause]) => {
    const headersSent = res.headersSent
    let abort = headersSent
    if (!headersSent) {
      let response = answer
      if (!isFinal(response.status)) {
        cause = Cause.combine(cause, Cause.die(invalidStatus(response.status)))
        response = internalServerError
      }
      try {
        writeHead(res, response, Headers.empty)
      } catch {
        abort = true
      }
    }
    if (!res.writableEnded) {
      if (abort) res.destroy()
      else res.end()
    }
    return Effect.failCause(headersSent ? Cause.combine(originalCause, Cause.die(original)) : cause)
  })

/** Ends the answer and waits until it is flushed (or the connection is gone). */
const endAndAwait = (res: ServerResponse, chunk?: string | Uint8Array): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    if (res.destroyed) return resume(Effect.void)
    let completed = false
    const done = () => {
      if (completed) return
      completed = true
      res.off("close", done)
      resume(Effect.void)
    }
    res.once("close", done)
    if (chunk === undefined) res.end(done)
    else res.end(chunk, done)
  })

const end = (res: ServerResponse, response: Response.HttpServerResponse, chunk?: string | Uint8Array): Effect.Effect<void, unknown> => {
  try {
    if (chunk === undefined) res.end()
    else res.end(chunk)
    return Effect.void
  } catch (defect) {
    return failed(res, response)(Cause.die(defect))
  }
}

/**
 * Pipes `readable` into the answer, its bytes checked against a `Content-Length`. The platform puts
 * a `Transform` between the two for the check; here it is a counter on the source's own `data` and
 * `end` events, registered before the pipe's, so a byte too many or too few destroys the answer
 * before the pipe writes or ends it (Node's own check, which throws from inside the pipe, is off
 * for this answer), and the write fails with the mismatch. A third stream per answer was measured
 * to keep the young generation's objects alive: with it, after the JSON route had run, the 1 MiB
 * `no-op` route promoted 13–20 KB per request to the old generation (RSS 264 MB); without it
 * 0.1–0.2 KB (220 MB): `npm run bench:gc`.
 */
const pipeTo = (readable: NodeJS.ReadableStream, res: ServerResponse, headers: Headers.Headers, signal: AbortSignal): Promise<void> => {
  const length = headers["content-length"]
  if (typeof length !== "string") return pipeline(readable, res, { signal })
  const expected = Number(length)
  let written = 0
  let mismatch: Error | undefined
  // what was written so far leaves first (Node holds the head corked until the next tick)
  const abort = () => {
    mismatch ??= new Error(`Response body doesn't match content-length of ${length}`)
    res.socket?.uncork()
    res.destroy(mismatch)
  }
  res.strictContentLength = false
  // a source that already ended emits no `end` for the counter: nothing more of it is coming
  if ((readable as { readableEnded?: boolean }).readableEnded === true) {
    if (expected !== 0) abort()
  } else {
    readable.on("data", (chunk: Buffer | string) => {
      written += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length
      if (written > expected) abort()
    })
    readable.once("end", () => {
      if (written !== expected) abort()
    })
  }
  // the pipe may still end the destroyed answer without an error: the mismatch is the outcome
  return pipeline(readable, res, { signal }).then(
    () => (mismatch === undefined ? undefined : Promise.reject(mismatch)),
    (cause: unknown) => Promise.reject(mismatch ?? cause)
  )
}

const write = (
  request: Bodiless,
  response: Response.HttpServerResponse,
  res: ServerResponse,
  headers: Headers.Headers
): Effect.Effect<unknown, unknown> => {
  if (res.destroyed) return cancelBody(response.body)
  if (request.method === "HEAD") {
    writeHead(res, response, headers)
    return Effect.andThen(cancelBody(response.body), endAndAwait(res))
  }
  if (Response.omitsBody(response)) {
    writeHead(res, response, headers)
    res.end()
    return cancelBody(response.body)
  }
  res.strictContentLength = true
  const body = response.body
  switch (body._tag) {
    case "Empty":
      writeHead(res, response, headers)
      return end(res, response)
    case "Uint8Array":
      writeHead(res, response, headers)
      // under 1 MB: the head and the body leave in one write, without waiting for the flush
      if (body.contentLength < 1024 * 1024) return end(res, response, body.text ?? body.body)
      return endAndAwait(res, body.text ?? body.body).pipe(Effect.tapCause(failed(res, response)))
    case "Raw": {
      const raw = body.body
      writeHead(res, response, headers)
      if (typeof raw === "object" && raw !== null && "pipe" in raw && typeof raw.pipe === "function") {
        return Effect.tryPromise({
          try: (signal) => pipeTo(raw as NodeJS.ReadableStream, res, headers, signal),
          catch: (cause) => new HttpServerError({ reason: new ResponseError({ request, response, description: "Error writing raw response", cause }) })
        }).pipe(Effect.interruptible, Effect.tapCause(failed(res, response)))
      }
      return endAndAwait(res, raw as string | Uint8Array).pipe(Effect.tapCause(failed(res, response)))
    }
    case "FormData": {
      const web = new globalThis.Response(body.formData)
      const formHeaders = Object.assign(Object.create(headersProto), headers, Object.fromEntries(web.headers)) as Headers.Headers
      writeHead(res, response, formHeaders)
      return Effect.tryPromise({
        try: (signal) => pipeTo(Readable.fromWeb(web.body as never), res, formHeaders, signal),
        catch: (cause) => new HttpServerError({ reason: new ResponseError({ request, response, description: "Error writing FormData response", cause }) })
      }).pipe(Effect.interruptible, Effect.tapCause(failed(res, response)))
    }
    case "Stream": {
      writeHead(res, response, headers)
      const drained = Latch.makeUnsafe()
      res.on("drain", () => drained.openUnsafe())
      return body.stream.pipe(
        Stream.orDie,
        Stream.runForEachArray((array) => {
          if (res.write(array.length > 1 ? Buffer.concat(array) : array[0]!)) return Effect.void
          drained.closeUnsafe()
          return drained.await
        }),
        Effect.interruptible,
        Effect.matchCauseEffect({ onSuccess: () => end(res, response), onFailure: failed(res, response) })
      )
    }
  }
}

/** Writes `response` to the Node answer of a `Bodiless` request (`HttpEffect.toHandled`'s writer). */
export const handleResponse = (request: Request.HttpServerRequest, response: Response.HttpServerResponse): Effect.Effect<unknown, unknown> => {
  const bodiless = request as Bodiless
  const res = bodiless.response
  if (res.writableEnded) return Effect.void
  let headers = response.headers
  if (response.status === 204 || response.status === 205) {
    const { "content-length": _, ...rest } = headers
    headers = rest as Headers.Headers
  }
  if (!Cookies.isEmpty(response.cookies)) {
    const out: Record<string, string | Array<string>> = { ...headers }
    const lines = Cookies.toSetCookieHeaders(response.cookies)
    const own = out["set-cookie"]
    if (own !== undefined) lines.push(...(Array.isArray(own) ? own : [own]))
    out["set-cookie"] = lines
    headers = out as unknown as Headers.Headers
  }
  try {
    return write(bodiless, response, res, headers)
  } catch (defect) {
    // `writeHead` throws on headers Node rejects and on statuses outside 200-599
    return Effect.andThen(cancelBody(response.body), failed(res, response)(Cause.die(defect)))
  }
}
