import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import * as Config from "../../src/config/Config.ts"

const dir = join(import.meta.dirname, "fixtures", "invalid")

interface Expected {
  readonly path: string
  readonly message: string
}

describe("one invalid config per rule (fixtures/invalid)", () => {
  const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort()

  it("has fixtures", () => {
    expect(files.length).toBeGreaterThanOrEqual(20)
  })

  for (const file of files) {
    it.effect(file, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Config.load(join(dir, file)))
        const fixture = JSON.parse(readFileSync(join(dir, file), "utf8")) as { readonly "@expect": ReadonlyArray<Expected> }
        const expected = fixture["@expect"]
        expect(error.issues.map((i) => i.path)).toEqual(expected.map((e) => e.path))
        expected.forEach((e, i) => expect(error.issues[i]!.message).toContain(e.message))
        expect(error.message).toContain(`${expected[0]!.path}: `)
      }))
  }
})

const valid = (endpoints: ReadonlyArray<unknown>, root: Record<string, unknown> = {}) =>
  Config.decode({ version: 3, host: ["h"], endpoints, ...root })

describe("configs the rules accept", () => {
  it.effect("sequential and JWT placeholders", () =>
    Effect.gen(function*() {
      const { config } = yield* valid([{
        endpoint: "/a/{id}",
        extra_config: { proxy: { sequential: true }, "auth/validator": { alg: "RS256", jwk_url: "https://idp.example/jwks" } },
        backend: [{ url_pattern: "/x/{id}" }, { url_pattern: "/y/{resp0_user.id}?sub={JWT.sub}" }]
      }])
      expect(config.endpoints[0]!.backend[1]!.url_pattern).toBe("/y/{resp0_user.id}?sub={JWT.sub}")
    }))

  it.effect("a static segment next to a param, and different names under another method", () =>
    Effect.gen(function*() {
      const { config } = yield* valid([
        { endpoint: "/users/{id}", backend: [{ url_pattern: "/u/{id}" }] },
        { endpoint: "/users/me", backend: [{ url_pattern: "/me" }] },
        { endpoint: "/users/{name}", method: "PUT", backend: [{ url_pattern: "/u/{name}" }] },
        { endpoint: "/users/{id}/posts/{post}", backend: [{ url_pattern: "/p/{post}" }] },
        { endpoint: "/users", method: "POST", backend: [{ url_pattern: "/u" }] }
      ])
      expect(config.endpoints).toHaveLength(5)
    }))

  it.effect("the same path under two methods", () =>
    Effect.gen(function*() {
      const { config } = yield* valid([
        { endpoint: "/a", backend: [{ url_pattern: "/b" }] },
        { endpoint: "/a", method: "POST", backend: [{ url_pattern: "/b" }] }
      ])
      expect(config.endpoints.map((e) => e.method)).toEqual(["GET", "POST"])
    }))

  it.effect("paths that only start like a reserved one", () =>
    Effect.gen(function*() {
      const { config } = yield* valid([
        { endpoint: "/__healthy", backend: [{ url_pattern: "/b" }] },
        { endpoint: "/api/__debug", backend: [{ url_pattern: "/b" }] }
      ])
      expect(config.endpoints).toHaveLength(2)
    }))

  it.effect("/__health as an endpoint when the health path is moved", () =>
    Effect.gen(function*() {
      const result = yield* Effect.flip(valid([{ endpoint: "/__health", backend: [{ url_pattern: "/b" }] }], {
        extra_config: { router: { health_path: "/ping" } }
      }))
      expect(result.issues[0]!.message).toContain("/__health is reserved")
    }))

  it.effect("no-op with a single backend, whose encoding is forced to no-op", () =>
    Effect.gen(function*() {
      const { config } = yield* valid([
        { endpoint: "/a", output_encoding: "no-op", backend: [{ url_pattern: "/b", encoding: "json" }] }
      ])
      expect(config.endpoints[0]!.backend[0].encoding).toBe("no-op")
    }))

  it.effect("a service without host when every backend has one", () =>
    Effect.gen(function*() {
      const { config } = yield* Config.decode({
        version: 3,
        endpoints: [{ endpoint: "/a", backend: [{ url_pattern: "/b", host: ["x"] }] }]
      })
      expect(config.host).toEqual([])
    }))
})
