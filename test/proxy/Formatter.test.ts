import { describe, expect, it } from "vitest"
import type { BackendConfig } from "../../src/config/Model.ts"
import * as Formatter from "../../src/proxy/Formatter.ts"
import { backend } from "./Fixtures.ts"

const input = () => ({ a: { b: { c: 1, d: 2 }, e: [{ f: 1 }] }, g: 3, h: { i: 4 } })

const format = (over: Partial<BackendConfig>, data: Record<string, unknown> = input()): unknown => {
  const f = Formatter.make(backend(over))
  return JSON.parse(JSON.stringify(f === undefined ? data : f(data)))
}

describe("Formatter (KRAKEND-SEMANTICS §2.5)", () => {
  const table: ReadonlyArray<readonly [string, Partial<BackendConfig>, unknown]> = [
    ["nothing configured", {}, input()],
    ["target", { target: "a.b" }, { c: 1, d: 2 }],
    ["target missing → {}", { target: "a.x" }, {}],
    ["target non-object → {}", { target: "g" }, {}],
    ["target array → {}", { target: "a.e" }, {}],
    ["allow nested", { allow: ["a.b.c", "g"] }, { a: { b: { c: 1 } }, g: 3 }],
    ["allow no array traversal", { allow: ["a.e.f"] }, {}],
    ["allow nothing matches → {}", { allow: ["zz"] }, {}],
    ["allow wins over deny", { allow: ["g"], deny: ["g"] }, { g: 3 }],
    ["deny", { deny: ["a.b.c", "h"] }, { a: { b: { d: 2 }, e: [{ f: 1 }] }, g: 3 }],
    ["mapping top-level only, cut at .", { mapping: { g: "renamed.x", c: "nope" } }, { a: input().a, renamed: 3, h: { i: 4 } }],
    ["group", { group: "grp" }, { grp: input() }],
    [
      "order: target → allow → mapping → group",
      { target: "a", allow: ["b.c"], mapping: { b: "bee" }, group: "out" },
      { out: { bee: { c: 1 } } }
    ],
    ["order: target → deny → mapping → group", { target: "h", deny: ["i"], mapping: { i: "j" }, group: "w" }, { w: {} }]
  ]
  it.each(table)("%s", (_name, over, expected) => {
    expect(format(over)).toEqual(expected)
  })

  it("an unconfigured formatter is absent", () => {
    expect(Formatter.make(backend())).toBeUndefined()
  })

  it("deny does not change its input", () => {
    const data = input()
    Formatter.deny(["a.b.c"])(data)
    expect(data.a.b.c).toBe(1)
  })

  it("paths through __proto__ and constructor never reach Object.prototype", () => {
    const data = JSON.parse('{"__proto__":{"x":1},"constructor":{"prototype":{"y":2}},"k":1}')
    expect(format({ target: "__proto__" }, data)).toEqual({ x: 1 })
    expect(format({ target: "toString" }, { k: 1 })).toEqual({})
    Formatter.deny(["__proto__.polluted", "constructor.prototype.toString"])({ k: 1 })
    expect(Object.prototype.toString).toBeTypeOf("function")
    const mapped = Formatter.mapping({ k: "__proto__" })({ k: { polluted: 1 } })
    expect(Object.getPrototypeOf(mapped)).toBe(null)
    expect(Object.hasOwn(mapped, "__proto__")).toBe(true)
    const allowed = Formatter.allow(["__proto__.x", "constructor.prototype"])(data)
    expect(Object.hasOwn(allowed, "__proto__")).toBe(true)
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
    expect(({} as Record<string, unknown>)["x"]).toBeUndefined()
  })
})
