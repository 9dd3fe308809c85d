/**
 * The request object of Sluice's own path for bodiless HTTP/1.1 requests (`FastPath.ts`): an
 * `HttpServerRequest` over Node's request whose header record is copied once into Effect's
 * `Headers` (the platform's builds an entries array for it), with no absolute-URL check and no
 * body-teardown listener (there is no body). Members behave as the platform's do for such a request.
 *
 * @since 0.4.0
 */
import * as NodeHttpIncomingMessage from "@effect/platform-node/NodeHttpIncomingMessage"
import * as NodeMultipart from "@effect/platform-node/NodeMultipart"
import * as Effect from "effect/Effect"
import * as Cookies from "effect/http/Cookies"
import * as Headers from "effect/http/Headers"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import { HttpServerError, RequestParseError } from "effect/http/HttpServerError"
import * as Request from "effect/http/HttpServerRequest"
import * as UrlParams from "effect/http/UrlParams"
import type * as Option from "effect/Option"
import type * as Socket from "effect/socket/Socket"
import type { IncomingMessage, ServerResponse } from "node:http"
import * as Identity from "../Identity.ts"


/** The prototype of Effect's `Headers` records (lower-case names, redaction, equality). */
export const headersProto: object = Object.getPrototypeOf(Headers.empty)

/** Node's header record (lower-case names; only `set-cookie` repeats as a list) as Effect's `Headers`. */
const headersOf = (source: IncomingMessage["headers"]): Headers.Headers => {
  const out: Record<string, string> = Object.create(headersProto)
  for (const name in source) {
    const value = source[name]
    if (value !== undefined) out[name] = typeof value === "string" ? value : value.join(", ")
  }
  return out as unknown as Headers.Headers
}

/** A bodiless HTTP/1.1 request; `response` is the Node answer the writer writes to. */
export class Bodiless extends NodeHttpIncomingMessage.NodeHttpIncomingMessage<HttpServerError> implements Request.HttpServerRequest {
  readonly [Request.TypeId]: typeof Request.TypeId = Request.TypeId
  override destroyOnOverflow = false
  override closeOnDone = false
  readonly response: ServerResponse
  readonly url: string
  readonly protocol: "http" | "https" | undefined
  #headers: Headers.Headers | undefined
  readonly #peerAddress: Option.Option<string> | undefined
  #cookies: Record<string, string> | undefined
  constructor(
    source: IncomingMessage,
    response: ServerResponse,
    url?: string,
    headers?: Headers.Headers,
    remoteAddress?: Option.Option<string>,
    peerAddress?: Option.Option<string>,
    protocol?: "http" | "https"
  ) {
    super(source, (cause) =>
      new HttpServerError({
        reason: new RequestParseError({ request: this, reason: "Parse", cause })
      }), remoteAddress)
    this.response = response
    this.url = url ?? source.url!
    this.#headers = headers
    this.#peerAddress = peerAddress
    this.protocol = protocol
  }
  override get headers(): Headers.Headers {
    return (this.#headers ??= headersOf(this.source.headers))
  }
  get method(): string {
    return this.source.method!
  }
  get originalUrl(): string {
    const url = this.source.url!
    const host = this.source.headers.host
    if (host === undefined) return url
    return `${(this.source.socket as { encrypted?: boolean } | null)?.encrypted === true ? "https" : "http"}://${host}${url}`
  }
  get peerAddress(): Option.Option<string> {
    return this.#peerAddress ?? this.remoteAddress
  }
  get cookies(): Record<string, string> {
    return (this.#cookies ??= Cookies.parseHeader(this.source.headers.cookie ?? ""))
  }
  get multipart() {
    return NodeMultipart.persisted(this.source, this.source.headers)
  }
  get multipartStream() {
    return NodeMultipart.stream(this.source, this.source.headers)
  }
  get upgrade(): Effect.Effect<Socket.Socket, HttpServerError> {
    return this.upgradeWith({})
  }
  upgradeWith(_options: { readonly headers?: Headers.Input | undefined }): Effect.Effect<Socket.Socket, HttpServerError> {
    return Effect.fail(new HttpServerError({ reason: new RequestParseError({ request: this, description: "not an upgradeable ServerRequest" }) }))
  }
  modify(options: {
    readonly url?: string
    readonly headers?: Headers.Headers
    readonly remoteAddress?: Option.Option<string>
    readonly peerAddress?: Option.Option<string>
    readonly protocol?: "http" | "https"
  }): Request.HttpServerRequest {
    return new Bodiless(
      this.source,
      this.response,
      options.url ?? this.url,
      options.headers ?? this.#headers,
      "remoteAddress" in options ? options.remoteAddress : this.remoteAddressOverride,
      options.peerAddress ?? this.#peerAddress,
      options.protocol ?? this.protocol
    )
  }
  override toString(): string {
    return `ServerRequest(${this.method} ${UrlParams.redactUrl(this.url)})`
  }
  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, { _id: "HttpServerRequest", method: this.method, url: UrlParams.redactUrl(this.originalUrl) })
  }
}

// Hashed and compared by identity (`Identity.ts`): a failure after the head is combined with the
// answer's cause, which hashes the error and this request in it, and a structural hash would read
// every getter here (`textUnsafe` among them, which throws on a request read asynchronously).
Object.defineProperties(Bodiless.prototype, Identity.byReference)
