/**
 * `modifier/martian` groups and scopes over real HTTP: `fifo.Group` order and `aggregateErrors`,
 * `priority.Group` order, and which directions a node runs in.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type * as Backend from "../support/Backend.ts"
import { backend, config, type Echo, errorMessages, last, send, withGateway } from "./Support.ts"

let b: Backend.Backend
beforeAll(async () => {
  b = await backend()
})
afterAll(() => b.close())

const append = (value: string, scope: ReadonlyArray<string> = ["request"]) => ({ "header.Append": { name: "X-Order", value, scope } })
const order = () => last(b).rawHeaders.filter((_, i, raw) => i % 2 === 1 && raw[i - 1] === "X-Order")
const NS = "$.endpoints[0].backend[0].extra_config[\"modifier/martian\"]"
const failing = { "header.Append": { name: "Host", value: "again.test", scope: ["request"] } }

describe("fifo.Group", () => {
  it("runs its modifiers in the declared order", async () => {
    await withGateway(config(b.url, { "fifo.Group": { modifiers: [append("1"), append("2"), append("3")] } }), async (g) => {
      await send(g, "/test")
      expect(order()).toEqual(["1", "2", "3"])
    })
  })

  it("stops at the first failure; the call fails with that one error", async () => {
    const before = b.requests.length
    await withGateway(config(b.url, { "fifo.Group": { modifiers: [failing, failing] } }, { service: errorMessages }), async (g) => {
      const r = await send(g, "/test")
      expect(r.status).toBe(500)
      expect(r.body).toBe(`martian: ${NS}["fifo.Group"].modifiers[0]["header.Append"]: proxyutil: illegal header multiple: Host`)
      expect(b.requests.length).toBe(before)
    })
  })

  it("aggregateErrors runs every modifier and joins the failures", async () => {
    await withGateway(
      config(b.url, { "fifo.Group": { aggregateErrors: true, modifiers: [failing, append("ran"), failing] } }, { service: errorMessages }),
      async (g) => {
        const r = await send(g, "/test")
        expect(r.status).toBe(500)
        expect(r.body).toBe(
          `martian: ${NS}["fifo.Group"].modifiers[0]["header.Append"]: proxyutil: illegal header multiple: Host\n` +
            `${NS}["fifo.Group"].modifiers[2]["header.Append"]: proxyutil: illegal header multiple: Host`
        )
      }
    )
  })

  it("a martian failure is a 500 under the gateway status policy too (not a bad gateway)", async () => {
    await withGateway(config(b.url, failing, { service: { extra_config: { "sluice/errors": { status_policy: "gateway" } } } }), async (g) => {
      expect((await send(g, "/test")).status).toBe(500)
    })
  })

  it("a failing backend of a merge is a partial answer", async () => {
    await withGateway(
      {
        version: 3,
        timeout: "2s",
        endpoints: [{
          endpoint: "/test",
          backend: [
            { host: [b.url], url_pattern: "/echo", group: "ok" },
            { host: [b.url], url_pattern: "/echo", group: "broken", extra_config: { "modifier/martian": failing } }
          ]
        }]
      },
      async (g) => {
        const r = await send(g, "/test")
        expect(r.status).toBe(200)
        expect(r.headers["x-krakend-completed"]).toBe("false")
        expect(Object.keys(r.json() as object)).toEqual(["ok"])
      }
    )
  })
})

describe("priority.Group", () => {
  it("runs higher priorities first; among equal ones the later declared first", async () => {
    await withGateway(
      config(b.url, {
        "priority.Group": {
          modifiers: [
            { priority: 0, modifier: append("first") },
            { priority: 100, modifier: append("last") },
            { priority: 50, modifier: append("50a") },
            { priority: 50, modifier: append("50b") }
          ]
        }
      }),
      async (g) => {
        await send(g, "/test")
        expect(order()).toEqual(["last", "50b", "50a", "first"])
      }
    )
  })
})

describe("scope", () => {
  const both = { "header.Modifier": { name: "X-Both", value: "1" } }

  it("missing: every direction the modifier supports", async () => {
    await withGateway(config(b.url, both, { noop: true }), async (g) => {
      const r = await send(g, "/test")
      expect([last(b).headers["x-both"], r.headers["x-both"]]).toEqual(["1", "1"])
    })
  })

  it("[\"request\"] leaves the response alone; [\"response\"] leaves the request alone", async () => {
    await withGateway(config(b.url, { "header.Modifier": { name: "X-Both", value: "1", scope: ["request"] } }, { noop: true }), async (g) => {
      const r = await send(g, "/test")
      expect([last(b).headers["x-both"], r.headers["x-both"]]).toEqual(["1", undefined])
    })
    await withGateway(config(b.url, { "header.Modifier": { name: "X-Both", value: "1", scope: ["response"] } }, { noop: true }), async (g) => {
      const r = await send(g, "/test")
      expect([last(b).headers["x-both"], r.headers["x-both"]]).toEqual([undefined, "1"])
    })
  })

  it("a group's scope limits its children; each child keeps its own scope", async () => {
    await withGateway(
      config(b.url, {
        "fifo.Group": {
          scope: ["response"],
          modifiers: [both, { "header.Modifier": { name: "X-Req-Only", value: "1", scope: ["request"] } }]
        }
      }, { noop: true }),
      async (g) => {
        const r = await send(g, "/test")
        const echo = JSON.parse(r.body) as Echo
        expect([echo.headers["x-both"], echo.headers["x-req-only"], r.headers["x-both"], r.headers["x-req-only"]]).toEqual([
          undefined,
          undefined,
          "1",
          undefined
        ])
      }
    )
  })
})
