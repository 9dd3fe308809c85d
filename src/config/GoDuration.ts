/**
 * Go duration strings (`time.ParseDuration`): `"150us"`, `"1.5s"`, `"1m30s"`, `"2h"`, `"300ms"`,
 * `"10ns"`, `"µs"`. KrakenD writes every duration this way; they decode to `Duration` values with
 * nanosecond precision.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaTransformation from "effect/SchemaTransformation"

const NS_PER_UNIT: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  "\u00b5s": 1_000n,
  "\u03bcs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n
}

const MAX_NANOS = 9_223_372_036_854_775_807n
const COMPONENT = /^(\d*)(?:\.(\d*))?([^\d.]+)/

/**
 * Parses a Go duration string into signed nanoseconds, or explains why it is not one. Like Go,
 * a fraction is truncated to the nanosecond and `"0"` is the only unit-less value.
 */
export const parseNanos = (text: string): Result.Result<bigint, string> => {
  const invalid = Result.fail(`invalid Go duration ${JSON.stringify(text)} (examples: "300ms", "1.5s", "1m30s")`)
  let rest = text
  let sign = 1n
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1n
    rest = rest.slice(1)
  }
  if (rest === "0") return Result.succeed(0n)
  if (rest === "") return invalid
  let total = 0n
  while (rest !== "") {
    const match = COMPONENT.exec(rest)
    if (match === null) return invalid
    const whole = match[1] ?? ""
    const fraction = match[2] ?? ""
    const unitName = match[3] ?? ""
    if (whole === "" && fraction === "") return invalid
    const unit = Object.hasOwn(NS_PER_UNIT, unitName) ? NS_PER_UNIT[unitName] : undefined
    if (unit === undefined) {
      return Result.fail(
        `unknown unit ${JSON.stringify(unitName)} in duration ${JSON.stringify(text)}; use ns, us, ms, s, m or h`
      )
    }
    total += BigInt(whole === "" ? "0" : whole) * unit
    if (fraction !== "") total += (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length)
    if (total > MAX_NANOS) return Result.fail(`duration ${JSON.stringify(text)} is out of range`)
    rest = rest.slice(match[0].length)
  }
  return Result.succeed(sign * total)
}

/** Parses a Go duration string into a `Duration` (negative durations are refused). */
export const parse = (text: string): Result.Result<Duration.Duration, string> =>
  Result.flatMap(parseNanos(text), (nanos) =>
    nanos < 0n
      ? Result.fail(`duration ${JSON.stringify(text)} must not be negative`)
      : Result.succeed(nanos % 1_000_000n === 0n ? Duration.millis(Number(nanos / 1_000_000n)) : Duration.nanos(nanos)))

const UNITS: ReadonlyArray<readonly [string, bigint]> = [
  ["h", 3_600_000_000_000n],
  ["m", 60_000_000_000n],
  ["s", 1_000_000_000n],
  ["ms", 1_000_000n],
  ["us", 1_000n]
]

/** Writes a `Duration` as a Go duration string that `parse` reads back (`"1500ms"`, `"2s"`, `"0"`). */
export const format = (duration: Duration.Duration): string => {
  const nanos = Duration.toNanosUnsafe(duration)
  if (nanos === 0n) return "0"
  for (const [name, size] of UNITS) {
    if (nanos % size === 0n) return `${nanos / size}${name}`
  }
  return `${nanos}ns`
}

const fromString = SchemaTransformation.transformEffect<Duration.Duration, string>({
  decode: (text) =>
    Result.match(parse(text), {
      onSuccess: Effect.succeed,
      onFailure: (message) => Effect.fail(new SchemaIssue.InvalidValue({ message }, text))
    }),
  encode: (duration) => Effect.succeed(format(duration))
})

/**
 * A Go duration string decoded to a `Duration`. A JSON number is refused with a hint, since
 * KrakenD v3 writes durations as strings.
 */
export const GoDuration = Schema.String.annotate({
  description: "Go duration string, e.g. \"300ms\", \"1.5s\", \"1m30s\"",
  message: "expected a Go duration string such as \"2s\" or \"150ms\" (KrakenD v3 writes durations as strings)"
}).pipe(Schema.decodeTo(Schema.Duration, fromString))

/** A Go duration string that must be greater than zero (timeouts). */
export const PositiveGoDuration = GoDuration.pipe(
  Schema.decodeTo(
    Schema.Duration,
    SchemaTransformation.transformEffect<Duration.Duration, Duration.Duration>({
      decode: (d) =>
        Duration.isZero(d)
          ? Effect.fail(new SchemaIssue.InvalidValue({ message: "must be greater than 0 (a timeout of 0 never answers)" }, d))
          : Effect.succeed(d),
      encode: Effect.succeed
    })
  )
)
