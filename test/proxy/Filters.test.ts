import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import * as HeaderFilter from "../../src/proxy/HeaderFilter.ts"
import * as Proxy from "../../src/proxy/Proxy.ts"
import type { ProxyRequest } from "../../src/proxy/Proxy.ts"
import * as QueryFilter from "../../src/proxy/QueryFilter.ts"
import { backend, request } from "./Fixtures.ts"

const capture = (mw: Proxy.Middleware, req: ProxyRequest): ProxyRequest => {
  let seen: ProxyRequest | undefined
  Effect.runSync(mw((r) => {
    seen = r
    return Effect.succeed(Proxy.response({}))
  })(req))
  return seen!
}

const headers = () =>
  Object.assign(Object.create(null), {
    "Content-Type": ["application/json"],
    Authorization: ["Bearer x"],
    "X-Forwarded-For": ["10.0.0.1"],
    "X-Forwarded-Host": ["gw"],
    "User-Agent": ["curl"],
    "X-Forwarded-Via": ["Sluice"]
  })

describe("QueryFilter", () => {
  const query: ProxyRequest["query"] = [["a", "1"], ["b", "2"], ["a", "3"], ["A", "4"]]
  it("is the identity when unset or *", () => {
    expect(QueryFilter.make(backend())).toBe(Proxy.identity)
    expect(QueryFilter.make(backend({ input_query_strings: ["*"] }))).toBe(Proxy.identity)
  })
  it("keeps listed names, exact case, all values in order", () => {
    expect(capture(QueryFilter.make(backend({ input_query_strings: ["a"] })), request({ query })).query).toEqual([["a", "1"], ["a", "3"]])
  })
})

describe("HeaderFilter", () => {
  it("is the identity when unset or *", () => {
    expect(HeaderFilter.make(backend())).toBe(Proxy.identity)
    expect(HeaderFilter.make(backend({ input_headers: ["*"] }))).toBe(Proxy.identity)
  })
  it("restricts to the list plus the gateway-set headers", () => {
    const out = capture(HeaderFilter.make(backend({ input_headers: ["content-type"] })), request({ headers: headers() }))
    expect({ ...out.headers }).toEqual({
      "Content-Type": ["application/json"],
      "X-Forwarded-For": ["10.0.0.1"],
      "X-Forwarded-Host": ["gw"],
      "User-Agent": ["curl"],
      "X-Forwarded-Via": ["Sluice"]
    })
  })
})
