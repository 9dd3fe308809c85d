/**
 * A gateway inside your own Effect application:
 *
 * - a modifier plugin (`owner`) that uses a service of yours, `UserDirectory`, provided by your
 *   own Layer (here in memory; in real code a database client or a cache);
 * - the gateway mounted in your own `HttpRouter` next to your routes: under `/api` (the prefix
 *   stripped before the gateway sees the path) while `/hello` stays yours.
 *
 *   PROJECTS_URL=http://127.0.0.1:9001 PORT=8080 node --conditions=sluice-source examples/service.ts
 *   curl localhost:8080/api/projects/1   # the project with its owner's name and team
 *   curl localhost:8080/hello
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { createServer } from "node:http"
import { Backend, Endpoint, Gateway, Plugin } from "sluice"
import { env, isMain } from "./Main.ts"

/** A user of the directory. */
export interface User {
  readonly name: string
  readonly team: string
}

/** Your service: who is who. */
export class UserDirectory extends Context.Service<UserDirectory, {
  readonly lookup: (id: string) => Effect.Effect<Option.Option<User>>
}>()("examples/UserDirectory") {
  /** An in-memory directory (a real one would query a database, through a cache). */
  static readonly inMemory = (users: Readonly<Record<string, User>>) =>
    Layer.succeed(UserDirectory, { lookup: (id) => Effect.succeed(Option.fromUndefinedOr(users[id])) })
}

/**
 * The modifier, built from the service: it replaces the response's `owner_id` field (or the
 * configured one) by an `owner` object. A plugin value is plain data, so the Effect that makes
 * it reads the service once; every request then uses that service value.
 */
export const ownerPlugin = Effect.map(UserDirectory, (directory) =>
  Plugin.modifier({
    name: "owner",
    config: Schema.Struct({ field: Schema.String }),
    response: (res, _req, config) => {
      const id = res.data[config.field]
      if (typeof id !== "string") return Effect.succeed(res)
      return Effect.map(directory.lookup(id), (user) => {
        const { [config.field]: _, ...rest } = res.data
        return { ...res, data: { ...rest, owner: Option.getOrNull(user) } }
      })
    }
  }))

/** The gateway. */
export const spec = (projects: string): Gateway.Spec => ({
  endpoints: [
    Endpoint.get("/projects/{id}", [Backend.http(projects, "/projects/{id}")], {
      extra_config: { "plugin/req-resp-modifier": { name: ["owner"], owner: { field: "owner_id" } } }
    })
  ]
})

/** Runs `app` with the request path (and query) relative to `prefix`. */
export const under = <E, R>(prefix: string, app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  Effect.updateService(app, HttpServerRequest.HttpServerRequest, (request) =>
    request.modify({ url: request.url.slice(prefix.length) || "/" }))

/**
 * Your application's routes: yours, and the gateway under `/api`. Needs a `UserDirectory`.
 */
export const routes = (projects: string) =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const config = yield* Gateway.make(spec(projects))
      const owner = yield* ownerPlugin
      const gateway = yield* Gateway.app(config, { plugins: [owner] })
      yield* router.add("GET", "/hello", HttpServerResponse.text("hello from your app"))
      yield* router.add("*", "/api/*", under("/api", gateway))
    }))

/** Your server: your routes on `NodeHttpServer`, your directory provided by your layer. */
export const server = (projects: string, port: number, directory: Layer.Layer<UserDirectory>) =>
  HttpRouter.serve(routes(projects), { disableLogger: true }).pipe(
    Layer.provide(directory),
    Layer.provide(NodeHttpServer.layer(createServer, { port, host: "127.0.0.1" }))
  )

if (isMain(import.meta.url)) {
  const directory = UserDirectory.inMemory({ u1: { name: "Ada", team: "core" }, u2: { name: "Linus", team: "kernel" } })
  NodeRuntime.runMain(Layer.launch(server(env("PROJECTS_URL", "http://127.0.0.1:9001"), Number(env("PORT", "8080")), directory)))
}
