/**
 * The Node limit: a hand-written node:http + undici gateway doing the same work as Sluice's
 * benchmark config, with no framework. Prints `port=<n>`.
 *
 * - `/proxy/:id`: one backend call, JSON parsed and re-encoded (the work of a `json` backend);
 * - `/merge`: three concurrent calls, parsed, filtered (allow/group) and merged;
 * - `/noop`: the 1 MiB body streamed through untouched;
 * - `/seq/:id`: two calls in sequence, the second's path taken from the first's answer.
 */
import { createServer, type ServerResponse } from "node:http"
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

const send = (res: ServerResponse, body: unknown, complete: boolean) => {
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "x-krakend-completed": String(complete) })
  res.end(JSON.stringify(body))
}

const fail = (res: ServerResponse) => {
  res.writeHead(500)
  res.end()
}

const server = createServer((req, res) => {
  const url = req.url ?? "/"
  if (url.startsWith("/proxy/")) {
    call("/a" + url.slice(6)).then((data) => send(res, data, true), () => fail(res))
  } else if (url.startsWith("/merge")) {
    Promise.allSettled([call("/a"), call("/b"), call("/c")]).then(([a, b, c]) => {
      const out: Record<string, unknown> = {}
      let complete = true
      if (a?.status === "fulfilled") out.user = { id: a.value.id, name: a.value.name, profile: a.value.profile }
      else complete = false
      if (b?.status === "fulfilled") {
        out.orders = b.value.orders
        out.total_orders = b.value.count
      } else complete = false
      if (c?.status === "fulfilled") out.stats = c.value
      else complete = false
      send(res, out, complete)
    }, () => fail(res))
  } else if (url.startsWith("/noop")) {
    pool.request({ method: "GET", path: "/big" }).then((r) => {
      res.writeHead(r.statusCode, { "content-type": String(r.headers["content-type"] ?? "application/json") })
      r.body.pipe(res)
    }, () => fail(res))
  } else if (url.startsWith("/seq/")) {
    call("/seq0" + url.slice(4)).then(async (first) => {
      const second = await call(`/${String(first.next)}`)
      send(res, { ...first, ...second }, true)
    }).catch(() => fail(res))
  } else {
    res.writeHead(404)
    res.end()
  }
})
server.keepAliveTimeout = 65_000
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  console.log(`port=${typeof address === "object" && address !== null ? address.port : 0}`)
})
