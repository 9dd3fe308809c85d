import { describe, expect, it } from "vitest"
import * as Json from "../../src/encoding/Json.ts"

const value = (text: string): Record<string, unknown> => {
  const r = Json.parse(text)
  if (!r.ok) throw new Error(r.message)
  return r.value as Record<string, unknown>
}

describe("Json numbers (KRAKEND-SEMANTICS §2.5 UseNumber)", () => {
  it("keeps unsafe integers, overflows, underflows and long decimals exactly", () => {
    const text = '{"id":12345678901234567891,"n":-12345678901234567891,"e":1e400,"u":1e-400,"p":1234567890.1234567891,"big":9007199254740993}'
    const v = value(text)
    expect(JSON.stringify(v)).toBe(text)
    expect(Json.isRaw(v["id"])).toBe(true)
    expect(Json.isObject(v["id"])).toBe(false)
  })

  it("the fast path returns plain numbers", () => {
    const v = value('{"a":1.5,"b":123,"c":[1e10,-2]}')
    expect(v).toEqual({ a: 1.5, b: 123, c: [1e10, -2] })
    expect(typeof v["a"]).toBe("number")
  })

  it("the exact path keeps numbers a double holds as plain numbers (1.50 becomes 1.5)", () => {
    const v = value('{"s":"1234567890123456789","a":1.50,"b":9007199254740991,"c":1e2,"d":0.1000000000000000}')
    expect(v).toEqual({ s: "1234567890123456789", a: 1.5, b: 9007199254740991, c: 100, d: 0.1 })
    expect(JSON.stringify(v)).toBe('{"s":"1234567890123456789","a":1.5,"b":9007199254740991,"c":100,"d":0.1}')
  })
})
