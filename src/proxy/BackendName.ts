/**
 * The name of a backend in errors and logs: `METHOD url_pattern` (`GET /users/{id}`).
 *
 * @since 0.1.0
 */
import type { BackendConfig } from "../config/Model.ts"

/** `METHOD url_pattern` of a backend. */
export const of = (backend: BackendConfig): string => `${backend.method} ${backend.url_pattern}`
