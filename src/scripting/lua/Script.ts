/**
 * A Lua namespace's scripts (`modifier/lua-endpoint`, `modifier/lua-proxy`,
 * `modifier/lua-backend`; SCRIPTING.md §1): the `sources` read from the working directory and
 * joined into one chunk, the inline `pre` and `post`, checked against `md5` and compiled once
 * when the pipe is built. Sluice's decisions: a missing or unreadable file, a wrong checksum and
 * a syntax error stop the start with the JSON path (KrakenD would drop the stage or fail every
 * request). With `live`, the files are checked for changes at most once a second and recompiled
 * once; a new version that does not compile is logged and the last good one keeps running.
 *
 * Error texts follow krakend-lua: `<message> (<file>:L<line>)`.
 *
 * @since 0.3.0
 */
import * as Effect from "effect/Effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { ConfigError } from "../../config/ConfigError.ts"
import * as JsonPath from "../../config/JsonPath.ts"
import type { LuaConfig } from "../../config/Model.ts"
import * as Vm from "./Vm.ts"

/** What a script reads, found in its text (so a run pushes only those parts of the state). */
export interface Uses {
  readonly headers: boolean
  readonly params: boolean
  readonly body: boolean
  readonly data: boolean
  readonly query: boolean
}

/** One compiled version of the scripts. */
export interface Version {
  readonly settings: Vm.Settings
  /** Line ranges of the source files in the joined chunk, for messages. */
  readonly files: ReadonlyArray<{ readonly name: string; readonly first: number; readonly last: number }>
  readonly uses: Uses
  /** What the sources and `pre` read; what the sources and `post` read (each run pushes only that). */
  readonly preUses: Uses
  readonly postUses: Uses
  /** The chunks run before the call: the sources, then `pre`. */
  readonly pre: ReadonlyArray<string>
  readonly hasPost: boolean
}

/** A stage's scripts: the current version (changes with `live`). */
export interface Script {
  readonly config: LuaConfig
  readonly path: string
  current: () => Version
}

const fail = (path: string, message: string) => new ConfigError({ issues: [{ path, message }] })

const md5 = (text: string): string => createHash("md5").update(text).digest("hex")

const readSources = (config: LuaConfig, path: string): ReadonlyArray<{ readonly name: string; readonly text: string }> =>
  config.sources.map((name, i) => {
    const tried = nodePath.resolve(name)
    try {
      return { name, text: fs.readFileSync(tried, "utf8") }
    } catch (error) {
      throw fail(
        JsonPath.index(JsonPath.key(path, "sources"), i),
        `lua: unable to load required source ${name} (tried ${tried}: ${(error as NodeJS.ErrnoException).code ?? String(error)})`
      )
    }
  })

const build = (config: LuaConfig, path: string, sources: ReadonlyArray<{ readonly name: string; readonly text: string }>): Version => {
  const files: Array<{ name: string; first: number; last: number }> = []
  let line = 1
  for (const source of sources) {
    const lines = source.text.split("\n").length
    files.push({ name: source.name, first: line, last: line + lines - 1 })
    line += lines
  }
  const joined = sources.map((s) => s.text).join("\n")
  const chunks = [
    ...(sources.length > 0 ? [{ key: "sources", name: "sources", text: joined }] : []),
    ...(config.pre !== "" ? [{ key: "pre", name: "pre-script", text: config.pre }] : []),
    ...(config.post !== "" ? [{ key: "post", name: "post-script", text: config.post }] : [])
  ]
  const all = `${joined}\n${config.pre}\n${config.post}`
  return {
    preUses: usesOf(`${joined}\n${config.pre}`),
    postUses: usesOf(`${joined}\n${config.post}`),
    settings: { allowOpenLibs: config.allow_open_libs, chunks },
    files,
    pre: chunks.filter((c) => c.key !== "post").map((c) => c.key),
    hasPost: config.post !== "",
    uses: usesOf(all)
  }
}

const usesOf = (text: string): Uses => ({
  headers: text.includes("headers") || text.includes("headerList"),
  params: text.includes("params"),
  body: text.includes("body"),
  data: text.includes("data"),
  query: text.includes("query")
})

/** `msg (file:Ln)` from Lua's `chunk:line: msg`, the line of a source mapped to its file. */
export const describe = (version: Version, message: string): string => {
  const m = /^(sources|pre-script|post-script):(\d+): ([\s\S]*)$/.exec(message)
  if (m === null) return message
  const line = Number(m[2])
  if (m[1] !== "sources") return `${m[3]} (${m[1]}:L${line})`
  const file = version.files.find((f) => line >= f.first && line <= f.last)
  return file === undefined ? `${m[3]} (sources:L${line})` : `${m[3]} (${nodePath.basename(file.name)}:L${line - file.first + 1})`
}

/** Compiles a version in a throwaway VM: a syntax error is a start error at `path`. */
const check = (shared: Vm.Module, version: Version, path: string): void => {
  try {
    Vm.Vm.make(shared, version.settings).close()
  } catch (error) {
    if (error instanceof Vm.CompileError) {
      const key = error.chunk === "pre-script" ? "pre" : error.chunk === "post-script" ? "post" : "sources"
      throw fail(JsonPath.key(path, key), `lua: syntax error: ${describe(version, error.message)}`)
    }
    throw error
  }
}

const checkMd5 = (config: LuaConfig, path: string, sources: ReadonlyArray<{ readonly name: string; readonly text: string }>): void => {
  for (const [name, want] of Object.entries(config.md5)) {
    const source = sources.find((s) => s.name === name)
    const have = md5(source?.text ?? "")
    if (have !== want.toLowerCase()) {
      throw fail(JsonPath.key(JsonPath.key(path, "md5"), name), `lua: wrong cheksum for source ${name}. have: ${have}, want: ${want}`)
    }
  }
}

/** Reports a `live` script whose new version fails (the last good version keeps running). */
const onStale = (path: string, message: string): void => {
  console.error(`[Lua] ${path}: the changed sources are not used: ${message}`)
}

/** Reads, checks and compiles a namespace's scripts when the pipe is built. */
export const make = (config: LuaConfig, path: string): Effect.Effect<Script, ConfigError> =>
  Effect.flatMap(Effect.promise(() => Vm.ready()), (shared) =>
    Effect.try({
      try: (): Script => {
        const sources = readSources(config, path)
        if (!config.live) checkMd5(config, path, sources)
        let version = build(config, path, sources)
        check(shared, version, path)
        if (!config.live) return { config, path, current: () => version }
        let checked = Date.now()
        let stamp = stamps(config)
        return {
          config,
          path,
          current: () => {
            const now = Date.now()
            if (now - checked < 1000) return version
            checked = now
            const next = stamps(config)
            if (next === stamp) return version
            stamp = next
            try {
              const fresh = build(config, path, readSources(config, path))
              check(shared, fresh, path)
              version = fresh
            } catch (error) {
              onStale(path, error instanceof ConfigError ? error.message : String(error))
            }
            return version
          }
        }
      },
      catch: (error) => (error instanceof ConfigError ? error : fail(path, `lua: ${String(error)}`))
    }))

const stamps = (config: LuaConfig): string =>
  config.sources
    .map((name) => {
      try {
        const st = fs.statSync(name)
        return `${st.mtimeMs}:${st.size}`
      } catch {
        return "missing"
      }
    })
    .join("|")
