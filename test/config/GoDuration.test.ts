import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as GoDuration from "../../src/config/GoDuration.ts"

const nanos = (text: string) => Result.map(GoDuration.parse(text), Duration.toNanosUnsafe)

describe("GoDuration.parse", () => {
  const valid: ReadonlyArray<readonly [string, bigint]> = [
    ["0", 0n],
    ["0s", 0n],
    ["10ns", 10n],
    ["150us", 150_000n],
    ["150\u00b5s", 150_000n],
    ["150\u03bcs", 150_000n],
    ["300ms", 300_000_000n],
    ["1.5s", 1_500_000_000n],
    [".5s", 500_000_000n],
    ["1.s", 1_000_000_000n],
    ["2s", 2_000_000_000n],
    ["1m30s", 90_000_000_000n],
    ["2h", 7_200_000_000_000n],
    ["1h2m3s4ms5us6ns", 3_723_004_005_006n],
    ["+5s", 5_000_000_000n],
    ["1.0000000009s", 1_000_000_000n],
    ["0.1ns", 0n]
  ]
  for (const [text, expected] of valid) {
    it(`reads ${JSON.stringify(text)}`, () => {
      expect(nanos(text)).toEqual(Result.succeed(expected))
    })
  }

  const invalid: ReadonlyArray<readonly [string, string]> = [
    ["", "invalid Go duration"],
    ["5", "invalid Go duration"],
    ["s", "invalid Go duration"],
    ["1.5", "invalid Go duration"],
    ["3 seconds", "unknown unit \" seconds\""],
    ["1d", "unknown unit \"d\""],
    ["1S", "unknown unit \"S\""],
    ["1constructor", "unknown unit \"constructor\""],
    ["-1s", "must not be negative"],
    ["1s ", "unknown unit"],
    ["..5s", "invalid Go duration"],
    ["9999999999h", "out of range"]
  ]
  for (const [text, message] of invalid) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      const result = GoDuration.parse(text)
      expect(Result.isFailure(result)).toBe(true)
      if (Result.isFailure(result)) expect(result.failure).toContain(message)
    })
  }

  it("keeps sub-millisecond precision", () => {
    const d = Result.getOrThrow(GoDuration.parse("150us"))
    expect(Duration.toMillis(d)).toBe(0.15)
  })
})

describe("GoDuration.format", () => {
  for (const text of ["0", "10ns", "150us", "300ms", "1500ms", "2s", "90s", "2m", "2h", "1001us"]) {
    it(`round-trips ${text}`, () => {
      const d = Result.getOrThrow(GoDuration.parse(text))
      expect(GoDuration.format(d)).toBe(text)
    })
  }
})

describe("GoDuration schemas", () => {
  it("decodes a string and refuses a number with a hint", () => {
    expect(Duration.toMillis(Schema.decodeUnknownSync(GoDuration.GoDuration)("1m"))).toBe(60_000)
    expect(() => Schema.decodeUnknownSync(GoDuration.GoDuration)(1000)).toThrow(/Go duration string/)
  })

  it("encodes back to a Go duration string", () => {
    expect(Schema.encodeSync(GoDuration.GoDuration)(Duration.millis(1500))).toBe("1500ms")
  })

  it("PositiveGoDuration refuses zero", () => {
    expect(() => Schema.decodeUnknownSync(GoDuration.PositiveGoDuration)("0s")).toThrow(/greater than 0/)
    expect(Duration.toMillis(Schema.decodeUnknownSync(GoDuration.PositiveGoDuration)("1ns"))).toBe(0.000001)
  })
})
