/**
 * One exchange with a backend through undici's `dispatch` (no promise, no `AbortSignal`
 * listener, no `BodyReadable` per call — the cheapest undici API). The answer is handed on in a
 * microtask, never inside undici's parser callback, where the request's continuation (which may
 * call another backend) would run re-entrantly. Interim answers (1xx) are skipped. A redirect to
 * follow hands on no body: a short one (at most 2 KiB announced, Go's client reads 2 KiB) is read
 * and dropped, a longer or unsized one is aborted with its connection at once.
 *
 * A buffered exchange hands on the whole body as a `Buffer`, up to its size limit: a body that
 * announces more fails at once, before any byte is read, and one that grows past it is aborted
 * there (RELIABILITY U9: a huge JSON answer costs no more memory than the limit). A streamed one
 * (`no-op`, no limit) hands on a
 * `BodyStream.Whole` when the head announced at most `SMALL_BODY` bytes (not for HEAD, 204 or 304),
 * else a `BodyStream.Live` as soon as the head is there.
 *
 * @since 0.1.0
 */
import type { IncomingHttpHeaders } from "node:http"
import type { Readable } from "node:stream"
import type { Agent, Dispatcher } from "undici"
import * as BodyStream from "./BodyStream.ts"

/** The error a cancelled call is aborted with (undici's own code for an abort). */
export const abortError = Object.assign(new Error("request aborted"), { code: "UND_ERR_ABORTED", name: "AbortError" })

/**
 * Cancels one backend call: the deadline timer and interruption both fire it; it aborts the
 * exchange that has started, or the one that starts later.
 */
export class Cancel {
  fired = false
  controller: Dispatcher.DispatchController | undefined = undefined
  fire(): void {
    if (this.fired) return
    this.fired = true
    this.controller?.abort(abortError)
  }
  attach(controller: Dispatcher.DispatchController): void {
    this.controller = controller
    if (this.fired) controller.abort(abortError)
  }
}

/** The code of the error a buffered body past its limit fails with. */
export const TOO_LARGE = "SLUICE_RESPONSE_TOO_LARGE"

const tooLarge = (limit: number) =>
  Object.assign(new Error(`the response body exceeds ${limit} bytes`), { code: TOO_LARGE })

/** A redirect status (301, 302, 303, 307, 308). */
export const isRedirect = (status: number): boolean => status === 301 || status === 302 || status === 303 || status === 307 || status === 308

/** The first value of a header. */
export const firstHeader = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name]
  return Array.isArray(v) ? v[0] : v
}

/** A redirect body read before following is at most this long (Go's client reads 2 KiB). */
const REDIRECT_BODY = 2 * 1024

/** What an exchange hands on. */
export interface Answer {
  readonly statusCode: number
  readonly headers: IncomingHttpHeaders
  /** A `Buffer` (buffered), a stream (`no-op`), or `undefined`: a redirect to follow. */
  readonly body: Buffer | Readable | undefined
}

/** The received chunks as one buffer (the only chunk as is). */
const joined = (chunks: ReadonlyArray<Buffer>, size: number): Buffer => (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))

/**
 * Runs one exchange; `done` gets the answer, `failed` an error before there is one. `limit`:
 * the size limit of a buffered body; `undefined` streams it (`no-op`).
 */
export const exchange = (
  dispatcher: Agent,
  opts: Dispatcher.DispatchOptions,
  cancel: Cancel,
  limit: number | undefined,
  done: (answer: Answer) => void,
  failed: (error: unknown) => void
): void => {
  const stream = limit === undefined
  let statusCode = 0
  let headers: IncomingHttpHeaders = {}
  const chunks: Array<Buffer> = []
  let size = 0
  let collect = !stream // the body is kept: always when buffered, when small enough for `no-op`
  let live: BodyStream.Live | undefined
  let left = false // handed on before the end: a redirect whose body is dropped
  const hand = (body: Answer["body"]) => queueMicrotask(() => done({ statusCode, headers, body }))
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart: (controller) => cancel.attach(controller),
    onResponseStart: (controller, status, responseHeaders) => {
      if (status < 200) return // an interim answer (100, 103): the final one follows
      statusCode = status
      headers = responseHeaders
      const length = Number(firstHeader(responseHeaders, "content-length"))
      if (isRedirect(status) && firstHeader(responseHeaders, "location") !== undefined) {
        collect = false
        if (length <= REDIRECT_BODY) return
        left = true
        controller.abort(abortError)
        return hand(undefined)
      }
      if (!stream) {
        if (length > limit!) {
          left = true
          controller.abort(tooLarge(limit!))
          queueMicrotask(() => failed(tooLarge(limit!)))
        }
        return
      }
      const bodied = opts.method !== "HEAD" && status !== 204 && status !== 304
      collect = bodied && length > 0 && length <= BodyStream.SMALL_BODY
      if (collect) return
      live = new BodyStream.Live(controller, abortError, bodied && Number.isSafeInteger(length) && length >= 0 ? length : undefined)
      live.on("error", () => undefined) // a broken stream is the consumer's concern, never an unhandled error
      hand(live)
    },
    onResponseData: (controller, chunk) => {
      if (live !== undefined) live.chunk(chunk)
      else if (collect) {
        size += chunk.length
        if (!stream && size > limit!) {
          collect = false
          left = true
          chunks.length = 0
          controller.abort(tooLarge(limit!))
          queueMicrotask(() => failed(tooLarge(limit!)))
          return
        }
        chunks.push(chunk)
      }
    },
    onResponseEnd: () => {
      if (left) return
      if (live !== undefined) return live.end()
      if (!collect) return hand(undefined) // a short redirect body, read and dropped
      const body = joined(chunks, size)
      hand(stream ? new BodyStream.Whole(body) : body)
    },
    onResponseError: (_controller, error) => {
      if (left) return
      if (live !== undefined) live.destroy(error)
      // a `no-op` body read whole broke after some bytes: answered as a stream that breaks, like any other
      else if (stream && collect && chunks.length > 0) hand(BodyStream.broken(chunks, error))
      else queueMicrotask(() => failed(error))
    }
  }
  try {
    dispatcher.dispatch(opts, handler)
  } catch (error) {
    queueMicrotask(() => failed(error)) // invalid options: reported like any failure
  }
}
