/**
 * Hop-by-hop header names (RFC 9110 §7.6.1, plus the legacy `Proxy-Connection`), lower-case. They
 * describe one connection and never cross the gateway in either direction; neither do the names
 * a peer lists in its own `Connection` header.
 *
 * @since 0.1.0
 */

/** The hop-by-hop names. */
export const names: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate"
])

/**
 * `names` plus the framing headers the sender of a message computes itself, and `Expect`: the
 * gateway's own server answers `100-continue` and reads the whole body before any backend call,
 * so there is nothing left to expect upstream (and undici refuses the header).
 */
export const withFraming: ReadonlySet<string> = new Set([...names, "host", "content-length", "expect"])

/** The last `Connection` value read and its names: backends send the same one answer after answer. */
let last: { readonly value: string; readonly names: ReadonlySet<string> | undefined } = { value: "", names: undefined }

const parse = (values: ReadonlyArray<string>): ReadonlySet<string> | undefined => {
  const out = new Set<string>()
  for (const value of values) {
    for (const token of value.split(",")) {
      const name = token.trim().toLowerCase()
      if (name !== "") out.add(name)
    }
  }
  return out.size === 0 ? undefined : out
}

/** The lower-case names listed in `Connection` header values (`close, X-Secret` → `x-secret`). */
export const nominated = (connection: ReadonlyArray<string> | string | undefined): ReadonlySet<string> | undefined => {
  if (connection === undefined) return undefined
  if (typeof connection !== "string") return parse(connection)
  if (connection !== last.value) last = { value: connection, names: parse([connection]) }
  return last.names
}
