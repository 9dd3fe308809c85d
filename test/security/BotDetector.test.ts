import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Config from "../../src/config/Config.ts"
import type { ConfigError } from "../../src/config/ConfigError.ts"
import type { BotDetectorOptions } from "../../src/config/Model.ts"
import * as BotDetector from "../../src/security/BotDetector.ts"

const options = (overrides: Partial<BotDetectorOptions> = {}): BotDetectorOptions => ({
  allow: [],
  deny: [],
  patterns: [],
  cache_size: 0,
  empty_user_agent_is_bot: false,
  ...overrides
})

const minimal = (service: Record<string, unknown> = {}, endpoint: Record<string, unknown> = {}) => ({
  version: 3,
  host: ["localhost:8000"],
  endpoints: [{ endpoint: "/a", backend: [{ url_pattern: "/b" }], ...endpoint }],
  extra_config: service
})

const issuesOf = (input: unknown) => Effect.flip(Config.decode(input)).pipe(Effect.map((e: ConfigError) => e.issues))

describe("BotDetector.make", () => {
  it("evaluates allow, then deny, then patterns", () => {
    const isBot = BotDetector.make(options({
      allow: ["GoodBot/1.0"],
      deny: ["EvilBot/1.0"],
      patterns: ["Bot", "^curl/"]
    }))
    expect(isBot("GoodBot/1.0")).toBe(false)
    expect(isBot("EvilBot/1.0")).toBe(true)
    expect(isBot("OtherBot/2")).toBe(true)
    expect(isBot("curl/8.0")).toBe(true)
    expect(isBot("Mozilla/5.0")).toBe(false)
  })

  it("allow and deny are exact full-string matches", () => {
    const isBot = BotDetector.make(options({ allow: ["a"], deny: ["EvilBot"] }))
    expect(isBot("EvilBot")).toBe(true)
    expect(isBot("EvilBot/1.0")).toBe(false)
    expect(isBot("xEvilBot")).toBe(false)
    expect(isBot("evilbot")).toBe(false)
  })

  it("allow wins over deny and patterns", () => {
    const isBot = BotDetector.make(options({ allow: ["Bot"], deny: ["Bot"], patterns: ["Bot"] }))
    expect(isBot("Bot")).toBe(false)
    expect(isBot("Bot2")).toBe(true)
  })

  it("a missing or empty User-Agent is a bot only with empty_user_agent_is_bot", () => {
    const lenient = BotDetector.make(options({ patterns: [".*"] }))
    expect(lenient(undefined)).toBe(false)
    expect(lenient("")).toBe(false)
    const strict = BotDetector.make(options({ empty_user_agent_is_bot: true }))
    expect(strict(undefined)).toBe(true)
    expect(strict("")).toBe(true)
    expect(strict("Mozilla/5.0")).toBe(false)
  })

  it("a leading (?i) is read as the case-insensitive flag", () => {
    const isBot = BotDetector.make(options({ patterns: ["(?i)crawler"] }))
    expect(isBot("My CRAWLER")).toBe(true)
    expect(isBot("Mozilla")).toBe(false)
  })

  it("C15: patterns only see the first 1024 characters; deny still compares the whole value", () => {
    const isBot = BotDetector.make(options({ patterns: ["bot"], deny: ["x".repeat(2000)] }))
    expect(isBot(`${"a".repeat(1021)}bot`)).toBe(true)
    expect(isBot(`${"a".repeat(1022)}bot`)).toBe(false)
    expect(isBot(`${"a".repeat(5000)}bot`)).toBe(false)
    expect(isBot("x".repeat(2000))).toBe(true)
  })

  it("the LRU cache keeps verdicts and evicts the least recently used", () => {
    // Pattern evaluations are counted by observing RegExp.prototype.test.
    let calls = 0
    const isBot = BotDetector.make(options({ patterns: ["zzz"], cache_size: 2 }))
    const spy = RegExp.prototype.test
    RegExp.prototype.test = function(this: RegExp, s: string) {
      if (this.source === "zzz") calls++
      return spy.call(this, s)
    }
    try {
      isBot("a")
      isBot("b")
      expect(calls).toBe(2)
      isBot("a") // hit, a becomes most recent
      expect(calls).toBe(2)
      isBot("c") // evicts b
      expect(calls).toBe(3)
      isBot("a")
      expect(calls).toBe(3)
      isBot("b")
      expect(calls).toBe(4)
    } finally {
      RegExp.prototype.test = spy
    }
    expect(isBot("zzz")).toBe(true)
  })

  it("fromConfig is undefined when the namespace is absent", () => {
    expect(BotDetector.fromConfig(undefined)).toBeUndefined()
  })
})

describe("BotDetector patterns run in linear time (C15)", () => {
  // Patterns that make a backtracking engine take exponential or polynomial time on a 1024
  // character User-Agent; on the linear engine each match finishes at once (a hang here would
  // fail the test by its timeout).
  it.each([
    ["(a+)+$", "a".repeat(1023) + "!"],
    ["^(a*)*$", "a".repeat(1023) + "!"],
    ["(a|aa)+$", "a".repeat(1023) + "!"],
    ["(\\d|\\w)+x", "1".repeat(1024)],
    [".*.*.*.*.*x", "a".repeat(1024)],
    ["^(\\w+\\s?)*$", "a ".repeat(511) + "!"]
  ])("%s is accepted and answers at once", (pattern, ua) => {
    expect(BotDetector.patternProblem(pattern)).toBeUndefined()
    const isBot = BotDetector.make({ allow: [], deny: [], patterns: [pattern], cache_size: 0, empty_user_agent_is_bot: false })
    expect(isBot(ua)).toBe(false)
  })

  it.each(["(a)\\1", "(?=bot)"])("%s needs backtracking: refused like RE2", (pattern) => {
    expect(BotDetector.patternProblem(pattern)).toMatch(/needs backtracking/)
  })

  it("(?i) matches case-insensitively; escapes keep their meaning", () => {
    const isBot = BotDetector.make({ allow: [], deny: [], patterns: ["(?i)googlebot", "(?i)^\\D+\\d$"], cache_size: 0, empty_user_agent_is_bot: false })
    expect(isBot("Mozilla/5.0 (compatible; GoogleBot/2.1)")).toBe(true)
    expect(isBot("ABC7")).toBe(true)
    expect(isBot("Mozilla/5.0 Firefox/120.0")).toBe(false)
  })
})

describe("security/bot-detector config", () => {
  it.effect("decodes service and endpoint level with defaults, without warnings", () =>
    Effect.gen(function*() {
      const { config, warnings } = yield* Config.decode(minimal(
        { "security/bot-detector": { deny: ["a"], patterns: ["bot"], cache_size: 10 } },
        { extra_config: { "security/bot-detector": { empty_user_agent_is_bot: true } } }
      ))
      expect(warnings).toEqual([])
      expect(config.extra_config["security/bot-detector"]).toEqual({
        allow: [],
        deny: ["a"],
        patterns: ["bot"],
        cache_size: 10,
        empty_user_agent_is_bot: false
      })
      expect(config.endpoints[0]!.extra_config["security/bot-detector"]).toEqual({
        allow: [],
        deny: [],
        patterns: [],
        cache_size: 0,
        empty_user_agent_is_bot: true
      })
    }))

  it.effect("absent namespace stays absent", () =>
    Effect.gen(function*() {
      const { config } = yield* Config.decode(minimal())
      expect(config.extra_config["security/bot-detector"]).toBeUndefined()
      expect(config.endpoints[0]!.extra_config["security/bot-detector"]).toBeUndefined()
    }))

  it.effect("a pattern that does not compile is an error at its path and index", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(minimal({ "security/bot-detector": { patterns: ["ok", "(unclosed"] } }))
      expect(issues).toHaveLength(1)
      expect(issues[0]!.path).toBe("$.extra_config[\"security/bot-detector\"].patterns[1]")
      expect(issues[0]!.message).toMatch(/^invalid regular expression: /)
    }))

  it.effect("a pattern that needs backtracking is an error at its path and index (endpoint level)", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(minimal({}, { extra_config: { "security/bot-detector": { patterns: ["(a)\\1"] } } }))
      expect(issues).toHaveLength(1)
      expect(issues[0]!.path).toBe("$.endpoints[0].extra_config[\"security/bot-detector\"].patterns[0]")
      expect(issues[0]!.message).toMatch(/needs backtracking/)
    }))

  it.effect("a typo in the namespace is reported", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(minimal({ "security/bot-detector": { paterns: ["x"] } }))
      expect(issues.map((i) => i.path)).toEqual(["$.extra_config[\"security/bot-detector\"].paterns"])
    }))
})
