/**
 * What the two baseline gateways (raw node:http and fastify) share: the undici pool to the
 * benchmark backend, one JSON call, and the merge of `/a`, `/b`, `/c` — the same work as the
 * Sluice benchmark config's allow/mapping/group.
 */
import { Pool } from "undici"

export const origin = process.env.BACKEND ?? "http://127.0.0.1:8000"

const pool = new Pool(origin, { connections: 64, keepAliveTimeout: 30_000, headersTimeout: 2_000, bodyTimeout: 2_000 })

/** One backend call: 200/201 parsed as JSON, anything else a failure. */
export const call = async (path: string): Promise<Record<string, unknown>> => {
  const r = await pool.request({ method: "GET", path })
  if (r.statusCode !== 200 && r.statusCode !== 201) {
    await r.body.dump()
    throw new Error(`status ${r.statusCode}`)
  }
  return (await r.body.json()) as Record<string, unknown>
}

/** One backend call whose body is kept as bytes (status and content type with it). */
export const bytes = async (path: string): Promise<{ readonly status: number; readonly type: string; readonly body: Buffer }> => {
  const r = await pool.request({ method: "GET", path })
  return { status: r.statusCode, type: String(r.headers["content-type"] ?? "application/json"), body: Buffer.from(await r.body.arrayBuffer()) }
}

/** The pool, for the routes that stream (`/noop`). */
export const stream = (path: string) => pool.request({ method: "GET", path })

/** Calls `/a`, `/b`, `/c` concurrently and merges them; `complete` is false when one failed. */
export const merge = async (): Promise<{ readonly body: Record<string, unknown>; readonly complete: boolean }> => {
  const [a, b, c] = await Promise.allSettled([call("/a"), call("/b"), call("/c")])
  const body: Record<string, unknown> = {}
  let complete = true
  if (a?.status === "fulfilled") body.user = { id: a.value.id, name: a.value.name, profile: a.value.profile }
  else complete = false
  if (b?.status === "fulfilled") {
    body.orders = b.value.orders
    body.total_orders = b.value.count
  } else complete = false
  if (c?.status === "fulfilled") body.stats = c.value
  else complete = false
  return { body, complete }
}

/** The sequential 2-step chain: `/seq0/<id>`, then the backend its `next` names, merged. */
export const sequence = async (id: string): Promise<Record<string, unknown>> => {
  const first = await call(`/seq0/${id}`)
  const second = await call(`/${String(first.next)}`)
  return { ...first, ...second }
}
