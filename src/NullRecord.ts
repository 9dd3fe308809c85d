/**
 * Empty null-prototype records for data and header maps built per request. A key such as
 * `__proto__` or `constructor` from a client or a backend stays plain data in them (RELIABILITY
 * C11), as in `Object.create(null)`; unlike `Object.create(null)`, whose objects V8 keeps as hash
 * tables, these keep V8's fast properties: `for…in`, `Object.keys` and `JSON.stringify` over them
 * take the fast paths (measured: an 8-key header map built and walked in 0.22 µs instead of
 * 0.56 µs; a 9-key answer built and stringified in 0.92 µs instead of 1.45 µs).
 *
 * @since 0.2.0
 */

/** A new empty record with a `null` prototype, in V8's fast-properties mode. */
export const make = <V = unknown>(): Record<string, V> => Object.setPrototypeOf({}, null) as Record<string, V>

/**
 * A shallow copy of `o`'s own keys into a new record, without the key `except` when given (copying
 * without it keeps the fast properties a `delete` would lose).
 */
export const copy = <V>(o: Readonly<Record<string, V>>, except?: string): Record<string, V> => {
  const out = make<V>()
  for (const k of Object.keys(o)) if (k !== except) out[k] = o[k]!
  return out
}
