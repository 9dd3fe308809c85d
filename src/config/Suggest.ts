/**
 * "Did you mean" suggestions for misspelt config keys, by edit distance.
 *
 * @since 0.1.0
 */

/** Levenshtein distance between two strings (insert, delete, substitute; cost 1 each). */
export const distance = (a: string, b: string): number => {
  if (a === b) return 0
  if (a.length === 0) return b.length
  if (b.length === 0) return a.length
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min(current[j - 1]! + 1, previous[j]! + 1, previous[j - 1]! + cost)
    }
    previous = current
  }
  return previous[b.length]!
}

/**
 * The candidate closest to `word`, if it is close enough to be a plausible typo: a
 * case-insensitive or `-`/`_` insensitive match, or an edit distance of at most a third of the
 * word (and at least 2).
 */
export const closest = (word: string, candidates: Iterable<string>): string | undefined => {
  const loose = (s: string) => s.toLowerCase().replace(/[-_]/g, "")
  const limit = Math.max(2, Math.floor(word.length / 3))
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    if (loose(candidate) === loose(word)) return candidate
    const d = distance(word.toLowerCase(), candidate.toLowerCase())
    if (d <= limit && d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

/** `; did you mean "x"?` when a close candidate exists, otherwise the empty string. */
export const hint = (word: string, candidates: Iterable<string>): string => {
  const match = closest(word, candidates)
  return match === undefined ? "" : `; did you mean ${JSON.stringify(match)}?`
}
