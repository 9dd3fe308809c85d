/**
 * Benchmark backend when nginx is not installed: a minimal node:http server serving the
 * fixtures by the first path segment (`/a/7` → a.json), keep-alive on. Prints `port=<n>`.
 */
import { createServer } from "node:http"
import { bodies } from "./Fixtures.ts"

const buffers = new Map(Object.entries(bodies()).map(([k, v]) => [k, Buffer.from(v)]))

const server = createServer((req, res) => {
  const url = req.url ?? "/"
  const end = url.indexOf("/", 1)
  const body = buffers.get(url.slice(1, end === -1 ? undefined : end))
  if (body === undefined) {
    res.writeHead(404)
    res.end()
    return
  }
  res.writeHead(200, { "content-type": "application/json", "content-length": body.length })
  res.end(body)
})
server.keepAliveTimeout = 65_000
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address()
  console.log(`port=${typeof address === "object" && address !== null ? address.port : 0}`)
})
