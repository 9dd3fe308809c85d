/**
 * KrakenD's bot detector (`security/bot-detector`, krakend-botdetector): the User-Agent is
 * checked against exact `allow` names, then exact `deny` names, then the `patterns` regular
 * expressions; a bot is answered 403. Everything is compiled once at startup into an `IsBot`
 * function. Against ReDoS (RELIABILITY.md C15) patterns are matched on at most the first
 * `maxPatternInput` characters of the User-Agent, and patterns that may backtrack
 * catastrophically are rejected when the config is decoded (`patternProblem`).
 *
 * @since 0.1.0
 */
import type { BotDetectorOptions } from "../config/Model.ts"

/** Whether a request with this User-Agent (`undefined` when absent) is a bot. */
export type IsBot = (userAgent: string | undefined) => boolean

/** Patterns see at most this many characters of the User-Agent (allow/deny compare the whole value). */
export const maxPatternInput = 1024

const LEADING_FLAGS = /^\(\?([imsU]+)\)/

/**
 * A Go RE2 pattern as a JS `RegExp`: a leading inline flag group such as `(?i)` becomes the
 * RegExp flags (`i`, `m`, `s`; RE2's `U` is refused). Fails with the compiler's message.
 */
export const compile = (source: string): RegExp | string => {
  const flags = LEADING_FLAGS.exec(source)
  const body = flags === null ? source : source.slice(flags[0].length)
  const names = flags === null ? "" : [...new Set(flags[1]!)].join("")
  if (names.includes("U")) return "invalid regular expression: the (?U) flag is not supported"
  try {
    return new RegExp(body, names)
  } catch (e) {
    return `invalid regular expression: ${e instanceof Error ? e.message : String(e)}`
  }
}

interface Group {
  /** A repeating quantifier (`*`, `+`, `{n,}`, `{n,m}` with m > 1) appears inside. */
  repeats: boolean
  /** Raw source of each top-level alternative. */
  readonly alternatives: Array<string>
  /** Start of the current alternative in the source. */
  start: number
}

/** Index after a quantifier starting at `i` and whether it repeats (more than once), or `undefined`. */
const quantifier = (source: string, i: number): { readonly end: number; readonly repeats: boolean } | undefined => {
  const c = source[i]
  if (c === "*" || c === "+") return { end: i + 1, repeats: true }
  if (c === "?") return { end: i + 1, repeats: false }
  if (c === "{") {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24))
    if (m === null) return undefined
    const min = Number(m[1])
    const max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3])
    return { end: i + m[0].length, repeats: max > 1 }
  }
  return undefined
}

/** Whether two alternatives of a repeated group can start matching the same text (conservatively, by their source). */
const overlapping = (alternatives: ReadonlyArray<string>): boolean =>
  alternatives.some((a, i) =>
    alternatives.some((b, j) => i !== j && (a === "" || a.startsWith(".") || b.startsWith(a)))
  )

/**
 * A conservative check for patterns that may backtrack catastrophically: a group repeated by a
 * quantifier that itself contains a repeating quantifier (`(a+)+`, `(a*)*`, `(.*a){3}`), or
 * whose alternatives can match the same text (`(a|aa)+`, `(.|a)*`). Safe patterns may be refused
 * too; rewrite them without nested repetition.
 */
export const mayBacktrack = (source: string): boolean => {
  const stack: Array<Group> = [{ repeats: false, alternatives: [], start: 0 }]
  let i = 0
  while (i < source.length) {
    const c = source[i]!
    if (c === "\\") {
      i += 2
    } else if (c === "[") {
      i++
      if (source[i] === "^") i++
      if (source[i] === "]") i++
      while (i < source.length && source[i] !== "]") i += source[i] === "\\" ? 2 : 1
      i++
    } else if (c === "(") {
      i++
      if (source[i] === "?") {
        const named = /^\?(<[A-Za-z_][A-Za-z0-9_]*>|P<[A-Za-z_][A-Za-z0-9_]*>|[:=!]|<[=!])/.exec(source.slice(i))
        if (named !== null) i += named[0].length
      }
      stack.push({ repeats: false, alternatives: [], start: i })
      continue
    } else if (c === "|") {
      const top = stack[stack.length - 1]!
      top.alternatives.push(source.slice(top.start, i))
      top.start = i + 1
      i++
      continue
    } else if (c === ")") {
      if (stack.length === 1) return false
      const group = stack.pop()!
      group.alternatives.push(source.slice(group.start, i))
      const q = quantifier(source, i + 1)
      const outer = stack[stack.length - 1]!
      if (q !== undefined && q.repeats) {
        if (group.repeats || (group.alternatives.length > 1 && overlapping(group.alternatives))) return true
        outer.repeats = true
      }
      if (group.repeats) outer.repeats = true
      i = q === undefined ? i + 1 : q.end
      continue
    } else {
      i++
    }
    const q = quantifier(source, i)
    if (q !== undefined) {
      if (q.repeats) stack[stack.length - 1]!.repeats = true
      i = q.end
    }
  }
  return false
}

/** Why a `patterns` entry is refused, or `undefined` when it compiles and is safe. */
export const patternProblem = (source: string): string | undefined => {
  const compiled = compile(source)
  if (typeof compiled === "string") return compiled
  return mayBacktrack(source) ? "pattern may backtrack catastrophically (nested quantifiers or overlapping alternatives)" : undefined
}

/** Compiles the options once. Patterns must have passed `patternProblem` (the config decoder checks them). */
export const make = (options: BotDetectorOptions): IsBot => {
  const allow = new Set(options.allow)
  const deny = new Set(options.deny)
  const patterns = options.patterns.flatMap((p) => {
    const r = compile(p)
    return typeof r === "string" ? [] : [r]
  })
  const emptyIsBot = options.empty_user_agent_is_bot
  const detect = (ua: string): boolean => {
    if (allow.has(ua)) return false
    if (deny.has(ua)) return true
    const input = ua.length > maxPatternInput ? ua.slice(0, maxPatternInput) : ua
    for (const p of patterns) if (p.test(input)) return true
    return false
  }
  const size = options.cache_size
  if (size <= 0) return (ua) => (ua === undefined || ua === "" ? emptyIsBot : detect(ua))
  const cache = new Map<string, boolean>()
  return (ua) => {
    if (ua === undefined || ua === "") return emptyIsBot
    if (ua.length > maxPatternInput) return detect(ua)
    const hit = cache.get(ua)
    if (hit !== undefined) {
      cache.delete(ua)
      cache.set(ua, hit)
      return hit
    }
    const bot = detect(ua)
    if (cache.size >= size) cache.delete(cache.keys().next().value!)
    cache.set(ua, bot)
    return bot
  }
}

/** The detector of a namespace value, or `undefined` when the namespace is not configured. */
export const fromConfig = (options: BotDetectorOptions | undefined): IsBot | undefined =>
  options === undefined ? undefined : make(options)
