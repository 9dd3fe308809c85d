/**
 * Loopback test backends. `start` runs a `node:http` server on 127.0.0.1 port 0 that records
 * every request (method, raw url, raw headers, body) and when its request/socket closed, then
 * calls the handler. `startRaw` runs a `node:net` server for byte-level faults.
 */
import * as Http from "node:http"
import * as Net from "node:net"

/** One request as the backend saw it. */
export interface RecordedRequest {
  readonly method: string
  /** The raw request target (`req.url`, not normalised). */
  readonly url: string
  readonly rawHeaders: ReadonlyArray<string>
  /** Lower-case header map. */
  readonly headers: Http.IncomingHttpHeaders
  readonly body: Buffer
  readonly receivedAt: number
  /** Resolves with the time the response/socket closed (before or after the answer ended). */
  readonly closed: Promise<number>
  /** `true` once the connection closed before the response finished (the caller aborted). */
  readonly aborted: () => boolean
}

/** A handler; the request body is already read. */
export type Handler = (req: Http.IncomingMessage, res: Http.ServerResponse, body: Buffer) => void

export interface Backend {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  readonly requests: Array<RecordedRequest>
  readonly close: () => Promise<void>
}

/** Starts an HTTP backend. */
export const start = (handler: Handler): Promise<Backend> => {
  const requests: Array<RecordedRequest> = []
  const server = Http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    let aborted = false
    const closed = new Promise<number>((resolve) => {
      res.once("close", () => {
        if (!res.writableFinished) aborted = true
        resolve(Date.now())
      })
    })
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const body = Buffer.concat(chunks)
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        rawHeaders: req.rawHeaders,
        headers: req.headers,
        body,
        receivedAt: Date.now(),
        closed,
        aborted: () => aborted
      })
      handler(req, res, body)
    })
  })
  return listen(server, requests)
}

const listen = <S extends Net.Server>(server: S, requests: Array<RecordedRequest>): Promise<Backend> =>
  new Promise((resolve) => {
    const sockets = new Set<Net.Socket>()
    server.on("connection", (s: Net.Socket) => {
      sockets.add(s)
      s.on("close", () => sockets.delete(s))
    })
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as Net.AddressInfo).port
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        requests,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          })
      })
    })
  })

/** A raw TCP backend: `onData` gets the socket and each chunk of bytes the client sent. */
export interface RawBackend extends Backend {
  /** Every chunk received, per connection, as text. */
  readonly received: Array<string>
}

/** Starts a raw `node:net` backend for byte-level faults (`requests` stays empty). */
export const startRaw = (onData: (socket: Net.Socket, data: string) => void): Promise<RawBackend> => {
  const received: Array<string> = []
  const server = Net.createServer((socket) => {
    socket.on("error", () => undefined)
    socket.on("data", (d) => {
      received.push(d.toString("latin1"))
      onData(socket, d.toString("latin1"))
    })
  })
  return listen(server, []).then((b) => ({ ...b, received }))
}

/** Answers JSON with a status. */
export const json = (res: Http.ServerResponse, status: number, value: unknown, headers: Http.OutgoingHttpHeaders = {}): void => {
  const body = JSON.stringify(value)
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers })
  res.end(body)
}
