/**
 * `examples/service.ts`: a modifier using a user-defined service provided by the user's layer,
 * and the gateway mounted under `/api` in the user's own `HttpRouter` — in process (with the
 * test's own directory layer) and as `node examples/service.ts`.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import { createServer } from "node:http"
import { afterAll, beforeAll, expect, it as vit } from "vitest"
import { routes, UserDirectory } from "../../examples/service.ts"
import * as Backend from "../support/Backend.ts"
import { type RunningExample, runExample } from "./RunExample.ts"

let projects: Backend.Backend

beforeAll(async () => {
  projects = await Backend.start((req, res) =>
    Backend.json(res, 200, { id: req.url?.split("/").at(-1), title: "Sluice", owner_id: req.url === "/projects/2" ? "nobody" : "u1" }))
})
afterAll(() => projects?.close())

const get = (url: string) => Effect.promise(() => fetch(url).then(async (r) => ({ status: r.status, body: await r.text() })))

describe("examples/service.ts in process", () => {
  it.live("the modifier reads the user's service from the user's layer; the gateway is mounted under /api", () =>
    Effect.gen(function*() {
      const directory = UserDirectory.inMemory({ u1: { name: "Grace", team: "navy" } })
      const app = HttpRouter.serve(routes(projects.url), { disableLogger: true }).pipe(
        Layer.provide(directory),
        Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
      )
      const context = yield* Layer.build(app)
      const address = Context.get(context, HttpServer.HttpServer).address
      const base = `http://127.0.0.1:${address._tag === "UnixPathAddress" ? 0 : address.port}`

      const project = yield* get(`${base}/api/projects/1`)
      assert.strictEqual(project.status, 200)
      assert.deepStrictEqual(JSON.parse(project.body), { id: "1", title: "Sluice", owner: { name: "Grace", team: "navy" } })
      assert.strictEqual(projects.requests.at(-1)?.url, "/projects/1")

      const unknown = yield* get(`${base}/api/projects/2`)
      assert.deepStrictEqual(JSON.parse(unknown.body), { id: "2", title: "Sluice", owner: null })

      const hello = yield* get(`${base}/hello`)
      assert.deepStrictEqual(hello, { status: 200, body: "hello from your app" })

      const outside = yield* get(`${base}/projects/1`)
      assert.strictEqual(outside.status, 404)
      const notInGateway = yield* get(`${base}/api/nothing`)
      assert.strictEqual(notInGateway.status, 404)
    }).pipe(Effect.scoped))
})

describe("examples/service.ts as a process", () => {
  let running: RunningExample
  beforeAll(async () => {
    running = await runExample("service.ts", { PROJECTS_URL: projects.url }, "/hello")
  })
  afterAll(() => running?.stop())

  vit("serves its routes and the gateway with its in-memory directory", async () => {
    const res = await fetch(`${running.url}/api/projects/1`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ id: "1", title: "Sluice", owner: { name: "Ada", team: "core" } })
    expect(await (await fetch(`${running.url}/hello`)).text()).toBe("hello from your app")
  })
})
