/**
 * The libraries only some configs need (jose for JWT, CEL, Lua's VM, Ajv for JSON Schema, YAML,
 * XML, the HTTP cache's policy, ioredis), loaded the first time a feature that uses
 * them is built or run, not when Sluice starts: a gateway that configures none of them keeps
 * them out of its memory. The load is synchronous (`require`, which reads ES modules too on
 * Node ≥ 22.12), so the features keep plain builders; the builders load what they use when the
 * pipe is built (a reload's too), never per request.
 *
 * @since 0.1.0
 */
import { createRequire } from "node:module"

const require = createRequire(import.meta.url)

/**
 * A loader of `specifier`: the module the first time it is called, the same one after.
 *
 * @example
 * const jose = OptionalLibrary.load<typeof import("jose")>("jose")
 * const { compactVerify } = jose()
 */
export const load = <A>(specifier: string): () => A => {
  let loaded: A | undefined
  return () => (loaded ??= require(specifier) as A)
}

/** `jose`: JWS verification and signing, JWK import (`auth/validator`, `auth/signer`). */
export const jose = load<typeof import("jose")>("jose")

/** `@marcbachmann/cel-js` (`validation/cel`, the JWT validator's CEL checks). */
export const cel = load<typeof import("@marcbachmann/cel-js")>("@marcbachmann/cel-js")

/** `wasmoon`: Lua 5.4 in WebAssembly (`modifier/lua-*`). */
export const wasmoon = load<typeof import("wasmoon")>("wasmoon")

/** `yaml` (the `yaml` output encoding). */
export const yaml = load<typeof import("yaml")>("yaml")

/** `fast-xml-parser` (the `xml` backend encoding). */
export const xml = load<typeof import("fast-xml-parser")>("fast-xml-parser")

/** `http-cache-semantics` (`qos/http-cache`). */
export const cachePolicy = load<typeof import("http-cache-semantics")>("http-cache-semantics")

/** `ioredis` (the `redis` rate limits). */
export const ioredis = load<typeof import("ioredis")>("ioredis")

/** Ajv and its drafts and formats (`validation/json-schema`). */
export const ajv = {
  draft07: load<typeof import("ajv")>("ajv"),
  draft2019: load<typeof import("ajv/dist/2019.js")>("ajv/dist/2019.js"),
  draft2020: load<typeof import("ajv/dist/2020.js")>("ajv/dist/2020.js"),
  draft04: load<typeof import("ajv-draft-04")>("ajv-draft-04"),
  formats: load<typeof import("ajv-formats")>("ajv-formats")
}
