/**
 * `modifier/martian` in the config: every problem KrakenD would log (and then run the backend
 * without martian) is a start error with the JSON path of the offending field.
 */
import { describe, expect, it } from "vitest"
import * as Config from "../../src/config/Config.ts"
import type { ConfigIssue } from "../../src/config/ConfigError.ts"
import * as Stage from "../../src/martian/Stage.ts"
import type { Executor } from "../../src/proxy/Executor.ts"
import { runCli, writeConfig } from "../support/Sluice.ts"

const NS = "$.endpoints[0].backend[1].extra_config[\"modifier/martian\"]"

const config = (martian: unknown, key = "modifier/martian") => ({
  version: 3,
  host: ["http://127.0.0.1:1"],
  endpoints: [{ endpoint: "/a", backend: [{ url_pattern: "/plain" }, { url_pattern: "/b", extra_config: { [key]: martian } }] }]
})

const issues = (martian: unknown, key?: string): ReadonlyArray<ConfigIssue> => {
  const r = Config.decodeResult(config(martian, key))
  if (r._tag === "Success") throw new Error("expected a config error")
  return r.issues
}

const decoded = (martian: unknown) => {
  const r = Config.decodeResult(config(martian))
  if (r._tag === "Failure") throw new Error(JSON.stringify(r.issues))
  return r.decoded
}

const header = (fields: Record<string, unknown>) => ({ "header.Modifier": fields })

describe("the namespace value", () => {
  it("an empty object is an error: expected one modifier", () => {
    expect(issues({})).toEqual([{ path: NS, message: "expected one modifier, got 0" }])
  })

  it("two keys are an error, a comment key included (KrakenD counts it)", () => {
    expect(issues({ "@comment": "x", ...header({ name: "a", value: "b" }) })).toEqual([{
      path: NS,
      message:
        "expected one modifier, got 2 (\"@comment\", \"header.Modifier\"); \"@comment\" counts as a modifier here (KrakenD fails the same way): move it into the modifier's settings"
    }])
  })

  it("not an object is an error", () => {
    expect(issues("header.Modifier")).toEqual([{ path: NS, message: "Expected Martian, got \"header.Modifier\"" }])
  })

  it("an unknown type is an error with a did-you-mean", () => {
    expect(issues({ "header.Modifer": {} })).toEqual([{
      path: `${NS}["header.Modifer"]`,
      message: "unknown modifier type \"header.Modifer\"; did you mean \"header.Modifier\"?"
    }])
  })

  it("a type named like an Object property is unknown too", () => {
    expect(issues(JSON.parse("{\"constructor\": {}}"))).toEqual([{ path: `${NS}.constructor`, message: "unknown modifier type \"constructor\"" }])
  })

  it("the legacy namespace name is read the same, and paths keep the name as written", () => {
    expect(issues({}, "github.com/devopsfaith/krakend-martian")).toEqual([{
      path: "$.endpoints[0].backend[1].extra_config[\"github.com/devopsfaith/krakend-martian\"]",
      message: "expected one modifier, got 0"
    }])
  })
})

describe("settings", () => {
  it("a missing required key names its full path inside groups", () => {
    expect(issues({
      "fifo.Group": { modifiers: [header({ name: "a", value: "1" }), header({ name: "b", value: "2" }), header({ value: "3", "@comment": "no name" })] }
    })).toEqual([{ path: `${NS}["fifo.Group"].modifiers[2]["header.Modifier"].name`, message: "missing required key" }])
  })

  it("ill-typed fields, unknown keys and nested modifier objects are all reported at once", () => {
    expect(issues({
      "fifo.Group": {
        aggregateErrors: "yes",
        modifiers: [
          header({ name: 5, value: "x" }),
          header({ name: "X-A", value: "x", vaule: "y" }),
          {},
          { "header.Filter": { name: "X-B", modifier: { "header.Modifier": { name: "bad name", value: "v" } } } }
        ]
      }
    })).toEqual([
      { path: `${NS}["fifo.Group"].aggregateErrors`, message: "Expected boolean, got \"yes\"" },
      { path: `${NS}["fifo.Group"].modifiers[0]["header.Modifier"].name`, message: "Expected string, got 5" },
      { path: `${NS}["fifo.Group"].modifiers[1]["header.Modifier"].vaule`, message: "unknown key; did you mean \"value\"?" },
      { path: `${NS}["fifo.Group"].modifiers[2]`, message: "expected one modifier, got 0" },
      { path: `${NS}["fifo.Group"].modifiers[3]["header.Filter"].modifier["header.Modifier"].name`, message: "\"bad name\" is not a valid header name" }
    ])
  })

  it("values martian would only reject on every request are start errors", () => {
    expect(issues({
      "fifo.Group": {
        modifiers: [
          header({ name: "Content-Length", value: "ten" }),
          header({ name: "X-A", value: "a\r\nX-Injected: 1" }),
          { "body.Modifier": { body: "not base64!" } },
          { "url.Modifier": { scheme: "ftp" } },
          { "status.Modifier": { statusCode: 42 } }
        ]
      }
    })).toEqual([
      { path: `${NS}["fifo.Group"].modifiers[0]["header.Modifier"].value`, message: "Content-Length must be an integer, got \"ten\"" },
      { path: `${NS}["fifo.Group"].modifiers[1]["header.Modifier"].value`, message: "a header value cannot hold control characters (CR, LF, NUL, …)" },
      { path: `${NS}["fifo.Group"].modifiers[2]["body.Modifier"].body`, message: "the body must be base64 (standard alphabet, padded)" },
      { path: `${NS}["fifo.Group"].modifiers[3]["url.Modifier"].scheme`, message: "the scheme is \"http\" or \"https\", got \"ftp\"" },
      { path: `${NS}["fifo.Group"].modifiers[4]["status.Modifier"].statusCode`, message: "a status code is 100 to 599, got 42" }
    ])
  })

  it("a regular expression that needs backtracking is refused (RE2 semantics)", () => {
    expect(issues({ "url.RegexFilter": { regex: "(a+)\\1", modifier: header({ name: "a", value: "b" }) } })).toEqual([{
      path: `${NS}["url.RegexFilter"].regex`,
      message: "invalid regular expression: it needs backtracking (a backreference or a lookaround), which RE2 and Sluice refuse: (a+)\\1"
    }])
  })

  it("else where martian does not read it, and a filter without a modifier, are errors", () => {
    expect(issues({ "port.Filter": { port: 80, else: header({ name: "a", value: "b" }) } })).toEqual([
      {
        path: `${NS}["port.Filter"].else`,
        message: "port.Filter has no \"else\" (martian ignores it, so it would never run): use a filter with \"else\", or two filters"
      },
      { path: `${NS}["port.Filter"].modifier`, message: "missing required key" }
    ])
  })

  it("port.Modifier needs exactly one of port, defaultForScheme and remove", () => {
    expect(issues({ "port.Modifier": { port: 8080, remove: true } })).toEqual([{
      path: `${NS}["port.Modifier"]`,
      message: "set exactly one of port, defaultForScheme: true or remove: true"
    }])
  })

  it("priority.Group entries are {priority, modifier}", () => {
    expect(issues({ "priority.Group": { modifiers: [{ priority: 1.5, modifier: header({ name: "a", value: "b" }) }, { priority: 2 }] } })).toEqual([
      { path: `${NS}["priority.Group"].modifiers[0].priority`, message: "Expected an integer, got 1.5" },
      { path: `${NS}["priority.Group"].modifiers[1].modifier`, message: "missing required key" }
    ])
  })
})

describe("scope", () => {
  it("an unknown scope is an error", () => {
    expect(issues(header({ name: "a", value: "b", scope: ["request", "reponse"] }))).toEqual([{
      path: `${NS}["header.Modifier"].scope[1]`,
      message: "invalid scope \"reponse\": expected \"request\" or \"response\""
    }])
  })

  it("a scope the modifier cannot serve is an error", () => {
    expect(issues({
      "fifo.Group": {
        modifiers: [
          { "querystring.Modifier": { name: "a", value: "b", scope: ["response"] } },
          { "status.Modifier": { statusCode: 200, scope: ["request"] } },
          { "stash.Modifier": { headerName: "X-S", scope: ["response"] } }
        ]
      }
    })).toEqual([
      { path: `${NS}["fifo.Group"].modifiers[0]["querystring.Modifier"].scope[0]`, message: "querystring.Modifier cannot modify responses (it only modifies requests)" },
      { path: `${NS}["fifo.Group"].modifiers[1]["status.Modifier"].scope[0]`, message: "status.Modifier cannot modify requests (it only modifies responses)" },
      {
        path: `${NS}["fifo.Group"].modifiers[2]["stash.Modifier"].scope`,
        message: "a response-only stash.Modifier has no stashed request URL to copy: give it both scopes (martian refuses it too)"
      }
    ])
  })

  it("missing or null: every direction the type supports", () => {
    const node = decoded({ "fifo.Group": { scope: null, modifiers: [{ "querystring.Modifier": { name: "a", value: "b" } }] } })
      .config.endpoints[0]!.backend[1]!.extra_config["modifier/martian"]!
    expect([node.request, node.response]).toEqual([true, true])
    expect(node.type === "fifo.Group" && [node.modifiers[0]!.request, node.modifiers[0]!.response]).toEqual([true, false])
  })
})

describe("warnings", () => {
  it("verifiers are accepted and ignored with a warning; an empty scope warns", () => {
    const { warnings } = decoded({ "fifo.Group": { modifiers: [{ "status.Verifier": { statusCode: 200 } }, header({ name: "a", value: "b", scope: [] })] } })
    expect(warnings).toEqual([
      { path: `${NS}["fifo.Group"].modifiers[0]["status.Verifier"]`, message: "status.Verifier only records violations, which KrakenD never reads: ignored" },
      { path: `${NS}["fifo.Group"].modifiers[1]["header.Modifier"].scope`, message: "an empty scope: this modifier never runs" }
    ])
  })

  it("a backend without the namespace has none in the model, and its executor is not wrapped", () => {
    const backend = decoded(header({ name: "a", value: "b" })).config.endpoints[0]!.backend[0]!
    expect(backend.extra_config["modifier/martian"]).toBeUndefined()
    const executor: Executor = () => {
      throw new Error("not called")
    }
    expect(Stage.make(backend)(executor)).toBe(executor)
  })
})

describe("sluice check and schema", () => {
  it("`sluice check` exits 1 naming the path", async () => {
    const file = writeConfig(config({ "header.Modifier": { value: "x" } }))
    const { code, stderr, stdout } = await runCli(["check", "-c", file])
    expect(code).toBe(1)
    expect(stdout + stderr).toContain(`${NS}["header.Modifier"].name: missing required key`)
  })

  it("the JSON Schema describes the namespace (and its legacy name)", () => {
    const schema = Config.jsonSchema() as { $defs: Record<string, { properties?: Record<string, unknown>; type?: string; description?: string }> }
    const properties = schema.$defs["BackendExtraConfig"]!.properties!
    expect(properties["modifier/martian"]).toEqual({ $ref: "#/$defs/Martian" })
    expect(properties["github.com/devopsfaith/krakend-martian"]).toEqual({ $ref: "#/$defs/Martian" })
    expect(schema.$defs["Martian"]!.type).toBe("object")
    expect(schema.$defs["Martian"]!.description).toContain("header.Modifier")
  })
})
