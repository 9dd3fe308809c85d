/**
 * Benchmark backend: a minimal node:http server answering every path with a fixed JSON object
 * (three different bodies by path prefix), keep-alive on. Prints `port=<n>`.
 */
import { createServer } from "node:http"

const bodies: Record<string, Buffer> = {
  a: Buffer.from(JSON.stringify({ id: 1, name: "Ada", roles: ["admin", "dev"], profile: { city: "London", lang: "en" }, secret: "x" })),
  b: Buffer.from(JSON.stringify({ orders: [{ id: 10, total: 12.5 }, { id: 11, total: 3 }], count: 2 })),
  c: Buffer.from(JSON.stringify({ score: 42, badges: ["gold"], updated: "2026-11-25T00:00:00Z" }))
}

const server = createServer((req, res) => {
  const key = (req.url ?? "/a").charAt(1)
  const body = bodies[key] ?? bodies.a!
  res.writeHead(200, { "content-type": "application/json", "content-length": body.length })
  res.end(body)
})
server.keepAliveTimeout = 65_000
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address()
  console.log(`port=${typeof address === "object" && address !== null ? address.port : 0}`)
})
