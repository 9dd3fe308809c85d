import { describe, expect, it } from "@effect/vitest"
import * as Suggest from "../../src/config/Suggest.ts"

const keys = ["url_pattern", "host", "method", "encoding", "input_headers", "input_query_strings", "is_collection"]

describe("Suggest", () => {
  it("computes edit distances", () => {
    expect(Suggest.distance("kitten", "sitting")).toBe(3)
    expect(Suggest.distance("", "abc")).toBe(3)
    expect(Suggest.distance("same", "same")).toBe(0)
  })

  it("suggests the closest key for a typo", () => {
    expect(Suggest.closest("url_patern", keys)).toBe("url_pattern")
    expect(Suggest.closest("hots", keys)).toBe("host")
    expect(Suggest.closest("input_header", keys)).toBe("input_headers")
  })

  it("ignores case, dashes and underscores", () => {
    expect(Suggest.closest("URL-Pattern", keys)).toBe("url_pattern")
    expect(Suggest.closest("iscollection", keys)).toBe("is_collection")
  })

  it("suggests nothing when no key is close", () => {
    expect(Suggest.closest("colour", keys)).toBeUndefined()
    expect(Suggest.hint("zzz", keys)).toBe("")
  })

  it("formats the hint", () => {
    expect(Suggest.hint("methd", keys)).toBe("; did you mean \"method\"?")
  })
})
