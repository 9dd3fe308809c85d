/**
 * KrakenD's bot detector (`security/bot-detector`, krakend-botdetector): the User-Agent is
 * checked against exact `allow` names, then exact `deny` names, then the `patterns` regular
 * expressions; a bot is answered 403. Everything is compiled once at startup into an `IsBot`
 * function. Against ReDoS (RELIABILITY.md C15) patterns run on V8's linear-time regexp engine (the
 * `l` flag: no backtracking, the same guarantee as KrakenD's RE2 — and, like RE2, no
 * backreferences or lookarounds; a pattern it cannot run is a config error), on at most the first
 * `maxPatternInput` characters of the User-Agent.
 *
 * @since 0.1.0
 */
import * as v8 from "node:v8"
import type { BotDetectorOptions } from "../config/Model.ts"

/** Whether a request with this User-Agent (`undefined` when absent) is a bot. */
export type IsBot = (userAgent: string | undefined) => boolean

/** Patterns see at most this many characters of the User-Agent (allow/deny compare the whole value). */
export const maxPatternInput = 1024

// The linear engine parses the `l` flag only behind this V8 flag; set once, before any pattern
// is compiled. It changes nothing for other regular expressions.
v8.setFlagsFromString("--enable-experimental-regexp-engine")

const LEADING_FLAGS = /^\(\?([imsU]+)\)/

/** A compiled pattern; `lower` when it is case-insensitive (it then sees the lower-cased input). */
export interface Pattern {
  readonly regexp: RegExp
  readonly lower: boolean
}

/**
 * A pattern's letters lower-cased outside escapes (`\D`, `\W`, `\p{Lu}` keep their meaning): the
 * linear engine has no `i` flag, so `(?i)` matches the lower-cased User-Agent against this.
 */
const lowerPattern = (source: string): string => {
  let out = ""
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!
    if (c !== "\\") {
      out += c.toLowerCase()
      continue
    }
    const next = source[i + 1] ?? ""
    if ((next === "p" || next === "P") && source[i + 2] === "{") {
      const end = source.indexOf("}", i)
      const stop = end < 0 ? source.length - 1 : end
      out += source.slice(i, stop + 1)
      i = stop
      continue
    }
    out += c + next
    i++
  }
  return out
}

/**
 * A Go RE2 pattern on the linear-time engine: a leading inline flag group such as `(?i)` becomes
 * the matching mode (`i`, `m`, `s`; RE2's `U` is refused). Fails with the reason as a string.
 */
export const compile = (source: string): Pattern | string => {
  const flags = LEADING_FLAGS.exec(source)
  const body = flags === null ? source : source.slice(flags[0].length)
  const names = flags === null ? "" : [...new Set(flags[1]!)].join("")
  if (names.includes("U")) return "invalid regular expression: the (?U) flag is not supported"
  const lower = names.includes("i")
  try {
    return { regexp: new RegExp(lower ? lowerPattern(body) : body, `${names.replace("i", "")}l`), lower }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    return message.includes("linear time")
      ? `invalid regular expression: it needs backtracking (a backreference or a lookaround), which RE2 and Sluice refuse: ${source}`
      : `invalid regular expression: ${message}`
  }
}

/** Why a `patterns` entry is refused, or `undefined` when it compiles on the linear engine. */
export const patternProblem = (source: string): string | undefined => {
  const compiled = compile(source)
  return typeof compiled === "string" ? compiled : undefined
}

/** Compiles the options once. Patterns must have passed `patternProblem` (the config decoder checks them). */
export const make = (options: BotDetectorOptions): IsBot => {
  const allow = new Set(options.allow)
  const deny = new Set(options.deny)
  const patterns = options.patterns.flatMap((p) => {
    const r = compile(p)
    return typeof r === "string" ? [] : [r]
  })
  const anyLower = patterns.some((p) => p.lower)
  const emptyIsBot = options.empty_user_agent_is_bot
  const detect = (ua: string): boolean => {
    if (allow.has(ua)) return false
    if (deny.has(ua)) return true
    const input = ua.length > maxPatternInput ? ua.slice(0, maxPatternInput) : ua
    const lowered = anyLower ? input.toLowerCase() : input
    for (const p of patterns) if (p.regexp.test(p.lower ? lowered : input)) return true
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
