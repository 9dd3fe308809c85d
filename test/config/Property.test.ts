import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as fc from "fast-check"
import * as Config from "../../src/config/Config.ts"

const backend = fc.record({
  url_pattern: fc.oneof(fc.constantFrom("/a", "/{id}", "b/{x}", "/{resp0_a}"), fc.string()),
  host: fc.option(fc.array(fc.string(), { maxLength: 2 }), { nil: undefined }),
  encoding: fc.option(fc.constantFrom("json", "no-op", "xml", "bad"), { nil: undefined }),
  extra: fc.option(fc.jsonValue(), { nil: undefined })
}, { requiredKeys: ["url_pattern"] })

const endpoint = fc.record({
  endpoint: fc.oneof(fc.constantFrom("/a", "/{id}", "/a/{id}", "/__health", "/x*", "/a/x{id}"), fc.string()),
  method: fc.option(fc.constantFrom("GET", "post", "HEAD"), { nil: undefined }),
  timeout: fc.option(fc.oneof(fc.constantFrom("1s", "0", "150us"), fc.string(), fc.integer()), { nil: undefined }),
  output_encoding: fc.option(fc.constantFrom("json", "no-op", "yaml"), { nil: undefined }),
  backend: fc.option(fc.array(backend, { maxLength: 3 }), { nil: undefined }),
  extra_config: fc.option(fc.dictionary(fc.constantFrom("proxy", "x/y", "@c"), fc.jsonValue()), { nil: undefined })
})

const configLike = fc.record({
  version: fc.oneof(fc.constant(3), fc.jsonValue()),
  host: fc.option(fc.array(fc.string(), { maxLength: 2 }), { nil: undefined }),
  endpoints: fc.array(endpoint, { maxLength: 4 }),
  extra_config: fc.option(fc.dictionary(fc.constantFrom("router", "telemetry/logging", "a/b"), fc.jsonValue()), {
    nil: undefined
  })
})

/** Decoding succeeds or fails with a ConfigError whose issues are all `$` paths; it never dies. */
const check = (input: unknown) => {
  const exit = Effect.runSyncExit(Config.decode(input))
  if (Exit.isFailure(exit)) {
    const error = exit.cause.reasons[0]
    expect(error?._tag).toBe("Fail")
    const issues = error?._tag === "Fail" ? error.error.issues : []
    expect(issues.length).toBeGreaterThan(0)
    for (const issue of issues) expect(issue.path.startsWith("$")).toBe(true)
  }
}

describe("Config.decode on arbitrary input", () => {
  it("never throws on any value", () => {
    fc.assert(fc.property(fc.anything(), check), { numRuns: 500 })
  })

  it("never throws on any JSON value", () => {
    fc.assert(fc.property(fc.jsonValue(), check), { numRuns: 500 })
  })

  it("never throws on config-like values", () => {
    fc.assert(fc.property(configLike, check), { numRuns: 1000 })
  })

  it("never throws on any text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const exit = Effect.runSyncExit(Config.parse(text))
        if (Exit.isFailure(exit)) expect(exit.cause.reasons[0]?._tag).toBe("Fail")
      }),
      { numRuns: 500 }
    )
  })
})
