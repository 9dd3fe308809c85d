/**
 * Sluice's version, used in `User-Agent: Sluice/<version>` and the version header.
 *
 * @example
 * ```ts
 * import { version } from "sluice"
 * console.log(`running Sluice ${version}`) // running Sluice 0.1.0
 * ```
 *
 * @since 0.1.0
 */
export const version = "0.1.0"

/** `User-Agent` sent to backends when the client's is not forwarded. */
export const userAgent = `Sluice/${version}`
