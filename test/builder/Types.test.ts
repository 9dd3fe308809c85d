/**
 * The builder's compile-time checks (this file is type-checked by `tsc -p .` in `npm test`: an
 * unused `@ts-expect-error` fails it) and the decode errors, with JSON paths, of what the types
 * cannot see.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Backend, Endpoint, Gateway } from "sluice"

const users = "http://users:8080"

describe("builder types", () => {
  it("accepts params of the path, sequential and JWT placeholders", () => {
    const endpoints = [
      Endpoint.get("/users/{id}", [Backend.http(users, "/users/{id}")]),
      Endpoint.get("/users/{id}/posts/{post}", [Backend.http(users, "/p/{post}?u={id}")]),
      Endpoint.get("/seq/{id}", [Backend.http(users, "/a/{id}"), Backend.http(users, "/b/{resp0_owner.id}")], {
        extra_config: { proxy: { sequential: true } }
      }),
      Endpoint.get("/me", [Backend.http(users, "/users/{JWT.sub}")]),
      Endpoint.delete("/users/{id}", [Backend.make({ url_pattern: "/users/{id}", host: [users] })])
    ]
    assert.strictEqual(endpoints.length, 5)
  })

  it("rejects at compile time", () => {
    // @ts-expect-error a placeholder the endpoint path does not declare
    Endpoint.get("/users/{id}", [Backend.http(users, "/users/{user_id}")])
    // @ts-expect-error one of two backends uses a missing placeholder
    Endpoint.get("/users/{id}", [Backend.http(users, "/users/{id}"), Backend.http(users, "/orders/{order}")])
    // @ts-expect-error a typo in a backend option
    Backend.http(users, "/users", { alow: ["id"] })
    // @ts-expect-error a typo in an endpoint option
    Endpoint.get("/users", [Backend.http(users, "/users")], { timout: "1s" })
    // @ts-expect-error a wrong option type
    Backend.http(users, "/users", { is_collection: "yes" })
    // @ts-expect-error an unknown namespace in extra_config
    Backend.http(users, "/users", { extra_config: { "backend/htp": { return_error_code: true } } })
    // @ts-expect-error a typo inside a namespace
    Backend.http(users, "/users", { extra_config: { "backend/http": { return_error_cod: true } } })
    // @ts-expect-error an endpoint needs at least one backend
    Endpoint.get("/users", [])
    // @ts-expect-error a method in lower case
    Endpoint.make("get", "/users", [Backend.http(users, "/users")])
    // @ts-expect-error a typo in a gateway option
    Gateway.make({ prot: 8080, endpoints: [] })
  })
})

const issuesOf = (spec: Gateway.Spec) =>
  Effect.runSync(Effect.flip(Gateway.make(spec))).issues.map((i) => `${i.path}: ${i.message}`)

describe("builder decode errors", () => {
  it("reports a placeholder TypeScript could not see, with its path", () => {
    const pattern: string = "/users/{user_id}"
    assert.deepStrictEqual(issuesOf({ endpoints: [Endpoint.get("/users/{id}", [Backend.http(users, pattern)])] }), [
      "$.endpoints[0].backend[0].url_pattern: placeholder {user_id} is not a param of endpoint /users/{id}"
    ])
  })

  it("reports the config rules (duplicates, bad durations, bad params) at their paths", () => {
    const issues = issuesOf({
      endpoints: [
        Endpoint.get("/a", [Backend.http(users, "/a")]),
        Endpoint.get("/a", [Backend.http(users, "/a")]),
        Endpoint.get("/b", [Backend.http(users, "/b")], { timeout: "soon" }),
        Endpoint.get("/x{id}", [Backend.http(users, "/x")])
      ]
    })
    assert.strictEqual(issues.length, 3, issues.join("\n"))
    assert.match(issues[0]!, /^\$\.endpoints\[2\]\.timeout: /)
    assert.match(issues[1]!, /^\$\.endpoints\[3\]\.endpoint: \/x\{id\}: a param must be a whole path segment/)
    assert.match(issues[2]!, /^\$\.endpoints\[1\]: duplicate endpoint GET \/a/)
  })
})

describe("builder defaults", () => {
  it("are the config decoder's", () => {
    const config = Effect.runSync(Gateway.make({ endpoints: [Endpoint.get("/u/{id}", [Backend.http("users:8080", "/u/{id}")])] }))
    const endpoint = config.endpoints[0]!
    const backend = endpoint.backend[0]
    assert.strictEqual(config.port, 8080)
    assert.strictEqual(endpoint.method, "GET")
    assert.strictEqual(endpoint.output_encoding, "json")
    assert.deepStrictEqual(endpoint.input_headers, [])
    assert.strictEqual(backend.method, "GET")
    assert.strictEqual(backend.encoding, "json")
    assert.deepStrictEqual(backend.host, ["http://users:8080"])
    assert.strictEqual(backend.concurrent_calls, 1)
    assert.deepStrictEqual(Gateway.json({ endpoints: [] }), { version: 3, endpoints: [] })
  })
})
