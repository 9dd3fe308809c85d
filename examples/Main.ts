/**
 * Shared by the examples: backend URLs from the environment, and "run only when this file is
 * the program" (so tests can import the examples).
 */
import { fileURLToPath } from "node:url"

/** `true` when `url` (an `import.meta.url`) is the script node was started with. */
export const isMain = (url: string): boolean => process.argv[1] === fileURLToPath(url)

/** An environment variable, or `fallback`. */
export const env = (name: string, fallback: string): string => process.env[name] ?? fallback
