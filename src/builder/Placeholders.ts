/**
 * Type-level reading of `{placeholder}` names, so that the builder can reject, at compile time,
 * a backend `url_pattern` that uses a name the endpoint path does not declare.
 *
 * @since 0.1.0
 */

/**
 * The `{name}` placeholders of a string literal type, as a union (`never` when there are none).
 * A non-literal `string` gives `never`: nothing can be checked at compile time, the config
 * decoder checks it when the gateway is made.
 *
 * @example
 * ```ts
 * type P = Placeholders<"/users/{id}/posts/{post}"> // "id" | "post"
 * ```
 */
export type Placeholders<S extends string> = string extends S ? never : Names<S>

type Names<S extends string> = S extends `${string}{${infer Name}}${infer Rest}` ? Name | Names<Rest> : never

/**
 * The placeholders a backend of an endpoint on `Path` may use: the params of `Path`, the
 * `{resp<N>_field}` values of a sequential proxy and the `{JWT.claim}` values (config rule 3).
 * A non-literal `Path` allows anything (the decoder checks it).
 *
 * @example
 * ```ts
 * type A = Allowed<"/users/{id}"> // "id" | `resp${number}_${string}` | `JWT.${string}`
 * ```
 */
export type Allowed<Path extends string> = string extends Path ? string
  : Names<Path> | `resp${number}_${string}` | `JWT.${string}`
