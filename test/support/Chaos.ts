/**
 * Misbehaving peers on raw `node:net` sockets, for the reliability checklist
 * (`../shared/design/RELIABILITY.md`): a raw client that writes exact bytes and collects
 * everything the server answers until it closes the connection, slow clients (slowloris, slow
 * POST), and raw backends that answer exact bytes.
 */
import * as Net from "node:net"

/** What a raw exchange produced. */
export interface RawExchange {
  /** Every byte the server sent, as latin1 text. */
  readonly text: string
  /** The status codes of every response in `text` (pipelined answers give several). */
  readonly statuses: ReadonlyArray<number>
  /** `true` when the server closed (or reset) the connection before `waitMs` passed. */
  readonly closedByServer: boolean
}

/** Status codes of every HTTP/1.x status line in a byte stream. */
export const statuses = (text: string): ReadonlyArray<number> =>
  [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]))

/**
 * Opens a connection, writes `chunks` (strings are latin1, written one after the other with
 * `gapMs` between them) and collects the answer until the server closes the connection or
 * `waitMs` passes after the last write.
 */
export const exchange = (
  port: number,
  chunks: ReadonlyArray<string | Buffer>,
  options: { readonly waitMs?: number; readonly gapMs?: number } = {}
): Promise<RawExchange> =>
  new Promise((resolve, reject) => {
    const waitMs = options.waitMs ?? 1_500
    const socket = Net.connect(port, "127.0.0.1")
    const received: Array<Buffer> = []
    let timer: NodeJS.Timeout | undefined
    let done = false
    const finish = (closedByServer: boolean) => {
      if (done) return
      done = true
      if (timer !== undefined) clearTimeout(timer)
      socket.destroy()
      const text = Buffer.concat(received).toString("latin1")
      resolve({ text, statuses: statuses(text), closedByServer })
    }
    socket.on("data", (d: Buffer) => received.push(d))
    socket.on("close", () => finish(true))
    socket.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ECONNRESET" || e.code === "EPIPE") finish(true)
      else if (!done) {
        done = true
        reject(e)
      }
    })
    socket.on("connect", async () => {
      for (let i = 0; i < chunks.length; i++) {
        if (done) return
        const chunk = chunks[i]!
        socket.write(typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk)
        if (options.gapMs !== undefined && i < chunks.length - 1) await new Promise((r) => setTimeout(r, options.gapMs))
      }
      timer = setTimeout(() => finish(false), waitMs)
    })
  })

/** A slow client: connected, it wrote a prefix and then trickles one byte every `everyMs`. */
export interface SlowClient {
  /** Resolves with the time the server closed the connection. */
  readonly closed: Promise<number>
  /** Everything the server sent. */
  readonly received: () => string
  readonly destroy: () => void
}

/**
 * Opens a slow client: writes `prefix` at once, then `trickle` one byte at a time every
 * `everyMs` (cycling), until the server closes the connection or `destroy` is called.
 */
export const slowClient = (port: number, prefix: string, trickle: string, everyMs: number): SlowClient => {
  const socket = Net.connect(port, "127.0.0.1")
  let text = ""
  let i = 0
  let interval: NodeJS.Timeout | undefined
  const closed = new Promise<number>((resolve) => {
    socket.on("close", () => {
      if (interval !== undefined) clearInterval(interval)
      resolve(Date.now())
    })
  })
  socket.on("error", () => undefined)
  socket.on("data", (d: Buffer) => (text += d.toString("latin1")))
  socket.on("connect", () => {
    socket.write(prefix)
    interval = setInterval(() => {
      if (socket.destroyed) return
      socket.write(trickle.charAt(i % trickle.length))
      i++
    }, everyMs)
  })
  return {
    closed,
    received: () => text,
    destroy: () => {
      if (interval !== undefined) clearInterval(interval)
      socket.destroy()
    }
  }
}

/** A raw backend that answers every connection with fixed bytes and counts connections. */
export interface RawBackend {
  readonly url: string
  readonly port: number
  /** Number of connections accepted. */
  readonly connections: () => number
  /** Every chunk received, as latin1 text. */
  readonly received: Array<string>
  readonly close: () => Promise<void>
}

/**
 * Starts a raw backend. `onRequest` runs once the request head (up to the blank line) arrived,
 * with the socket and the head; it writes whatever bytes the fault needs.
 */
export const rawBackend = (onRequest: (socket: Net.Socket, head: string) => void): Promise<RawBackend> =>
  new Promise((resolve) => {
    const received: Array<string> = []
    const sockets = new Set<Net.Socket>()
    let count = 0
    const server = Net.createServer((socket) => {
      count++
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
      socket.on("error", () => undefined)
      let buffered = ""
      let answered = false
      socket.on("data", (d: Buffer) => {
        const s = d.toString("latin1")
        received.push(s)
        buffered += s
        if (!answered && buffered.includes("\r\n\r\n")) {
          answered = true
          onRequest(socket, buffered)
        }
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as Net.AddressInfo).port
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        connections: () => count,
        received,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          })
      })
    })
  })

/** Answers a raw response with `head` lines and `body`, then ends the socket. */
export const answer = (socket: Net.Socket, head: ReadonlyArray<string>, body: string): void => {
  socket.end(`${head.join("\r\n")}\r\n\r\n${body}`)
}
