/**
 * One Lua VM: the reference Lua 5.4 C VM compiled to WebAssembly (`wasmoon`), driven through its
 * raw C API (SCRIPTING.md §4.4). It holds KrakenD's API (`Shim.ts`) and a stage's compiled
 * chunks; a run pushes one state table, resumes a coroutine and reads the state back.
 *
 * Bounds (Sluice's, KrakenD has none): a count hook every 10 000 instructions checks the run's
 * deadline (`script timeout`, then an error at every instruction so that no `pcall` can swallow
 * it) and ends a time slice (the run yields and resumes on the next turn of the event loop, so a
 * long script never holds the process); the allocator refuses more than the run's memory budget
 * (`not enough memory`). The module, the hook and the string crossings are in `Wasm.ts`.
 *
 * @since 0.3.0
 * @internal
 */
import type { LuaEngine } from "wasmoon"
import * as OptionalLibrary from "../../OptionalLibrary.ts"
import * as NullRecord from "../../NullRecord.ts"
import { source as shimSource } from "./Shim.ts"
import {
  big,
  cstring,
  current,
  encoder,
  enter,
  GRACE_MS,
  HOOK_EVERY,
  LUA_ERRMEM,
  LUA_ERRRUN,
  LUA_OK,
  MASK_COUNT,
  MAX_DEPTH,
  MAX_ITEMS,
  pushBytes,
  pushString,
  REGISTRY,
  type Shared,
  SLICE_MS,
  T_BOOLEAN,
  T_NIL,
  T_NUMBER,
  T_STRING,
  T_TABLE,
  toBytes,
  toString
} from "./Wasm.ts"

/** The loaded module (`ready()`), for a VM. */
export type { Module } from "./Wasm.ts"
export { ready } from "./Wasm.ts"

/** A Lua error: its text, and what `custom_error` asked for. */
export interface LuaFailure {
  readonly message: string
  /** `custom_error`'s status (-1: none given), `undefined` for any other error. */
  readonly status?: number | undefined
  readonly contentType?: string | undefined
  /** The run hit its deadline or memory budget: the VM is replaced. */
  readonly bound?: "timeout" | "memory" | undefined
}

/** What a run yields for: a time slice, or an `http_response.new` call. */
export interface HttpCall {
  readonly url: string
  readonly method: string
  readonly body: string
  readonly headers: Record<string, Array<string>>
}

/** The answer an `http_response.new` call gets. */
export interface HttpResult {
  readonly status: number
  /** Lower-case names. */
  readonly headers: Record<string, ReadonlyArray<string>>
  readonly body: string
}

/** A JSON value pushed into Lua. */
type Json = unknown

/** Settings of a VM. */
export interface Settings {
  readonly allowOpenLibs: boolean
  /** Chunks by name: the text is compiled once; `name` is the chunk name in messages. */
  readonly chunks: ReadonlyArray<{ readonly key: string; readonly name: string; readonly text: string }>
}

/** Data that cannot cross between JavaScript and Lua (too deep, cyclic). */
export class DataError extends Error {}

/** A compile error: the chunk and Lua's message (`name:line: text`). */
export class CompileError extends Error {
  readonly chunk: string
  constructor(chunk: string, message: string) {
    super(message)
    this.chunk = chunk
  }
}

/**
 * A VM with the shim and the stage's chunks loaded. Not shareable across concurrent runs: the
 * pool hands each request its own.
 */
export class Vm {
  readonly L: number
  readonly thread: number
  deadline = 0
  sliceEnd = 0
  /** Lua time left to the current run (ms). */
  remaining = 0
  /** The allocator's limit while the run executes (none while the host pushes and reads). */
  private memoryLimit = 0
  timedOut = false
  broken = false
  private readonly threadRef: number
  private readonly refs: { newEnv: bigint; run: bigint; finish: bigint; arr: bigint; nul: bigint; obj: bigint; custom: bigint; marker: bigint }
  private readonly chunkRefs = new Map<string, bigint>()
  private readonly nres: number

  private readonly s: Shared
  private readonly engine: LuaEngine

  private constructor(s: Shared, engine: LuaEngine, settings: Settings) {
    this.s = s
    this.engine = engine
    const raw = s.raw
    const L = engine.global.address
    this.L = L
    this.nres = raw._malloc(4)
    // the shim: (allowOpenLibs, environ, httpMarker) -> entry points
    this.load(L, shimSource, "=sluice-shim")
    raw._lua_pushboolean(L, settings.allowOpenLibs ? 1 : 0)
    this.pushStrings(L, process.env)
    raw._lua_createtable(L, 0, 0)
    raw._lua_pushvalue(L, -1)
    const marker = raw._luaL_ref(L, REGISTRY)
    // the libraries the scripts name (copied per request) and whether they call load
    const text = settings.chunks.map((c) => c.text).join("\n")
    raw._lua_createtable(L, 0, 0)
    for (const name of ["table", "string", "math", "os", "io", "coroutine", "utf8", "debug"]) {
      if (!text.includes(name)) continue
      raw._lua_pushboolean(L, 1)
      raw._lua_setfield(L, -2, cstring(s, name))
    }
    raw._lua_pushboolean(L, text.includes("load") ? 1 : 0)
    if (raw._lua_pcallk(L, 5, 1, 0, 0, 0) !== LUA_OK) throw new Error(`Lua shim: ${toString(s, L, -1)}`)
    const field = (name: string): bigint => {
      pushString(s, L, name)
      raw._lua_rawget(L, -2)
      return BigInt(raw._luaL_ref(L, REGISTRY))
    }
    this.refs = {
      newEnv: field("newEnv"),
      run: field("run"),
      finish: field("finish"),
      arr: field("ARR"),
      nul: field("NULL"),
      obj: field("OBJ"),
      custom: field("CUSTOM"),
      marker: BigInt(marker)
    }
    raw._lua_settop(L, 0)
    for (const chunk of settings.chunks) {
      // a fresh environment per request: every chunk starts with `local _ENV = ...`
      const status = this.load(L, `local _ENV = ...; ${chunk.text}`, `=${chunk.name}`)
      if (status !== LUA_OK) {
        const message = toString(s, L, -1)
        this.close()
        throw new CompileError(chunk.name, message)
      }
      this.chunkRefs.set(chunk.key, BigInt(raw._luaL_ref(L, REGISTRY)))
    }
    this.thread = raw._lua_newthread(L)
    this.threadRef = raw._luaL_ref(L, REGISTRY)
    raw._lua_sethook(this.thread, s.hook, MASK_COUNT, HOOK_EVERY)
    // the main state runs host calls (environments, finalizers): bounded by `guarded`
    raw._lua_sethook(L, s.hook, MASK_COUNT, HOOK_EVERY)
  }

  /** A new VM (the module must be loaded: `load()`). */
  static make(s: Shared, settings: Settings): Vm {
    const engine = new (OptionalLibrary.wasmoon().LuaEngine)(s.module, {
      openStandardLibs: true,
      injectObjects: false,
      enableProxy: false,
      traceAllocations: true
    })
    return new Vm(s, engine, settings)
  }

  private load(L: number, text: string, name: string): number {
    const bytes = encoder.encode(text)
    const ptr = this.s.raw._malloc(bytes.length + 1)
    try {
      this.s.raw.HEAPU8.set(bytes, ptr)
      return this.s.raw._luaL_loadbufferx(L, ptr, bytes.length, cstring(this.s, name), this.s.modePtr)
    } finally {
      this.s.raw._free(ptr)
    }
  }

  private pushStrings(L: number, record: Readonly<Record<string, string | undefined>>): void {
    const raw = this.s.raw
    raw._lua_createtable(L, 0, 0)
    for (const key in record) {
      const value = record[key]
      if (value === undefined) continue
      pushString(this.s, L, key)
      pushString(this.s, L, value)
      raw._lua_rawset(L, -3)
    }
  }

  /** A new environment for one request; free it with `unref`. */
  newEnv(): number {
    const raw = this.s.raw
    const L = this.L
    raw._lua_rawgeti(L, REGISTRY, this.refs.newEnv)
    if (this.guarded(() => raw._lua_pcallk(L, 0, 1, 0, 0, 0)) !== LUA_OK) {
      raw._lua_settop(L, 0)
      this.broken = true
      throw new Error("Lua: cannot create an environment")
    }
    return raw._luaL_ref(L, REGISTRY)
  }

  /** Runs a host call into Lua (finalizers may run in it) under a short deadline. */
  private guarded<A>(f: () => A): A {
    const outer = current()
    const { deadline, sliceEnd, timedOut } = this
    this.deadline = performance.now() + GRACE_MS
    this.sliceEnd = this.deadline
    enter(this)
    try {
      return f()
    } finally {
      enter(outer)
      this.deadline = deadline
      this.sliceEnd = sliceEnd
      if (this.timedOut && !timedOut) this.broken = true
      this.timedOut = timedOut
    }
  }

  unref(ref: number): void {
    this.s.raw._luaL_unref(this.L, REGISTRY, ref)
  }

  // ---- building the state table on the run's thread -------------------------------------

  /** Starts a table on the thread's stack. */
  table(): void {
    this.s.raw._lua_createtable(this.thread, 0, 8)
  }

  /** Sets `t[name] = string` on the table at the top. */
  setString(name: string, value: string): void {
    pushString(this.s, this.thread, value)
    this.s.raw._lua_setfield(this.thread, -2, cstring(this.s, name))
  }

  setBytes(name: string, value: Uint8Array): void {
    pushBytes(this.s, this.thread, value)
    this.s.raw._lua_setfield(this.thread, -2, cstring(this.s, name))
  }

  setBoolean(name: string, value: boolean): void {
    this.s.raw._lua_pushboolean(this.thread, value ? 1 : 0)
    this.s.raw._lua_setfield(this.thread, -2, cstring(this.s, name))
  }

  setNumber(name: string, value: number): void {
    this.pushNumber(value)
    this.s.raw._lua_setfield(this.thread, -2, cstring(this.s, name))
  }

  /** `t[name] = { k = v }` of strings. */
  setStringMap(name: string, record: Readonly<Record<string, string>>): void {
    pushString(this.s, this.thread, name)
    const raw = this.s.raw
    const T = this.thread
    raw._lua_createtable(T, 0, 4)
    for (const key in record) {
      pushString(this.s, T, key)
      pushString(this.s, T, record[key]!)
      raw._lua_rawset(T, -3)
    }
    raw._lua_rawset(T, -3)
  }

  /** `t[name] = { k = { v1, v2 } }` (plain Lua lists). */
  setListMap(name: string, record: Readonly<Record<string, ReadonlyArray<string>>>): void {
    pushString(this.s, this.thread, name)
    const raw = this.s.raw
    const T = this.thread
    raw._lua_createtable(T, 0, 8)
    for (const key in record) {
      const values = record[key]!
      pushString(this.s, T, key)
      raw._lua_createtable(T, values.length, 0)
      for (let i = 0; i < values.length; i++) {
        raw._lua_pushnumber(T, i + 1)
        pushString(this.s, T, values[i]!)
        raw._lua_rawset(T, -3)
      }
      raw._lua_rawset(T, -3)
    }
    raw._lua_rawset(T, -3)
  }

  /** `t[name] = <json>` with KrakenD's data model (objects, 1-based arrays with `n`, luaNil). */
  setJson(name: string, value: Json): void {
    pushString(this.s, this.thread, name)
    this.pushJson(value, 0)
    this.s.raw._lua_rawset(this.thread, -3)
  }

  /** Nests the table at the top under `name` of the table below it. */
  nest(name: string): void {
    const raw = this.s.raw
    pushString(this.s, this.thread, name)
    raw._lua_pushvalue(this.thread, -2)
    raw._lua_rawset(this.thread, -4)
    raw._lua_settop(this.thread, -2)
  }

  private pushNumber(n: number): void {
    // whole numbers are Lua integers, so that `'page=' .. n` reads as in Lua 5.1
    if (Number.isSafeInteger(n)) this.s.raw._lua_pushinteger(this.thread, big(n))
    else this.s.raw._lua_pushnumber(this.thread, n)
  }

  private pushJson(value: Json, depth: number): void {
    const raw = this.s.raw
    const T = this.thread
    if (depth > MAX_DEPTH) throw new DataError(`data nested deeper than ${MAX_DEPTH} levels`)
    if (raw._lua_checkstack(T, 4) === 0) throw new DataError("data too deep for the Lua stack")
    if (value === null || value === undefined) {
      raw._lua_rawgeti(T, REGISTRY, this.refs.nul)
    } else if (typeof value === "string") {
      pushString(this.s, T, value)
    } else if (typeof value === "number") {
      this.pushNumber(value)
    } else if (typeof value === "boolean") {
      raw._lua_pushboolean(T, value ? 1 : 0)
    } else if (Array.isArray(value)) {
      raw._lua_createtable(T, value.length, 1)
      for (let i = 0; i < value.length; i++) {
        raw._lua_pushnumber(T, i + 1)
        this.pushJson(value[i], depth + 1)
        raw._lua_rawset(T, -3)
      }
      pushString(this.s, T, "n")
      raw._lua_pushinteger(T, big(value.length))
      raw._lua_rawset(T, -3)
      raw._lua_rawgeti(T, REGISTRY, this.refs.arr)
      raw._lua_setmetatable(T, -2)
    } else if (typeof value === "object") {
      const record = value as Record<string, unknown>
      raw._lua_createtable(T, 0, 8)
      for (const key in record) {
        const v = record[key]
        if (v === undefined) continue
        pushString(this.s, T, key)
        this.pushJson(v, depth + 1)
        raw._lua_rawset(T, -3)
      }
      raw._lua_rawgeti(T, REGISTRY, this.refs.obj)
      raw._lua_setmetatable(T, -2)
    } else {
      pushString(this.s, T, String(value))
    }
  }

  // ---- running ---------------------------------------------------------------------------

  /**
   * Pushes `run(env, kind, <state table at the top>, chunks…)` and starts it. The state table
   * must be the only value on the thread's stack.
   */
  start(env: number, kind: "request" | "ginContext", chunks: ReadonlyArray<string>, cpuMs: number, memory: number): number {
    const raw = this.s.raw
    const T = this.thread
    raw._lua_rawgeti(T, REGISTRY, this.refs.run)
    raw._lua_rawgeti(T, REGISTRY, big(env))
    pushString(this.s, T, kind)
    raw._lua_pushvalue(T, 1)
    for (const key of chunks) raw._lua_rawgeti(T, REGISTRY, this.chunkRefs.get(key)!)
    // the state table below the call, so the results follow it
    this.remaining = cpuMs
    this.timedOut = false
    this.memoryLimit = this.engine.global.getMemoryUsed() + memory
    return this.resume(3 + chunks.length)
  }

  /** Resumes the run: LUA_OK, LUA_YIELD (results: `yielded()`), or an error status. */
  resume(nargs: number): number {
    const raw = this.s.raw
    const started = performance.now()
    this.sliceEnd = started + SLICE_MS
    this.deadline = started + this.remaining
    raw.HEAPU32[this.nres >> 2] = 0
    this.engine.global.setMemoryMax(this.memoryLimit)
    enter(this)
    let status: number
    try {
      status = raw._lua_resume(this.thread, this.L, nargs, this.nres)
    } finally {
      enter(undefined)
      this.engine.global.setMemoryMax(undefined)
      this.remaining -= performance.now() - started
    }
    // a timeout caught inside the script (a coroutine, pcall) still ends the run as one
    if (status === LUA_OK && this.timedOut) return LUA_ERRRUN
    return status
  }

  /** The `http_response.new` call the run yielded with, or `undefined` for a time slice. */
  yielded(): HttpCall | undefined {
    const raw = this.s.raw
    const T = this.thread
    const n = raw.HEAPU32[this.nres >> 2]!
    if (n < 5) {
      raw._lua_settop(T, -(n + 1))
      return undefined
    }
    const base = raw._lua_gettop(T) - n + 1
    raw._lua_rawgeti(T, REGISTRY, this.refs.marker)
    const isCall = raw._lua_rawequal(T, base, -1) !== 0
    raw._lua_settop(T, -2)
    if (!isCall) {
      raw._lua_settop(T, -(n + 1))
      return undefined
    }
    const call: HttpCall = {
      url: toString(this.s, T, base + 1),
      method: toString(this.s, T, base + 2),
      body: toString(this.s, T, base + 3),
      headers: this.readListMap(base + 4)
    }
    raw._lua_settop(T, -(n + 1))
    return call
  }

  /** Pushes the answer of an `http_response.new` call (then `resume(2)`). */
  pushHttp(result: HttpResult | string): void {
    const raw = this.s.raw
    const T = this.thread
    if (typeof result === "string") {
      raw._lua_pushnil(T)
      pushString(this.s, T, result)
      return
    }
    raw._lua_createtable(T, 0, 3)
    this.setNumber("status", result.status)
    this.setListMap("headers", result.headers)
    this.setString("body", result.body)
    raw._lua_pushnil(T)
  }

  /** After an error status: the failure, and the thread reset for the next run. */
  failure(status: number): LuaFailure {
    const raw = this.s.raw
    const T = this.thread
    let failure: LuaFailure
    if (raw._lua_type(T, -1) === T_TABLE && raw._lua_getmetatable(T, -1) !== 0) {
      raw._lua_rawgeti(T, REGISTRY, this.refs.custom)
      const custom = raw._lua_rawequal(T, -1, -2) !== 0
      raw._lua_settop(T, -3)
      if (custom) {
        const fields = this.readRecord(raw._lua_gettop(T))
        failure = {
          message: typeof fields["msg"] === "string" ? fields["msg"] : "",
          status: typeof fields["status"] === "number" ? fields["status"] : -1,
          contentType: typeof fields["ct"] === "string" ? fields["ct"] : undefined
        }
      } else {
        failure = { message: "a Lua error with a table value" }
      }
    } else {
      failure = { message: raw._lua_type(T, -1) === T_STRING || raw._lua_type(T, -1) === T_NUMBER ? toString(this.s, T, -1) : "a Lua error" }
    }
    if (this.timedOut) failure = { message: "script timeout", bound: "timeout" }
    else if (status === LUA_ERRMEM) failure = { ...failure, bound: "memory" }
    // closing the thread runs its to-be-closed variables: bounded too
    this.guarded(() => raw._lua_resetthread(T))
    raw._lua_sethook(T, this.s.hook, MASK_COUNT, HOOK_EVERY)
    raw._lua_sethook(this.L, this.s.hook, MASK_COUNT, HOOK_EVERY)
    this.timedOut = false
    if (failure.bound !== undefined) this.broken = true
    return failure
  }

  /** A run left suspended (its request was interrupted): the VM is not reused. */
  abandon(): void {
    this.broken = true
    this.engine.global.setMemoryMax(undefined)
  }

  /** Ends a run: the shim forgets the state; the thread's stack is emptied. */
  finish(): void {
    const raw = this.s.raw
    // a run left suspended (interrupted between slices): this VM is not reused
    if (raw._lua_status(this.thread) !== LUA_OK) this.broken = true
    else raw._lua_settop(this.thread, 0)
    raw._lua_rawgeti(this.L, REGISTRY, this.refs.finish)
    if (this.guarded(() => raw._lua_pcallk(this.L, 0, 0, 0, 0, 0)) !== LUA_OK) this.broken = true
    raw._lua_settop(this.L, 0)
  }

  /** Bytes the VM holds. */
  memoryUsed(): number {
    return this.engine.global.getMemoryUsed()
  }

  // ---- reading the state back ------------------------------------------------------------

  /** The field `name` of the table at `idx` is pushed; returns its Lua type. */
  private field(idx: number, name: string): number {
    return this.s.raw._lua_getfield(this.thread, idx, cstring(this.s, name))
  }

  /** Reads a string field of the table at `idx` (`undefined` if not a string). */
  readString(idx: number, name: string): string | undefined {
    const t = this.field(idx, name)
    const v = t === T_STRING || t === T_NUMBER ? toString(this.s, this.thread, -1) : undefined
    this.s.raw._lua_settop(this.thread, -2)
    return v
  }

  readBytes(idx: number, name: string): Uint8Array | undefined {
    const t = this.field(idx, name)
    const v = t === T_STRING ? toBytes(this.s, this.thread, -1) : undefined
    this.s.raw._lua_settop(this.thread, -2)
    return v
  }

  readBoolean(idx: number, name: string): boolean {
    this.field(idx, name)
    const v = this.s.raw._lua_toboolean(this.thread, -1) !== 0
    this.s.raw._lua_settop(this.thread, -2)
    return v
  }

  readNumber(idx: number, name: string): number | undefined {
    const t = this.field(idx, name)
    const v = t === T_NUMBER ? this.s.raw._lua_tonumberx(this.thread, -1, 0) : undefined
    this.s.raw._lua_settop(this.thread, -2)
    return v
  }

  /** The table field `name` pushed (returns its absolute index), or `undefined` (nothing pushed). */
  open(idx: number, name: string): number | undefined {
    if (this.field(idx, name) !== T_TABLE) {
      this.s.raw._lua_settop(this.thread, -2)
      return undefined
    }
    return this.s.raw._lua_gettop(this.thread)
  }

  close(): void
  close(idx: number): void
  close(idx?: number): void {
    if (idx !== undefined) {
      this.s.raw._lua_settop(this.thread, idx - 1)
      return
    }
    this.s.raw._free(this.nres)
    // finalizers run on close: bounded (their errors only warn)
    this.guarded(() => this.engine.global.close())
  }

  /** A `{ k = v }` table of strings. */
  readStringMap(idx: number): Record<string, string> {
    const raw = this.s.raw
    const T = this.thread
    const out: Record<string, string> = NullRecord.make()
    raw._lua_pushnil(T)
    while (raw._lua_next(T, idx) !== 0) {
      const t = raw._lua_type(T, -1)
      if (raw._lua_type(T, -2) === T_STRING && (t === T_STRING || t === T_NUMBER)) {
        out[toString(this.s, T, -2)] = toString(this.s, T, -1)
      }
      raw._lua_settop(T, -2)
    }
    return out
  }

  /** A `{ k = { v1, v2 } }` table of string lists. */
  readListMap(idx: number): Record<string, Array<string>> {
    const raw = this.s.raw
    const T = this.thread
    const out: Record<string, Array<string>> = NullRecord.make()
    raw._lua_pushnil(T)
    while (raw._lua_next(T, idx) !== 0) {
      if (raw._lua_type(T, -2) === T_STRING && raw._lua_type(T, -1) === T_TABLE) {
        const values: Array<string> = []
        const list = raw._lua_gettop(T)
        for (let i = 1; ; i++) {
          const t = raw._lua_rawgeti(T, list, big(i))
          if (t !== T_STRING && t !== T_NUMBER) {
            raw._lua_settop(T, -2)
            break
          }
          values.push(toString(this.s, T, -1))
          raw._lua_settop(T, -2)
        }
        out[toString(this.s, T, -2)] = values
      }
      raw._lua_settop(T, -2)
    }
    return out
  }

  private readRecord(idx: number): Record<string, unknown> {
    const raw = this.s.raw
    const T = this.thread
    const out: Record<string, unknown> = NullRecord.make()
    raw._lua_pushnil(T)
    while (raw._lua_next(T, idx) !== 0) {
      const t = raw._lua_type(T, -1)
      // only string keys: converting a number key in place would confuse lua_next
      if (raw._lua_type(T, -2) === T_STRING) {
        out[toString(this.s, T, -2)] = t === T_STRING ? toString(this.s, T, -1) : t === T_NUMBER ? raw._lua_tonumberx(T, -1, 0) : undefined
      }
      raw._lua_settop(T, -2)
    }
    return out
  }

  /** The JSON value at `idx` (the data model of `setJson`). */
  readJson(idx: number): unknown {
    const raw = this.s.raw
    const T = this.thread
    raw._lua_rawgeti(T, REGISTRY, this.refs.arr)
    raw._lua_rawgeti(T, REGISTRY, this.refs.nul)
    const top = raw._lua_gettop(T)
    try {
      return this.json(idx, top - 1, top, 0, new Set())
    } finally {
      raw._lua_settop(T, top - 2)
    }
  }

  private json(idx: number, arr: number, nul: number, depth: number, open: Set<number>): unknown {
    const raw = this.s.raw
    const T = this.thread
    if (depth > MAX_DEPTH) throw new DataError(`data nested deeper than ${MAX_DEPTH} levels`)
    if (raw._lua_checkstack(T, 4) === 0) throw new DataError("data too deep for the Lua stack")
    switch (raw._lua_type(T, idx)) {
      case T_NIL:
        return undefined
      case T_BOOLEAN:
        return raw._lua_toboolean(T, idx) !== 0
      case T_NUMBER:
        return raw._lua_tonumberx(T, idx, 0)
      case T_STRING:
        return toString(this.s, T, idx)
      case T_TABLE: {
        if (raw._lua_rawequal(T, idx, nul) !== 0) return null
        const pointer = raw._lua_topointer(T, idx)
        if (open.has(pointer)) throw new DataError("the data contains itself")
        open.add(pointer)
        try {
          return this.readTable(idx, arr, nul, depth, open)
        } finally {
          open.delete(pointer)
        }
      }
      default:
        return undefined
    }
  }

  private readTable(idx: number, arr: number, nul: number, depth: number, open: Set<number>): unknown {
    const raw = this.s.raw
    const T = this.thread
    let isArray = false
    if (raw._lua_getmetatable(T, idx) !== 0) {
      isArray = raw._lua_rawequal(T, -1, arr) !== 0
      raw._lua_settop(T, -2)
    }
    if (isArray) {
      pushString(this.s, T, "n")
      raw._lua_rawget(T, idx)
      const n = raw._lua_tonumberx(T, -1, 0)
      raw._lua_settop(T, -2)
      if (!Number.isInteger(n) || n < 0 || n > MAX_ITEMS) throw new DataError(`a list of ${n} items`)
      const out: Array<unknown> = []
      for (let i = 0; i < n; i++) {
        raw._lua_rawgeti(T, idx, big(i + 1))
        const v = this.json(raw._lua_gettop(T), arr, nul, depth + 1, open)
        out.push(v === undefined ? null : v)
        raw._lua_settop(T, -2)
      }
      return out
    }
    // a plain object (fast properties for the renderer); `__proto__` only as an own property
    const out: Record<string, unknown> = {}
    raw._lua_pushnil(T)
    while (raw._lua_next(T, idx) !== 0) {
      const top = raw._lua_gettop(T)
      const kt = raw._lua_type(T, top - 1)
      if (kt === T_STRING || kt === T_NUMBER) {
        // tostring of a number key would change the key on the stack and confuse lua_next
        const key = kt === T_STRING ? toString(this.s, T, top - 1) : String(raw._lua_tonumberx(T, top - 1, 0))
        const v = this.json(top, arr, nul, depth + 1, open)
        if (v !== undefined) {
          if (key === "__proto__") Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true })
          else out[key] = v
        }
      }
      raw._lua_settop(T, -2)
    }
    return out
  }
}
