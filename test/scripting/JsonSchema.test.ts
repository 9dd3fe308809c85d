/**
 * `validation/json-schema` through `sluice run` over real HTTP (SCRIPTING.md §8.3): valid bodies
 * reach the backend unchanged, invalid, empty and non-JSON bodies get 400 with KrakenD's text
 * (only with `return_error_msg`) and never reach it; drafts by `$schema` with KrakenD's format
 * rule; a schema that does not compile stops the start with its JSON path.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Backend from "../support/Backend.ts"
import { runCli, type RunningSluice, startSluice, writeConfig } from "../support/Sluice.ts"

const address = {
  type: "object",
  properties: {
    number: { type: "number" },
    street_name: { type: "string" },
    street_type: { enum: ["Street", "Avenue", "Boulevard"] }
  },
  required: ["number", "street_name", "street_type"]
}

let backend: Backend.Backend
let gw: RunningSluice
let quiet: RunningSluice

const endpoints = [
  { endpoint: "/address", method: "POST", extra_config: { "validation/json-schema": address }, backend: [{ url_pattern: "/echo" }] },
  { endpoint: "/number", method: "POST", extra_config: { "validation/json-schema": { type: "number" } }, backend: [{ url_pattern: "/echo" }] },
  { endpoint: "/get", extra_config: { "validation/json-schema": address }, backend: [{ url_pattern: "/echo" }] },
  {
    endpoint: "/email-2020",
    method: "POST",
    extra_config: { "validation/json-schema": { properties: { mail: { type: "string", format: "email" } }, "x-foo": 1 } },
    backend: [{ url_pattern: "/echo" }]
  },
  {
    endpoint: "/email-07",
    method: "POST",
    extra_config: {
      "validation/json-schema": { $schema: "http://json-schema.org/draft-07/schema#", properties: { mail: { type: "string", format: "email" } } }
    },
    backend: [{ url_pattern: "/echo" }]
  },
  {
    endpoint: "/draft-04",
    method: "POST",
    extra_config: {
      "validation/json-schema": { $schema: "http://json-schema.org/draft-04/schema#", properties: { n: { type: "number", maximum: 5, exclusiveMaximum: true } } }
    },
    backend: [{ url_pattern: "/echo" }]
  },
  {
    endpoint: "/ref",
    method: "POST",
    extra_config: {
      "validation/json-schema": { $defs: { id: { type: "integer", minimum: 1 } }, properties: { id: { $ref: "#/$defs/id" } }, additionalProperties: false }
    },
    backend: [{ url_pattern: "/echo" }]
  },
  {
    endpoint: "/pattern",
    method: "POST",
    extra_config: { "validation/json-schema": { properties: { name: { type: "string", pattern: "^(a+)+$" }, code: { type: "string", pattern: "(?i)^abc$" } } } },
    backend: [{ url_pattern: "/echo" }]
  },
  {
    endpoint: "/legacy",
    method: "POST",
    extra_config: { "github.com/devopsfaith/krakend-jsonschema": { type: "array", minItems: 2 } },
    backend: [{ url_pattern: "/echo" }]
  }
]

beforeAll(async () => {
  backend = await Backend.start((_req, res, body) => {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ got: body.toString() }))
  })
  gw = await startSluice({ version: 3, host: [backend.url], extra_config: { router: { return_error_msg: true } }, endpoints })
  quiet = await startSluice({ version: 3, host: [backend.url], endpoints })
})
afterAll(async () => {
  await gw?.stop()
  await quiet?.stop()
  await backend?.close()
})

const post = async (target: RunningSluice, path: string, body: string | undefined, method = "POST") => {
  const before = backend.requests.length
  const res = await fetch(`${target.url}${path}`, { method, headers: { "content-type": "application/json" }, ...(body === undefined ? {} : { body }) })
  return { status: res.status, text: await res.text(), headers: res.headers, reachedBackend: backend.requests.length > before }
}

describe("validation/json-schema", () => {
  it("J1 a valid body reaches the backend unchanged", async () => {
    const body = "{ \"number\": 1, \"street_name\": \"Main\",\n \"street_type\": \"Avenue\" }"
    const r = await post(gw, "/address", body)
    expect(r.status).toBe(200)
    expect(JSON.parse(r.text)).toEqual({ got: body })
  })

  it("J2 an invalid body without return_error_msg: 400, empty body, incomplete, the backend not called", async () => {
    const r = await post(quiet, "/address", "{\"invalid\": true}")
    expect(r).toMatchObject({ status: 400, text: "", reachedBackend: false })
    expect(r.headers.get("x-krakend-completed")).toBe("false")
  })

  it("J3/J4 with return_error_msg: KrakenD's text, one line per failure", async () => {
    const missing = await post(gw, "/address", "{\"invalid\": true}")
    expect(missing.status).toBe(400)
    expect(missing.text).toMatch(/^jsonschema validation failed with 'file:\/\/\/.*\/schema#'\n/)
    expect(missing.text).toContain("- at '': missing properties 'number', 'street_name', 'street_type'")
    expect(missing.headers.get("content-type")).toBe("text/plain; charset=utf-8")
    const wrong = await post(gw, "/address", "{\"number\": \"1\", \"street_name\": \"Main\", \"street_type\": \"Lane\"}")
    expect(wrong.text).toContain("- at '/number': got string, want number")
    expect(wrong.text).toContain("- at '/street_type': value must be one of \"Street\", \"Avenue\", \"Boulevard\"")
    expect(wrong.reachedBackend).toBe(false)
  })

  it("J5/J6 an empty body (also a GET) and a body that is not JSON: 400", async () => {
    expect(await post(gw, "/address", "")).toMatchObject({ status: 400, text: "could not validate an empty body", reachedBackend: false })
    expect(await post(gw, "/get", undefined, "GET")).toMatchObject({ status: 400, text: "could not validate an empty body" })
    expect(await post(gw, "/address", "x")).toMatchObject({ status: 400, text: "invalid character 'x' looking for beginning of value" })
    expect(await post(gw, "/address", "{\"number\": ")).toMatchObject({ status: 400, text: "unexpected end of JSON input" })
  })

  it("J7 any JSON type is validated: {\"type\":\"number\"} refuses an object and takes a number", async () => {
    expect((await post(gw, "/number", "{\"foo\": 42}")).status).toBe(400)
    expect((await post(gw, "/number", "42")).status).toBe(200)
  })

  it("J8/J9/J10 unknown keywords are allowed; format is asserted before 2019-09 only", async () => {
    expect((await post(gw, "/email-2020", "{\"mail\": \"not-an-email\"}")).status).toBe(200)
    const refused = await post(gw, "/email-07", "{\"mail\": \"not-an-email\"}")
    expect(refused).toMatchObject({ status: 400, reachedBackend: false })
    expect(refused.text).toContain("- at '/mail': 'not-an-email' is not valid email")
    expect((await post(gw, "/email-07", "{\"mail\": \"a@example.com\"}")).status).toBe(200)
  })

  it("draft-04 keywords mean what they meant then (boolean exclusiveMaximum)", async () => {
    expect((await post(gw, "/draft-04", "{\"n\": 5}")).status).toBe(400)
    expect((await post(gw, "/draft-04", "{\"n\": 4.5}")).status).toBe(200)
  })

  it("J11 internal $ref; additionalProperties and minimum in KrakenD's words", async () => {
    expect((await post(gw, "/ref", "{\"id\": 3}")).status).toBe(200)
    const r = await post(gw, "/ref", "{\"id\": 0, \"x\": 1, \"y\": 2}")
    expect(r.status).toBe(400)
    expect(r.text).toContain("- at '': additional properties 'x', 'y' not allowed")
    expect(r.text).toContain("- at '/id': minimum: got 0, want 1")
  })

  it("patterns run as Go's RE2 does: no backtracking on a hostile body, (?i) understood", async () => {
    // on a backtracking engine this body takes hours against ^(a+)+$
    const hostile = await post(gw, "/pattern", JSON.stringify({ name: `${"a".repeat(60)}!` }))
    expect(hostile.status).toBe(400)
    expect(hostile.text).toContain("does not match pattern '^(a+)+$'")
    expect((await post(gw, "/pattern", JSON.stringify({ name: "aaaa", code: "AbC" }))).status).toBe(200)
    expect((await post(gw, "/pattern", JSON.stringify({ code: "abd" }))).status).toBe(400)
  })

  it("KrakenD 1.x's namespace name validates the same way", async () => {
    expect((await post(gw, "/legacy", "[1]")).status).toBe(400)
    expect((await post(gw, "/legacy", "[1, 2]")).status).toBe(200)
  })
})

describe("a schema that does not compile stops the start", () => {
  const check = (schema: unknown) =>
    runCli(["check", "-c", writeConfig({ version: 3, host: ["http://127.0.0.1:1"], endpoints: [{ endpoint: "/a", method: "POST", extra_config: { "validation/json-schema": schema }, backend: [{ url_pattern: "/" }] }] })])

  it("J13 an invalid schema names its JSON path", async () => {
    const r = await check({ type: 5 })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("$.endpoints[0].extra_config[\"validation/json-schema\"]")
    expect(r.stderr).toContain("the JSON Schema does not compile")
  })

  it("J12 a remote $ref (KrakenD loads none)", async () => {
    const r = await check({ properties: { a: { $ref: "https://example.com/s.json" } } })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("$.endpoints[0].extra_config[\"validation/json-schema\"]")
  })
})
