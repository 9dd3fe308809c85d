/**
 * The best Node peer: fastify + @fastify/reply-from (single-backend routes, bytes through) and
 * fastify + undici for the merge and the sequence (reply-from cannot merge). Prints `port=<n>`.
 */
import Fastify from "fastify"
import replyFrom from "@fastify/reply-from"
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

const app = Fastify({ logger: false })
await app.register(replyFrom, { base: origin, undici: { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 } })

app.get<{ Params: { id: string } }>("/proxy/:id", (request, reply) => reply.from(`/a/${request.params.id}`))
app.get("/noop", (_request, reply) => reply.from("/big"))
app.get("/merge", async (_request, reply) => {
  const [a, b, c] = await Promise.allSettled([call("/a"), call("/b"), call("/c")])
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
  reply.header("x-krakend-completed", String(complete))
  return out
})
app.get<{ Params: { id: string } }>("/seq/:id", async (request) => {
  const first = await call(`/seq0/${request.params.id}`)
  const second = await call(`/${String(first.next)}`)
  return { ...first, ...second }
})

const address = await app.listen({ port: 0, host: "127.0.0.1" })
console.log(`port=${new URL(address).port}`)
