/**
 * Identity for Effect's `Hash` and `Equal`: objects compared and hashed by reference. Effect
 * hashes any other object by its structure, walking every value it reaches. When a client leaves
 * in the middle of an answer, the HTTP platform combines the failure with the answer it was
 * writing (`Cause.combine`, which hashes both), and a structural hash of a streamed answer walked
 * its body stream, the bytes buffered in it and the Node response and socket behind it: 5.7 ms of
 * CPU per aborted 1 MiB answer, measured, more than serving it whole. The answers Sluice's
 * renderer builds, its `no-op` body streams and the fast path's request object carry these two
 * methods instead. An answer rebuilt
 * by Effect's own constructors (CORS, security headers, a plugin) is Effect's again and hashed by
 * structure, but that walk stops at such a body stream.
 *
 * @since 0.2.0
 */
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"

/** The two methods, to define on a prototype (`Object.defineProperties(proto, byReference)`). */
export const byReference: PropertyDescriptorMap = {
  [Hash.symbol]: {
    value(this: object): number {
      return Hash.random(this)
    }
  },
  [Equal.symbol]: {
    value(this: object, that: unknown): boolean {
      return this === that
    }
  }
}
