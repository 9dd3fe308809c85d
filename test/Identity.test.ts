import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import * as Cookies from "effect/http/Cookies"
import { describe, expect, it } from "vitest"
import * as Render from "../src/encoding/Render.ts"
import * as BodyStream from "../src/proxy/BodyStream.ts"
import * as Proxy from "../src/proxy/Proxy.ts"

const head: Render.Head = { headers: { "x-krakend": "Version test" }, cookies: Cookies.empty }

describe("Identity: Sluice's answers and body streams are compared and hashed by reference", () => {
  it("two answers with the same status, head and body are different values; an answer equals itself", () => {
    const render = Render.make("json")
    const a = render(Proxy.response({ id: 1 }), head)
    const b = render(Proxy.response({ id: 1 }), head)
    expect(Equal.equals(a, a)).toBe(true)
    expect(Equal.equals(a, b)).toBe(false)
  })

  it("body streams are never walked: equal bytes, different streams", () => {
    const bytes = new Uint8Array(256 * 1024).fill(7)
    const a = new BodyStream.Whole(bytes)
    expect(Equal.equals(a, new BodyStream.Whole(bytes))).toBe(false)
    expect(Equal.equals(a, a)).toBe(true)
    // a getter on the stream is not read by the hash (a structural hash reads every property)
    let read = false
    Object.defineProperty(a, "probe", { enumerable: true, get: () => (read = true) })
    Hash.hash(a)
    expect(read).toBe(false)
  })
})
