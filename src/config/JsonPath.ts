/**
 * JSON paths for config issues: `$.endpoints[0].backend[1].url_pattern`,
 * `$.extra_config["telemetry/logging"].level`.
 *
 * @since 0.1.0
 */

/** The root path. */
export const root = "$"

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** The path of a key of the object at `path`. */
export const key = (path: string, name: string): string =>
  IDENTIFIER.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`

/** The path of an element of the array at `path`. */
export const index = (path: string, i: number): string => `${path}[${i}]`

/** Appends a Schema issue path (keys and indexes) to `path`. */
export const append = (path: string, segments: ReadonlyArray<PropertyKey>): string =>
  segments.reduce<string>(
    (acc, segment) => typeof segment === "number" ? index(acc, segment) : key(acc, String(segment)),
    path
  )
