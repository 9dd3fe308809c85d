/**
 * Locating JSON syntax errors: `JSON.parse` in Node 22 often names no position, so a small
 * scanner finds the offset of the first error, reported as a line and a column.
 *
 * @since 0.1.0
 */

const WHITESPACE = new Set([" ", "\t", "\n", "\r"])
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y
const MAX_DEPTH = 10_000

/** The offset of the first JSON syntax error in `text`, or `undefined` if it is valid JSON. */
export const errorOffset = (text: string): number | undefined => {
  let i = 0
  const skip = () => {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++
  }
  const match = (re: RegExp): boolean => {
    re.lastIndex = i
    if (!re.test(text)) return false
    i = re.lastIndex
    return true
  }
  const string = (): boolean => {
    if (text[i] !== "\"") return false
    i++
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c === 0x22) {
        i++
        return true
      }
      if (c < 0x20) return false
      if (c === 0x5c) {
        if (!match(ESCAPE)) return false
      } else {
        i++
      }
    }
    return false
  }
  const value = (depth: number): boolean => {
    if (depth > MAX_DEPTH) return false
    skip()
    const c = text[i]
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]"
      i++
      skip()
      if (text[i] === close) {
        i++
        return true
      }
      for (;;) {
        if (c === "{") {
          skip()
          if (!string()) return false
          skip()
          if (text[i] !== ":") return false
          i++
        }
        if (!value(depth + 1)) return false
        skip()
        if (text[i] === ",") {
          i++
          continue
        }
        if (text[i] !== close) return false
        i++
        return true
      }
    }
    if (c === "\"") return string()
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) {
        i += word.length
        return true
      }
    }
    return match(NUMBER)
  }
  if (!value(0)) return i
  skip()
  return i < text.length ? i : undefined
}

/** ` (line L column C)` for the first syntax error of `text`, or the empty string. */
export const errorLocation = (text: string): string => {
  const offset = errorOffset(text)
  if (offset === undefined) return ""
  const lines = text.slice(0, offset).split("\n")
  return ` (line ${lines.length} column ${lines[lines.length - 1]!.length + 1})`
}
