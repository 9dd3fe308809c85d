/**
 * The body stream of a `no-op` backend, fed by undici's `dispatch` callbacks (no promise, no
 * `AbortSignal`, no `BodyReadable` per call). A body that announces a `Content-Length` of at most
 * `SMALL_BODY` bytes is read whole before the answer goes on (`Whole`: the renderer writes it in
 * one piece with its length, skipping the stream pipeline); any other body is streamed as it
 * arrives (`Live`: undici is paused while the client is slower, and destroying the stream aborts
 * the backend request). A body read whole that breaks after some bytes is answered like a broken
 * stream (`broken`): the head goes out, then the client connection is aborted; one that breaks
 * before any byte is a backend error.
 *
 * @since 0.1.0
 */
import { Readable } from "node:stream"
import type { Dispatcher } from "undici"
import * as Identity from "../Identity.ts"

/** The largest announced body that is read whole (64 KiB). */
export const SMALL_BODY = 64 * 1024

/** A body read whole: its bytes, also readable as a stream. */
export class Whole extends Readable {
  readonly bytes: Uint8Array
  constructor(bytes: Uint8Array) {
    super()
    this.bytes = bytes
  }
  override _read(): void {
    if (this.bytes.byteLength > 0) this.push(this.bytes)
    this.push(null)
  }
}
Object.defineProperties(Whole.prototype, Identity.byReference)

/**
 * A body streamed from a dispatch: `push` from `onResponseData`, `end` from `onResponseEnd`.
 * `length` is the backend's `Content-Length` of a body-bearing answer, answered as is (undici
 * frames the body by it, and the platform checks the bytes written against it).
 */
export class Live extends Readable {
  readonly #controller: Dispatcher.DispatchController
  readonly #abortError: Error
  readonly length: number | undefined
  #complete = false
  constructor(controller: Dispatcher.DispatchController, abortError: Error, length?: number) {
    super()
    this.#controller = controller
    this.#abortError = abortError
    this.length = length
  }
  /** Hands a chunk on; pauses undici while the reader is behind. */
  chunk(chunk: Buffer): void {
    if (!this.push(chunk)) this.#controller.pause()
  }
  /** The backend finished the body. */
  end(): void {
    this.#complete = true
    this.push(null)
  }
  override _read(): void {
    this.#controller.resume()
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#complete) this.#controller.abort(error ?? this.#abortError)
    callback(error)
  }
}
Object.defineProperties(Live.prototype, Identity.byReference)

/**
 * A body that broke after its head and some bytes arrived (reset, deadline): those bytes, then `error`.
 * The answer's head goes out like a streamed one's and the client connection is aborted, so the
 * client sees the truncation (RELIABILITY U3) — never a complete message.
 */
export const broken = (chunks: ReadonlyArray<Buffer>, error: unknown): Readable => {
  let sent = false
  const cause = error instanceof Error ? error : new Error(String(error))
  return new Readable({
    read() {
      if (sent) return
      sent = true
      for (const chunk of chunks) this.push(chunk)
      // after the writes of this turn are flushed, so the head and the bytes reach the client
      setImmediate(() => this.destroy(cause))
    }
  })
}

/**
 * The announced length of a body streamed as the backend sent it (a `Live` stream with a
 * `Content-Length`); `undefined` for any other stream, e.g. one a modifier or a script replaced.
 */
export const lengthOf = (io: Readable): number | undefined => (io instanceof Live ? io.length : undefined)

/** The bytes of a body read whole, `undefined` for a live stream. */
export const bytesOf = (io: Readable | undefined): Uint8Array | undefined => (io instanceof Whole ? io.bytes : undefined)
