/**
 * Sluice's version, used in `User-Agent: Sluice/<version>` and the version header.
 *
 * @since 0.1.0
 */
export const version = "0.1.0"

/** `User-Agent` sent to backends when the client's is not forwarded. */
export const userAgent = `Sluice/${version}`
