/**
 * The best Node peer: fastify + @fastify/reply-from (single-backend routes, bytes through) and
 * fastify + undici for the merge and the sequence (reply-from cannot merge). Prints `port=<n>`.
 */
import Fastify from "fastify"
import replyFrom from "@fastify/reply-from"
import * as Baseline from "./Baseline.ts"

const app = Fastify({ logger: false })
await app.register(replyFrom, { base: Baseline.origin, undici: { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 } })

app.get<{ Params: { id: string } }>("/proxy/:id", (request, reply) => reply.from(`/a/${request.params.id}`))
app.get("/noop", (_request, reply) => reply.from("/big"))
app.get<{ Params: { id: string } }>("/bytes/:id", (request, reply) => reply.from(`/a/${request.params.id}`))
app.get("/merge", async (_request, reply) => {
  const { body, complete } = await Baseline.merge()
  reply.header("x-krakend-completed", String(complete))
  return body
})
app.get<{ Params: { id: string } }>("/seq/:id", (request) => Baseline.sequence(request.params.id))

const address = await app.listen({ port: 0, host: "127.0.0.1" })
console.log(`port=${new URL(address).port}`)
