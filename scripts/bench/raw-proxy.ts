/**
 * The Node limit: a hand-written node:http + undici proxy. `/proxy/*` forwards one backend
 * call (parse + re-encode, the work a `json` backend does); `/merge` calls three backends concurrently, parses, merges
 * with the same allow/mapping/group work Sluice does, and re-encodes. Prints `port=<n>`.
 */
import { createServer } from "node:http"
import { Pool } from "undici"

const origin = process.env.BACKEND ?? "http://127.0.0.1:8000"
const pool = new Pool(origin, { connections: 64, keepAliveTimeout: 30_000, headersTimeout: 2_000, bodyTimeout: 2_000 })

const call = async (path: string): Promise<Record<string, unknown>> => {
  const r = await pool.request({ method: "GET", path })
  if (r.statusCode !== 200 && r.statusCode !== 201) {
    await r.body.dump()
    throw new Error(`status ${r.statusCode}`)
  }
  return (await r.body.json()) as Record<string, unknown>
}

const server = createServer((req, res) => {
  const url = req.url ?? "/"
  if (url.startsWith("/proxy/")) {
    pool.request({ method: "GET", path: "/a" + url.slice(6) }).then(async (r) => {
      const body = JSON.stringify(await r.body.json())
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "x-krakend-completed": "true" })
      res.end(body)
    }, () => {
      res.writeHead(500)
      res.end()
    })
    return
  }
  if (url.startsWith("/merge")) {
    Promise.allSettled([call("/a"), call("/b"), call("/c")]).then((results) => {
      const out: Record<string, unknown> = {}
      let complete = true
      const [a, b, c] = results
      if (a?.status === "fulfilled") out.user = { id: a.value.id, name: a.value.name, profile: a.value.profile }
      else complete = false
      if (b?.status === "fulfilled") out.orders = b.value.orders
      else complete = false
      if (c?.status === "fulfilled") out.stats = c.value
      else complete = false
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "x-krakend-completed": String(complete) })
      res.end(JSON.stringify(out))
    }, () => {
      res.writeHead(500)
      res.end()
    })
    return
  }
  res.writeHead(404)
  res.end()
})
server.keepAliveTimeout = 65_000
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  console.log(`port=${typeof address === "object" && address !== null ? address.port : 0}`)
})
