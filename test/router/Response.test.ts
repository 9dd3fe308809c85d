import { describe, expect, it } from "vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { Readable } from "node:stream"
import type { EndpointConfig, OutputEncoding, RouterOptions } from "../../src/config/Model.ts"
import * as Proxy from "../../src/proxy/Proxy.ts"
import { BackendError, DeadlineError, MergeError, ModifierError } from "../../src/proxy/ProxyError.ts"
import { endpoint, fixedData, gateway, send, withRouter } from "../support/Router.ts"

const one = <A>(
  proxy: Proxy.Proxy,
  f: Parameters<typeof withRouter<A>>[1],
  e: Partial<EndpointConfig> = {},
  router: Partial<RouterOptions> = {},
  debug = false,
  logs?: Array<string>
) => withRouter({ config: gateway([endpoint("/a", e)], {}, router), proxies: [proxy], debug }, f, logs)

const enc = (output_encoding: OutputEncoding): Partial<EndpointConfig> => ({ output_encoding })

describe("output encodings", () => {
  it("json: data as JSON, completed true", () =>
    one(fixedData({ a: 1, b: [true] }), async (r) => {
      const res = await send(r, "/a")
      expect(res.status).toBe(200)
      expect(res.headers["content-type"]).toBe("application/json; charset=utf-8")
      expect(res.json()).toEqual({ a: 1, b: [true] })
      expect(res.headers["x-krakend-completed"]).toBe("true")
      expect(res.headers["cache-control"]).toBeUndefined()
    }))

  it("json: empty data is {} and completed false", () =>
    one(fixedData({}), async (r) => {
      const res = await send(r, "/a")
      expect(res.body).toBe("{}")
      expect(res.headers["x-krakend-completed"]).toBe("false")
    }))

  it("xml, yaml and negotiate (no Accept: json)", async () => {
    for (const [e, body] of [["xml", "<doc><a>1</a></doc>"], ["yaml", "a: 1\n"], ["negotiate", "{\"a\":1}"]] as const) {
      await one(fixedData({ a: 1 }), async (r) => {
        expect((await send(r, "/a")).body).toBe(body)
      }, enc(e))
    }
  })

  it("json-collection", async () => {
    await one(fixedData({ collection: [1, { x: 2 }] }), async (r) => {
      const res = await send(r, "/a")
      expect(res.headers["content-type"]).toBe("application/json; charset=utf-8")
      expect(res.json()).toEqual([1, { x: 2 }])
    }, enc("json-collection"))
    await one(fixedData({ other: 1 }), async (r) => {
      expect((await send(r, "/a")).body).toBe("[]")
    }, enc("json-collection"))
  })

  it("string", async () => {
    await one(fixedData({ content: "héllo" }), async (r) => {
      const res = await send(r, "/a")
      expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8")
      expect(res.body).toBe("héllo")
    }, enc("string"))
    await one(fixedData({ content: 42 }), async (r) => {
      expect((await send(r, "/a")).body).toBe("")
    }, enc("string"))
  })

  it("no-op streams status, headers and body; completed is always false", () => {
    const proxy: Proxy.Proxy = () =>
      Effect.sync(() => ({
        data: {},
        isComplete: true,
        metadata: {
          status: 201,
          headers: {
            "Content-Type": ["application/x-custom"],
            "X-Backend": ["b1", "b2"],
            "Set-Cookie": ["a=1; Path=/", "b=2; HttpOnly"],
            "Content-Length": ["999"],
            Connection: ["close"],
            "X-Krakend-Completed": ["true"]
          }
        },
        io: Readable.from([Buffer.from("chunk-1,"), Buffer.from("chunk-2")]),
        errors: []
      }))
    return one(proxy, async (r) => {
      const res = await send(r, "/a")
      expect(res.status).toBe(201)
      expect(res.body).toBe("chunk-1,chunk-2")
      expect(res.headers["content-type"]).toBe("application/x-custom")
      expect(res.headers["x-backend"]).toBe("b1, b2")
      expect(res.headers["set-cookie"]).toHaveLength(2)
      expect(res.headers["set-cookie"]?.[0]).toMatch(/^a=1/)
      expect(res.headers["x-krakend-completed"]).toBe("false")
      expect(res.headers["x-krakend"]).toMatch(/^Version /)
    }, enc("no-op"))
  })

  it("no-op without a stream is a 500", () =>
    one(fixedData({ a: 1 }), async (r) => {
      expect((await send(r, "/a")).status).toBe(500)
    }, enc("no-op")))
})

describe("completed and cache headers", () => {
  it("Cache-Control only when complete, non-empty and cache_ttl > 0", async () => {
    const ttl = { cache_ttl: Duration.seconds(300) }
    await one(fixedData({ a: 1 }), async (r) => {
      const res = await send(r, "/a")
      expect(res.headers["cache-control"]).toBe("public, max-age=300")
      expect(res.headers["x-krakend-completed"]).toBe("true")
    }, ttl)
    await one(fixedData({ a: 1 }, false), async (r) => {
      const res = await send(r, "/a")
      expect(res.headers["cache-control"]).toBeUndefined()
      expect(res.headers["x-krakend-completed"]).toBe("false")
      expect(res.json()).toEqual({ a: 1 })
    }, ttl)
    await one(fixedData({}), async (r) => {
      expect((await send(r, "/a")).headers["cache-control"]).toBeUndefined()
    }, ttl)
  })

  it("metadata headers are copied only when data is non-empty", async () => {
    const withHeaders = (data: Record<string, unknown>): Proxy.Proxy => () =>
      Effect.succeed(Proxy.response(data, true, { status: 200, headers: { "X-From-Modifier": ["m"] } }))
    await one(withHeaders({ a: 1 }), async (r) => {
      expect((await send(r, "/a")).headers["x-from-modifier"]).toBe("m")
    })
    await one(withHeaders({}), async (r) => {
      expect((await send(r, "/a")).headers["x-from-modifier"]).toBeUndefined()
    })
  })
})

describe("errors", () => {
  const failing = (error: BackendError | MergeError | ModifierError | DeadlineError): Proxy.Proxy => () => Effect.fail(error)
  const backendError = new BackendError({
    reason: "Status",
    backend: "GET /x",
    message: "backend GET /x answered 418",
    status: 418,
    body: "{\"teapot\":true}",
    contentType: "application/json"
  })

  it("a failed proxy is a 500 with an empty body", () =>
    one(failing(backendError), async (r) => {
      const res = await send(r, "/a")
      expect(res.status).toBe(500)
      expect(res.body).toBe("")
      expect(res.headers["x-krakend-completed"]).toBe("false")
      expect(res.headers["x-krakend"]).toMatch(/^Version /)
    }))

  it("return_error_msg puts the message in a text/plain body", () =>
    one(failing(backendError), async (r) => {
      const res = await send(r, "/a")
      expect(res.status).toBe(500)
      expect(res.body).toBe("backend GET /x answered 418")
      expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8")
    }, {}, { return_error_msg: true }))

  it("exposeStatus passes the status; the body only with return_error_msg", async () => {
    const exposed = new BackendError({ ...backendError, exposeStatus: true })
    await one(failing(exposed), async (r) => {
      const res = await send(r, "/a")
      expect(res.status).toBe(418)
      expect(res.body).toBe("")
    })
    await one(failing(exposed), async (r) => {
      const res = await send(r, "/a")
      expect(res.status).toBe(418)
      expect(res.body).toBe("{\"teapot\":true}")
      expect(res.headers["content-type"]).toBe("application/json")
    }, {}, { return_error_msg: true })
  })

  it("ModifierError: status, headers, content type", async () => {
    const error = new ModifierError({
      message: "{\"denied\":true}",
      status: 403,
      contentType: "application/json",
      headers: { "X-Reason": "policy" }
    })
    await one(failing(error), async (r) => {
      const res = await send(r, "/a")
      expect(res.status).toBe(403)
      expect(res.headers["x-reason"]).toBe("policy")
      expect(res.body).toBe("")
    })
    await one(failing(error), async (r) => {
      const res = await send(r, "/a")
      expect(res.status).toBe(403)
      expect(res.json()).toEqual({ denied: true })
      expect(res.headers["content-type"]).toBe("application/json")
    }, {}, { return_error_msg: true })
  })

  it("MergeError and DeadlineError are 500s", async () => {
    await one(failing(new MergeError({ errors: [backendError] })), async (r) => {
      expect((await send(r, "/a")).status).toBe(500)
    })
    await one(failing(new DeadlineError({ message: "deadline" })), async (r) => {
      const res = await send(r, "/a")
      expect(res.status).toBe(500)
      expect(res.body).toBe("deadline")
    }, {}, { return_error_msg: true })
  })

  it("a policy can be swapped (gateway-style)", () =>
    withRouter({
      config: gateway([endpoint("/a")]),
      proxies: [failing(new BackendError({ reason: "Timeout", backend: "GET /x", message: "timeout" }))],
      debug: false,
      errorPolicy: (e) => ({
        status: e._tag === "BackendError" && e.reason === "Timeout" ? 504 : 502,
        body: undefined,
        contentType: undefined,
        headers: undefined
      })
    }, async (r) => {
      expect((await send(r, "/a")).status).toBe(504)
    }))
})

describe("defects", () => {
  const variants: Record<string, Proxy.Proxy> = {
    die: () => Effect.die("boom"),
    throws: () => {
      throw new Error("sync throw")
    },
    unserialisable: () => Effect.succeed(Proxy.response({ n: 1n })),
    interrupted: () => Effect.interrupt
  }
  for (const [name, proxy] of Object.entries(variants)) {
    it(`a proxy that ${name} gives a 500 and the server stays up`, () =>
      withRouter({ config: gateway([endpoint("/bad"), endpoint("/ok")]), proxies: [proxy, fixedData({ ok: true })], debug: false }, async (r) => {
        const res = await send(r, "/bad")
        expect(res.status).toBe(500)
        expect(res.body).toBe("")
        expect(res.headers["x-krakend-completed"]).toBe("false")
        expect((await send(r, "/ok")).json()).toEqual({ ok: true })
        expect((await send(r, "/__health")).status).toBe(200)
      }))
  }
})
