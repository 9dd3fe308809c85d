/**
 * The Lua WebAssembly module (`wasmoon`), loaded once per process, and what every VM shares: the
 * raw C exports, the instruction-count hook that enforces a run's deadline and time slice, and
 * the string crossings (UTF-8 through a scratch buffer, C strings of field names made once). Lua
 * runs one coroutine at a time in the whole process; `enter` says whose, so the hook knows which
 * run's clock to check.
 *
 * @since 0.3.0
 * @internal
 */
import type { LuaFactory } from "wasmoon"
import * as OptionalLibrary from "../../OptionalLibrary.ts"

export type LuaModule = Awaited<ReturnType<LuaFactory["getLuaModule"]>>
/** The Emscripten module under wasmoon's wrappers: raw exports that take pointers. */
export interface Raw {
  readonly HEAPU8: Uint8Array
  readonly HEAPU32: Uint32Array
  _malloc(n: number): number
  _free(p: number): void
  _lua_createtable(L: number, narr: number, nrec: number): void
  _lua_pushnumber(L: number, n: number): void
  _lua_pushinteger(L: number, n: bigint): void
  _lua_pushboolean(L: number, b: number): void
  _lua_pushnil(L: number): void
  _lua_pushlstring(L: number, p: number, len: number): number
  _lua_pushvalue(L: number, idx: number): void
  _lua_rawset(L: number, idx: number): void
  _lua_setfield(L: number, idx: number, k: number): void
  _lua_getfield(L: number, idx: number, k: number): number
  _lua_rawseti(L: number, idx: number, n: bigint): void
  _lua_rawgeti(L: number, idx: number, n: bigint): number
  _lua_rawget(L: number, idx: number): number
  _lua_setmetatable(L: number, idx: number): number
  _lua_getmetatable(L: number, idx: number): number
  _lua_rawequal(L: number, a: number, b: number): number
  _lua_type(L: number, idx: number): number
  _lua_tonumberx(L: number, idx: number, isnum: number): number
  _lua_toboolean(L: number, idx: number): number
  _lua_tolstring(L: number, idx: number, len: number): number
  _lua_gettop(L: number): number
  _lua_checkstack(L: number, n: number): number
  _lua_topointer(L: number, idx: number): number
  _lua_status(L: number): number
  _lua_settop(L: number, idx: number): void
  _lua_next(L: number, idx: number): number
  _lua_resume(L: number, from: number, nargs: number, nres: number): number
  _lua_resetthread(L: number): number
  _lua_newthread(L: number): number
  _lua_pcallk(L: number, nargs: number, nres: number, errfunc: number, ctx: number, k: number): number
  _lua_sethook(L: number, f: number, mask: number, count: number): void
  _lua_isyieldable(L: number): number
  _lua_error(L: number): number
  _lua_yieldk(L: number, nres: number, ctx: number, k: number): number
  _luaL_ref(L: number, t: number): number
  _luaL_unref(L: number, t: number, ref: number): void
  _luaL_loadbufferx(L: number, buf: number, size: number, name: number, mode: number): number
  addFunction(f: (...args: Array<number>) => unknown, signature: string): number
}

export const REGISTRY = -1001000
export const LUA_OK = 0
export const LUA_ERRRUN = 2
export const LUA_ERRMEM = 4
export const T_NIL = 0
export const T_BOOLEAN = 1
export const T_NUMBER = 3
export const T_STRING = 4
export const T_TABLE = 5
export const MASK_COUNT = 8
export const HOOK_EVERY = 10_000
/** How long a run holds the event loop before it yields (ms). */
export const SLICE_MS = 2
/** How long code that cannot yield may hold the event loop beyond its slice (ms). */
export const GRACE_MS = 25
/** Deepest data pushed into or read from Lua. */
export const MAX_DEPTH = 200
/** Longest list read back from Lua. */
export const MAX_ITEMS = 10_000_000

/** Small integers as BigInt (lua_Integer arguments), made once. */
const small: ReadonlyArray<bigint> = Array.from({ length: 1024 }, (_, i) => BigInt(i))
export const big = (n: number): bigint => (n >= 0 && n < 1024 ? small[n]! : BigInt(n))

export const encoder = new TextEncoder()
export const decoder = new TextDecoder()

/** The shared WebAssembly module (compiled once per process). */
export interface Shared {
  readonly module: LuaModule
  readonly raw: Raw
  readonly hook: number
  readonly scratch: { ptr: number; size: number }
  readonly cstrings: Map<string, number>
  readonly lenPtr: number
  readonly modePtr: number
}

let shared: Promise<Shared> | undefined
/** What the hook checks of the run in progress. */
export interface Clock {
  /** Past it (epoch of `performance.now()`), the run fails with `script timeout`. */
  readonly deadline: number
  /** Past it, the run yields (or, unable to, fails after the grace). */
  readonly sliceEnd: number
  /** Set by the hook when it stopped the run. */
  timedOut: boolean
  /** The run's own coroutine (only it may yield to the host). */
  readonly thread: number
}

/** The run whose coroutine is running now (Lua runs one at a time in the process). */
let running: Clock | undefined
export const enter = (clock: Clock | undefined): void => {
  running = clock
}
export const current = (): Clock | undefined => running

const init = async (): Promise<Shared> => {
  const module = await new (OptionalLibrary.wasmoon().LuaFactory)().getLuaModule()
  const raw = module.module as unknown as Raw
  const hook = raw.addFunction((L: number) => {
    const vm = running
    if (vm === undefined) return
    const now = performance.now()
    if (now <= vm.sliceEnd) return
    const canYield = L === vm.thread && raw._lua_isyieldable(L) !== 0
    // past the deadline, or holding the event loop where it cannot yield (a table.sort
    // comparator, a coroutine of its own, a finalizer) for longer than the grace: stop it
    if (now > vm.deadline || (!canYield && now > vm.sliceEnd + GRACE_MS)) {
      vm.timedOut = true
      // from now on every instruction of the run fails, so no pcall can keep it alive
      raw._lua_sethook(L, hook, MASK_COUNT, 1)
      if (L !== vm.thread) raw._lua_sethook(vm.thread, hook, MASK_COUNT, 1)
      pushString(state, L, "script timeout")
      raw._lua_error(L)
      return
    }
    if (canYield) raw._lua_yieldk(L, 0, 0, 0)
  }, "vii")
  const state: Shared = {
    module,
    raw,
    hook,
    scratch: { ptr: raw._malloc(4096), size: 4096 },
    cstrings: new Map(),
    lenPtr: raw._malloc(8),
    modePtr: 0
  }
  const modePtr = cstring(state, "t")
  return { ...state, modePtr }
}

/** The WebAssembly module, loaded once per process. */
export const ready = (): Promise<Shared> => (shared ??= init())

/** The loaded module, for a VM. */
export type Module = Shared

export const cstring = (s: Shared, text: string): number => {
  const known = s.cstrings.get(text)
  if (known !== undefined) return known
  const bytes = encoder.encode(text)
  const ptr = s.raw._malloc(bytes.length + 1)
  s.raw.HEAPU8.set(bytes, ptr)
  s.raw.HEAPU8[ptr + bytes.length] = 0
  s.cstrings.set(text, ptr)
  return ptr
}

export const scratch = (s: Shared, size: number): number => {
  if (size > s.scratch.size) {
    s.raw._free(s.scratch.ptr)
    const next = Math.max(size, s.scratch.size * 2)
    s.scratch.ptr = s.raw._malloc(next)
    s.scratch.size = next
  }
  return s.scratch.ptr
}

export const pushString = (s: Shared, L: number, text: string): void => {
  const n = text.length
  if (n === 0) {
    s.raw._lua_pushlstring(L, 0, 0)
    return
  }
  const max = n * 3
  const ptr = scratch(s, max)
  const heap = s.raw.HEAPU8
  if (n <= 64) {
    // short strings (names, header values): ASCII written in place, no view allocated
    let i = 0
    for (; i < n; i++) {
      const c = text.charCodeAt(i)
      if (c > 0x7f) break
      heap[ptr + i] = c
    }
    if (i === n) {
      s.raw._lua_pushlstring(L, ptr, n)
      return
    }
  }
  const { written } = encoder.encodeInto(text, heap.subarray(ptr, ptr + max))
  s.raw._lua_pushlstring(L, ptr, written)
}

export const pushBytes = (s: Shared, L: number, bytes: Uint8Array): void => {
  const ptr = scratch(s, Math.max(bytes.length, 1))
  s.raw.HEAPU8.set(bytes, ptr)
  s.raw._lua_pushlstring(L, ptr, bytes.length)
}

export const toBytes = (s: Shared, L: number, idx: number): Uint8Array => {
  const ptr = s.raw._lua_tolstring(L, idx, s.lenPtr)
  const len = s.raw.HEAPU32[s.lenPtr >> 2]!
  return s.raw.HEAPU8.slice(ptr, ptr + len)
}

export const toString = (s: Shared, L: number, idx: number): string => {
  const ptr = s.raw._lua_tolstring(L, idx, s.lenPtr)
  if (ptr === 0) return ""
  const len = s.raw.HEAPU32[s.lenPtr >> 2]!
  const heap = s.raw.HEAPU8
  if (len <= 32) {
    // short ASCII strings decoded in place
    let out = ""
    for (let i = 0; i < len; i++) {
      const c = heap[ptr + i]!
      if (c > 0x7f) return decoder.decode(heap.subarray(ptr, ptr + len))
      out += String.fromCharCode(c)
    }
    return out
  }
  return decoder.decode(heap.subarray(ptr, ptr + len))
}
