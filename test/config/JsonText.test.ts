import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as JsonText from "../../src/config/JsonText.ts"

const parses = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

describe("JsonText.errorOffset", () => {
  it("finds the offending character", () => {
    expect(JsonText.errorOffset("{\"a\": oops}")).toBe(6)
    expect(JsonText.errorOffset("{\"a\": 1,}")).toBe(8)
    expect(JsonText.errorOffset("[1, 2")).toBe(5)
    expect(JsonText.errorOffset("{} x")).toBe(3)
    expect(JsonText.errorOffset("\"a\u0001\"")).toBe(2)
  })

  it("gives line and column", () => {
    expect(JsonText.errorLocation("{\n  \"a\": 1,\n  }")).toBe(" (line 3 column 3)")
    expect(JsonText.errorLocation("{}")).toBe("")
  })

  it("agrees with JSON.parse on valid and invalid text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string(), fc.json().map((j) => j.slice(0, -1))), (text) => {
        expect(JsonText.errorOffset(text) === undefined).toBe(parses(text))
      }),
      { numRuns: 2000 }
    )
  })
})
