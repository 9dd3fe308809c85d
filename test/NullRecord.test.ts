import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import { pathToFileURL } from "node:url"
import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"
import * as NullRecord from "../src/NullRecord.ts"
import * as Formatter from "../src/proxy/Formatter.ts"
import * as Merge from "../src/proxy/Merge.ts"
import * as Proxy from "../src/proxy/Proxy.ts"

describe("NullRecord", () => {
  it("has no prototype: keys from a client or a backend stay data (RELIABILITY C11)", () => {
    const r = NullRecord.make()
    expect(Object.getPrototypeOf(r)).toBe(null)
    r["__proto__"] = { polluted: true }
    r["constructor"] = "c"
    expect(Object.getPrototypeOf(r)).toBe(null)
    expect(Object.keys(r)).toEqual(["__proto__", "constructor"])
    expect(JSON.parse(JSON.stringify(r))).toEqual(JSON.parse(`{"__proto__":{"polluted":true},"constructor":"c"}`))
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
  })

  it("keeps V8's fast properties, which Object.create(null) does not", () => {
    const module = JSON.stringify(pathToFileURL(`${import.meta.dirname}/../src/NullRecord.ts`).href)
    const code = `import * as NullRecord from ${module}
const r = NullRecord.make()
for (const k of ["Host", "Accept", "User-Agent", "X-A", "X-B", "X-C", "X-D", "X-E"]) r[k] = ["v"]
const d = Object.create(null)
d.x = 1
console.log(JSON.stringify([%HasFastProperties(r), %HasFastProperties(d)]))`
    const out = execFileSync(process.execPath, ["--allow-natives-syntax", "--input-type=module", "-e", code], { encoding: "utf8" })
    expect(JSON.parse(out)).toEqual([true, false])
  })

  it("each call is a new record", () => {
    const a = NullRecord.make<number>()
    a["x"] = 1
    expect(NullRecord.make()).toEqual({})
  })

  it("deny's copies keep the other keys in order and stay null-prototype records", () => {
    const data = JSON.parse(`{"a":1,"__proto__":{"b":2},"c":3}`) as Record<string, unknown>
    const out = Formatter.deny(["a"])(data)
    expect(Object.getPrototypeOf(out)).toBe(null)
    expect(Object.keys(out)).toEqual(["__proto__", "c"])
    expect(Object.hasOwn(data, "a")).toBe(true)
  })

  it("the merge keeps a backend's __proto__ key as data", () => {
    const parts = [Proxy.response(JSON.parse(`{"__proto__":{"x":1}}`)), Proxy.response({ y: 2 })].map((r) => Result.succeed(r))
    const res = Effect.runSync(Merge.combine(parts))
    expect(Object.getPrototypeOf(res.data)).toBe(null)
    expect(JSON.stringify(res.data)).toBe(`{"__proto__":{"x":1},"y":2}`)
  })
})
