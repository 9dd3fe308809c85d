/**
 * G8 — property tests (fast-check). The config decoder never throws (test/config/Property.test.ts)
 * and url_pattern filling never changes the origin or the segment count
 * (test/proxy/UrlPattern.test.ts, "property: …"); here: the merge never pollutes a prototype and
 * is deterministic (and associative for the shallow and deep combiners), and the header filters
 * never let a hop-by-hop or `Connection`-nominated header through, in either direction.
 */
import * as Effect from "effect/Effect"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as Result from "effect/Result"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { endToEndHeaders, hopByHopResponse } from "../../src/encoding/Decoder.ts"
import * as Combiner from "../../src/proxy/Combiner.ts"
import * as Formatter from "../../src/proxy/Formatter.ts"
import * as Merge from "../../src/proxy/Merge.ts"
import * as Proxy from "../../src/proxy/Proxy.ts"
import { headerFilter } from "../../src/router/Incoming.ts"
import { userAgent } from "../../src/Version.ts"

// JSON text whose objects use the dangerous keys; `JSON.parse` makes them own properties, which
// is exactly what a backend body gives the gateway.
const dangerous = fc.constantFrom("__proto__", "constructor", "prototype", "polluted", "a", "b", "toString")
const { obj: objectText } = fc.letrec<{ node: string; obj: string }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 4 },
    fc.integer().map(String),
    fc.string({ maxLength: 4 }).map((s) => JSON.stringify(s)),
    fc.constant("null"),
    fc.array(tie("node"), { maxLength: 3 }).map((xs) => `[${xs.join(",")}]`),
    tie("obj")
  ),
  obj: fc.array(fc.tuple(dangerous, tie("node")), { maxLength: 4 })
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`)
}))
const backendData = objectText.map((text) => JSON.parse(text) as Record<string, unknown>)

const combiners: ReadonlyArray<readonly [string, Combiner.Combine]> = [
  ["shallow", Combiner.shallow],
  ["deep-merge", Combiner.deep(false)],
  ["deep-merge-append", Combiner.deep(true)]
]

const merge = (parts: ReadonlyArray<Record<string, unknown>>, combine: Combiner.Combine) =>
  Effect.runSync(Merge.combine(parts.map((d) => Result.succeed(Proxy.response(d))), combine)).data

const prototypes = [Object.prototype, Array.prototype, Function.prototype, String.prototype]
const snapshot = () => prototypes.map((p) => Object.getOwnPropertyNames(p).sort().join(","))

describe("G8 merge properties", () => {
  it.each(combiners)("G8 %s: never pollutes a prototype, never mutates its inputs, is deterministic", (_name, combine) => {
    const before = snapshot()
    fc.assert(
      fc.property(fc.array(backendData, { minLength: 1, maxLength: 4 }), (parts) => {
        const inputs = JSON.stringify(parts)
        const once = merge(parts, combine)
        const twice = merge(parts, combine)
        expect(JSON.stringify(once)).toBe(JSON.stringify(twice))
        expect(JSON.stringify(parts)).toBe(inputs)
        expect(Object.getPrototypeOf(once)).toBe(null)
        expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
        expect(snapshot()).toEqual(before)
      }),
      { numRuns: 500 }
    )
  })

  it.each(combiners.slice(0, 2))("G8 %s is associative: merge(a, b, c) = merge(merge(a, b), c)", (_name, combine) => {
    fc.assert(
      fc.property(backendData, backendData, backendData, (a, b, c) => {
        const flat = merge([a, b, c], combine)
        const nested = merge([merge([a, b], combine), c], combine)
        expect(JSON.stringify(nested)).toBe(JSON.stringify(flat))
      }),
      { numRuns: 500 }
    )
  })

  it("G8 the formatter (target, allow, deny, mapping, group) over __proto__ paths never pollutes a prototype", () => {
    const before = snapshot()
    const path = fc.array(dangerous, { minLength: 1, maxLength: 3 }).map((xs) => xs.join("."))
    fc.assert(
      fc.property(backendData, path, path, dangerous, dangerous, (data, p1, p2, from, to) => {
        const f = [
          Formatter.target(p1),
          Formatter.allow([p1, p2]),
          Formatter.deny([p1, p2]),
          Formatter.mapping({ [from]: to }),
          Formatter.group(to)
        ]
        for (const format of f) format(data)
        f.reduce((d, format) => format(d), data as Formatter.Data)
        expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
        expect(snapshot()).toEqual(before)
      }),
      { numRuns: 500 }
    )
  })
})

/** RFC 9110 §7.6.1 plus the legacy Proxy-Connection: an oracle independent of the code's own set. */
const hopNames = ["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "proxy-connection", "proxy-authorization", "proxy-authenticate"]
const caseOf = (name: string, flips: ReadonlyArray<boolean>) =>
  [...name].map((c, i) => (flips[i % Math.max(1, flips.length)] ? c.toUpperCase() : c)).join("")
const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/)
const headerName = fc.oneof(fc.constantFrom(...hopNames, "host", "content-length", "authorization", "x-forwarded-for", "user-agent"), token)

describe("G8 header filter properties", () => {
  it("G8 request direction: no hop-by-hop, Host, Content-Length or Connection-nominated header reaches a backend; gateway headers always set", () => {
    fc.assert(
      fc.property(
        fc.dictionary(headerName, fc.string({ maxLength: 6 }), { maxKeys: 12 }),
        fc.array(headerName, { maxLength: 4 }),
        fc.oneof(fc.constant(["*"]), fc.array(fc.tuple(headerName, fc.array(fc.boolean(), { maxLength: 4 })).map(([n, f]) => caseOf(n, f)), { maxLength: 8 })),
        (headers, nominated, inputHeaders) => {
          const all: Record<string, string> = Object.create(null)
          Object.assign(all, headers)
          if (nominated.length > 0) all["connection"] = nominated.map((n, i) => (i % 2 === 0 ? n.toUpperCase() : n)).join(" ,")
          const request = { headers: all, source: {} } as unknown as HttpServerRequest.HttpServerRequest
          const out = headerFilter(inputHeaders)(request, "192.0.2.7")
          const forbidden = new Set([...hopNames, "host", "content-length", ...nominated.map((n) => n.toLowerCase())])
          const gatewaySet = new Set(["x-forwarded-for", "x-forwarded-host", "user-agent", "x-forwarded-via"])
          for (const name of Object.keys(out)) {
            const lower = name.toLowerCase()
            if (gatewaySet.has(lower)) continue
            expect(forbidden.has(lower), name).toBe(false)
          }
          expect(out["X-Forwarded-For"]).toEqual(["192.0.2.7"])
          expect(out["User-Agent"] !== undefined || out["X-Forwarded-Via"] !== undefined).toBe(true)
          if (out["X-Forwarded-Via"] !== undefined) expect(out["X-Forwarded-Via"]).toEqual([userAgent])
          else expect(out["User-Agent"]).toEqual([userAgent])
        }
      ),
      { numRuns: 2000 }
    )
  })

  it("G8 response direction (no-op): no hop-by-hop, framing or Connection-nominated header reaches the client", () => {
    fc.assert(
      fc.property(fc.dictionary(headerName, fc.string({ maxLength: 6 }), { maxKeys: 12 }), fc.array(headerName, { maxLength: 4 }), (headers, nominated) => {
        const all: Record<string, string> = Object.create(null)
        Object.assign(all, headers)
        if (nominated.length > 0) all["connection"] = nominated.join(", ")
        const out = endToEndHeaders(all)
        // Whatever the Connection header ends up naming (the generated one or the dictionary's own).
        const listed = (all["connection"] ?? "").split(",").map((n) => n.trim().toLowerCase()).filter((n) => n !== "")
        const forbidden = new Set([...hopNames, "content-length", ...listed])
        for (const name of Object.keys(out)) expect(forbidden.has(name.toLowerCase()), name).toBe(false)
        // Every end-to-end header passes.
        for (const name of Object.keys(all)) {
          if (!hopByHopResponse.has(name) && !listed.includes(name)) expect(Object.keys(out).map((n) => n.toLowerCase())).toContain(name)
        }
      }),
      { numRuns: 2000 }
    )
  })
})
