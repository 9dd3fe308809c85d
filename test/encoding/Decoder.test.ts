import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { describe, expect, it } from "vitest"
import * as Decoder from "../../src/encoding/Decoder.ts"
import * as Json from "../../src/encoding/Json.ts"
import type { BackendConfig } from "../../src/config/Model.ts"
import type { RawResponse } from "../../src/proxy/Executor.ts"
import { backend } from "../proxy/Fixtures.ts"

const raw = (body: string, status = 200): RawResponse => ({ status, headers: {}, body: Buffer.from(body), stream: undefined })

const decode = (over: Partial<BackendConfig>, body: string) => Effect.runSyncExit(Decoder.make(backend(over))(raw(body)))

const data = (over: Partial<BackendConfig>, body: string): unknown => {
  const exit = decode(over, body)
  if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
  return exit.value.data
}

const reason = (over: Partial<BackendConfig>, body: string): string | undefined => {
  const exit = decode(over, body)
  if (Exit.isSuccess(exit)) return undefined
  const e = Cause.findErrorOption(exit.cause)
  return Option.isSome(e) ? e.value.reason : undefined
}

describe("Decoder", () => {
  it("json: an object", () => {
    expect(data({}, '{"a":1,"b":[1,2]}')).toEqual({ a: 1, b: [1, 2] })
  })
  it.each(['[1,2]', '"s"', "1", "null", '{"a":', "NaN", "\uFEFF{}", "<html></html>", ""])("json: %j is a Decode error", (body) => {
    expect(reason({}, body)).toBe("Decode")
  })
  it("json + is_collection: an array as { collection }", () => {
    expect(data({ is_collection: true }, "[1,2]")).toEqual({ collection: [1, 2] })
    expect(reason({ is_collection: true }, '{"a":1}')).toBe("Decode")
  })
  it("safejson: object, array, scalar", () => {
    expect(data({ encoding: "safejson" }, '{"a":1}')).toEqual({ a: 1 })
    expect(data({ encoding: "safejson" }, "[1]")).toEqual({ collection: [1] })
    expect(data({ encoding: "safejson" }, '"s"')).toEqual({ content: "s" })
    expect(data({ encoding: "safejson" }, "3")).toEqual({ content: 3 })
    expect(reason({ encoding: "safejson" }, "{")).toBe("Decode")
  })
  it("string: { content }", () => {
    expect(data({ encoding: "string" }, "héllo")).toEqual({ content: "héllo" })
  })
  it("xml: the document as data; rss: a non-feed document is a Decode error", () => {
    expect(data({ encoding: "xml" }, "<a x=\"1\"><b>2</b></a>")).toEqual({ a: { "-x": "1", b: "2" } })
    expect(reason({ encoding: "xml" }, "<a><__proto__/></a>")).toBe("Decode")
    expect(reason({ encoding: "rss" }, "<a/>")).toBe("Decode")
  })
  it("nesting deeper than the limit is a Decode error", () => {
    const deep = "[".repeat(1000) + "]".repeat(1000)
    expect(reason({ encoding: "safejson" }, deep)).toBe("Decode")
    const ok = "[".repeat(100) + "]".repeat(100)
    expect(data({ encoding: "safejson" }, ok)).toHaveProperty("collection")
    expect(Json.exceedsDepth('{"s":"' + "[".repeat(2000) + '"}')).toBe(false)
  })
  it("no-op: stream and end-to-end headers, no decoding", () => {
    const exit = Effect.runSyncExit(
      Decoder.make(backend({ encoding: "no-op" }))({
        status: 503,
        headers: { "content-type": "text/plain", connection: "close, x-secret", "x-secret": "1", "transfer-encoding": "chunked", "x-ok": ["a", "b"] },
        body: undefined,
        stream: undefined
      })
    )
    if (Exit.isFailure(exit)) throw new Error("failed")
    expect(exit.value.metadata.status).toBe(503)
    expect({ ...exit.value.metadata.headers }).toEqual({ "Content-Type": ["text/plain"], "X-Ok": ["a", "b"] })
  })
})
