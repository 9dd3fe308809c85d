/**
 * The TLS listener (root `tls`) with certificates made at test time: KrakenD's default versions
 * (TLS 1.3 only), `min_version`, SNI choosing among `keys[]`, mTLS (missing or foreign client
 * certificate refused at the handshake), HTTP/2 by ALPN on the same app, plain HTTP refused,
 * the server limits still applied, and every bad file or name refused at start with its path
 * (AUTH-TLS.md §8, cases 40–47).
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpServer from "effect/http/HttpServer"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Scope from "effect/Scope"
import * as Http2 from "node:http2"
import { request as httpsRequest } from "node:https"
import { connect as netConnect } from "node:net"
import { connect as tlsConnect, type ConnectionOptions, type SecureVersion } from "node:tls"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Config from "../../src/config/Config.ts"
import * as Gateway from "../../src/Gateway.ts"
import * as Backend from "../support/Backend.ts"
import * as Certs from "../support/Certs.ts"
import { runCli, startSluice, writeConfig } from "../support/Sluice.ts"

let backend: Backend.Backend
let dir: string
let ca: Certs.Authority
let other: Certs.Authority
let a: Certs.Issued
let b: Certs.Issued
let client: Certs.Issued
let stranger: Certs.Issued

beforeAll(async () => {
  backend = await Backend.start((req, res) => Backend.json(res, 200, { path: req.url }))
  dir = Certs.folder()
  ca = Certs.authority(dir, "ca")
  other = Certs.authority(dir, "other-ca")
  a = ca.issue("a.test", { dns: ["a.test", "localhost"] })
  b = ca.issue("b.test", { dns: ["b.test", "*.b.test"], ec: true })
  client = ca.issue("client", { client: true })
  stranger = other.issue("stranger", { client: true })
})
afterAll(() => backend.close())

interface Running {
  readonly port: number
  readonly close: () => Promise<void>
}

/** Serves a config with its TLS listener (Gateway.nodeServer) on 127.0.0.1, port 0. */
const serve = async (json: Record<string, unknown>): Promise<Running> => {
  const decoded = Config.decodeResult({
    version: 3,
    host: [backend.url],
    endpoints: [{ endpoint: "/a", backend: [{ url_pattern: "/echo" }] }],
    ...json
  })
  if (decoded._tag === "Failure") throw new Error(JSON.stringify(decoded.issues))
  const config = decoded.decoded.config
  const scope = await Effect.runPromise(Scope.make())
  const layer = Gateway.layer(config).pipe(
    Layer.provideMerge(Gateway.nodeServer(config, { port: 0, host: "127.0.0.1" })),
    Layer.provide(Logger.layer([]))
  )
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope)).catch(async (e: unknown) => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    throw e
  })
  const address = Context.get(context, HttpServer.HttpServer).address
  return { port: address._tag === "UnixPathAddress" ? 0 : address.port, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

const pair = (issued: Certs.Issued) => ({ public_key: issued.cert, private_key: issued.key })

/** A TLS handshake: the peer certificate's CN, the version, or the error. */
const handshake = (port: number, options: ConnectionOptions) =>
  new Promise<{ readonly cn?: string; readonly version?: string | null; readonly error?: string }>((resolve) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, ca: [ca.certPem], ...options }, () => {
      const cert = socket.getPeerCertificate()
      const version = socket.getProtocol()
      // with TLS 1.3 a refused client certificate arrives after the handshake: read once
      socket.write("GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n")
      socket.once("data", () => {
        resolve({ cn: String(cert.subject.CN), version })
        socket.destroy()
      })
    })
    socket.once("error", (e) => resolve({ error: e.message }))
    socket.once("close", () => resolve({ error: "closed" }))
  })

/** GET /a over HTTPS/1.1. */
const get = (port: number, options: Record<string, unknown> = {}) =>
  new Promise<{ readonly status: number; readonly body: string }>((resolve, reject) => {
    const req = httpsRequest({ host: "127.0.0.1", port, path: "/a", servername: "localhost", ca: [ca.certPem], ...options }, (res) => {
      let body = ""
      res.on("data", (d: Buffer) => (body += d.toString()))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on("error", reject)
    req.end()
  })

describe("the TLS listener", () => {
  it("40 serves HTTPS with KrakenD's default versions: TLS 1.3 only", async () => {
    const gw = await serve({ tls: { keys: [pair(a)] } })
    try {
      expect(await get(gw.port)).toEqual({ status: 200, body: "{\"path\":\"/echo\"}" })
      expect((await handshake(gw.port, { servername: "a.test" })).version).toBe("TLSv1.3")
      expect((await handshake(gw.port, { servername: "a.test", maxVersion: "TLSv1.2" })).error).toBeDefined()
    } finally {
      await gw.close()
    }
  })

  it("41 min_version TLS12 accepts TLS 1.2 and refuses TLS 1.1", async () => {
    const gw = await serve({ tls: { keys: [pair(a)], min_version: "TLS12" } })
    try {
      expect((await handshake(gw.port, { servername: "a.test", maxVersion: "TLSv1.2" })).version).toBe("TLSv1.2")
      const old = await handshake(gw.port, { servername: "a.test", minVersion: "TLSv1" as SecureVersion, maxVersion: "TLSv1.1", ciphers: "DEFAULT:@SECLEVEL=0" })
      expect(old.error).toBeDefined()
    } finally {
      await gw.close()
    }
  })

  it("42 SNI picks the certificate whose names match (wildcards one label deep), else the first", async () => {
    const gw = await serve({ tls: { keys: [pair(a), pair(b)] } })
    try {
      expect((await handshake(gw.port, { servername: "b.test" })).cn).toBe("b.test")
      expect((await handshake(gw.port, { servername: "x.b.test" })).cn).toBe("b.test")
      expect((await handshake(gw.port, { servername: "a.test", checkServerIdentity: () => undefined })).cn).toBe("a.test")
      expect((await handshake(gw.port, { servername: "unknown.test", checkServerIdentity: () => undefined })).cn).toBe("a.test")
    } finally {
      await gw.close()
    }
  })

  it("43-45 mTLS: no client certificate or one from another CA is refused at the handshake; ours is served", async () => {
    const gw = await serve({ tls: { keys: [pair(a)], enable_mtls: true, ca_certs: [ca.cert], disable_system_ca_pool: true } })
    try {
      expect((await handshake(gw.port, { servername: "localhost" })).error).toBeDefined()
      expect((await handshake(gw.port, { servername: "localhost", cert: stranger.certPem, key: stranger.keyPem })).error).toBeDefined()
      expect(await get(gw.port, { cert: client.certPem, key: client.keyPem })).toMatchObject({ status: 200 })
    } finally {
      await gw.close()
    }
  })

  it("mTLS with several certificates: whichever SNI picks, client certificates are checked against ca_certs only", async () => {
    const gw = await serve({ tls: { keys: [pair(a), pair(b)], enable_mtls: true, ca_certs: [ca.cert], disable_system_ca_pool: true } })
    try {
      for (const servername of ["a.test", "b.test"]) {
        expect((await handshake(gw.port, { servername, checkServerIdentity: () => undefined })).error, servername).toBeDefined()
        expect((await handshake(gw.port, { servername, checkServerIdentity: () => undefined, cert: stranger.certPem, key: stranger.keyPem })).error, servername).toBeDefined()
        expect((await handshake(gw.port, { servername, checkServerIdentity: () => undefined, cert: client.certPem, key: client.keyPem })).cn, servername)
          .toBe(servername)
      }
    } finally {
      await gw.close()
    }
  })

  it("46 plain HTTP on the TLS port gets no answer", async () => {
    const gw = await serve({ tls: { keys: [pair(a)] } })
    try {
      const reply = await new Promise<string>((resolve) => {
        const socket = netConnect(gw.port, "127.0.0.1", () => socket.write("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"))
        let got = ""
        socket.on("data", (d: Buffer) => (got += d.toString("latin1")))
        socket.on("close", () => resolve(got))
        socket.on("error", () => resolve(got))
      })
      expect(reply).not.toContain("200")
      expect(reply).not.toContain("/echo")
    } finally {
      await gw.close()
    }
  })

  it("47 HTTP/2 by ALPN serves the same app", async () => {
    const gw = await serve({ tls: { keys: [pair(a)] } })
    try {
      const session = Http2.connect(`https://localhost:${gw.port}`, { ca: [ca.certPem] })
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ":path": "/a", ":method": "GET" })
        let status = 0
        let body = ""
        stream.on("response", (headers) => (status = Number(headers[":status"])))
        stream.on("data", (d: Buffer) => (body += d.toString()))
        stream.on("end", () => resolve({ status, body }))
        stream.on("error", reject)
      })
      session.close()
      expect(answer).toEqual({ status: 200, body: "{\"path\":\"/echo\"}" })
    } finally {
      await gw.close()
    }
  })

  it("keeps the server limits over TLS: a slow request head is cut at read_header_timeout", async () => {
    const gw = await serve({ tls: { keys: [pair(a)] }, read_header_timeout: "500ms", read_timeout: "500ms" })
    try {
      const started = Date.now()
      const closed = await new Promise<number>((resolve) => {
        const socket = tlsConnect({ host: "127.0.0.1", port: gw.port, servername: "localhost", ca: [ca.certPem] }, () => {
          socket.write("GET /a HTTP/1.1\r\nHost: localhost\r\n")
        })
        socket.on("data", () => undefined)
        socket.on("close", () => resolve(Date.now()))
        socket.on("error", () => undefined)
      })
      expect(closed - started).toBeLessThan(5_000)
    } finally {
      await gw.close()
    }
  })

  it("the legacy public_key/private_key pair and `disabled: true` (plain HTTP)", async () => {
    const gw = await serve({ tls: { public_key: a.cert, private_key: a.key } })
    try {
      expect(await get(gw.port)).toMatchObject({ status: 200 })
    } finally {
      await gw.close()
    }
    const plain = await serve({ tls: { disabled: true, keys: [pair(a)] } })
    try {
      const res = await fetch(`http://127.0.0.1:${plain.port}/a`)
      expect(res.status).toBe(200)
    } finally {
      await plain.close()
    }
  })
})

describe("bad TLS settings stop the start with their path", () => {
  const startError = async (tls: Record<string, unknown>): Promise<string> => {
    try {
      const gw = await serve({ tls })
      await gw.close()
    } catch (e) {
      return String(e)
    }
    throw new Error("started")
  }

  it("a missing file, a key that does not match its certificate, a missing pair", async () => {
    expect(await startError({ keys: [{ public_key: "./nope.pem", private_key: a.key }] }))
      .toContain("$.tls.keys[0].public_key: cannot read")
    expect(await startError({ keys: [{ public_key: a.cert, private_key: b.key }] }))
      .toContain(`$.tls.keys[0].private_key: ${b.key} does not match the certificate ${a.cert}`)
    expect(await startError({})).toContain("$.tls: public key not defined")
    expect(await startError({ public_key: a.cert })).toContain("$.tls.private_key: private key not defined")
    expect(await startError({ keys: [pair(a)], enable_mtls: true, ca_certs: ["./missing-ca.pem"] })).toContain("$.tls.ca_certs[0]: cannot read")
  })

  it("an unknown cipher suite or curve", async () => {
    expect(await startError({ keys: [pair(a)], cipher_suites: [49199, 10] })).toContain("$.tls.cipher_suites[1]: cipher suite 10 (RC4 or 3DES)")
    expect(await startError({ keys: [pair(a)], curve_preferences: [23, 99] })).toContain("$.tls.curve_preferences[1]: unknown curve 99")
  })

  it("an unknown version or a min above the max is a config error", () => {
    const bad = Config.decodeResult({ version: 3, tls: { keys: [pair(a)], min_version: "TLS14" }, endpoints: [] })
    expect(bad._tag === "Failure" ? bad.issues.map((i) => i.path) : []).toEqual(["$.tls.min_version"])
    const inverted = Config.decodeResult({ version: 3, tls: { keys: [pair(a)], min_version: "TLS13", max_version: "TLS12" }, endpoints: [] })
    expect(inverted._tag === "Failure" ? inverted.issues[0]!.message : "").toContain("min_version TLS13 is above max_version TLS12")
  })

  it("sluice check reads the files as the start does: a missing certificate or a mismatched key exits 1 with its path", async () => {
    const r = await runCli(["check", "-c", writeConfig({
      version: 3,
      tls: { keys: [{ public_key: a.cert, private_key: b.key }] },
      client_tls: { ca_certs: ["./missing-ca.pem"] },
      endpoints: []
    })])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("$.tls.keys[0].private_key")
    expect(r.stderr).toContain("$.client_tls.ca_certs[0]: cannot read")
  })

  it("sluice run refuses to start on a missing certificate, naming the path", async () => {
    const r = await runCli(["run", "-c", writeConfig({
      version: 3,
      tls: { keys: [{ public_key: "./nope.pem", private_key: "./nope.key" }] },
      endpoints: []
    }), "-p", "0", "--workers", "1"])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("$.tls.keys[0].public_key")
    expect(r.stdout).not.toContain("listening")
  })

  it("SIGTERM drains a TLS server with idle keep-alive and HTTP/2 connections at once", async () => {
    const gw = await startSluice({
      version: 3,
      host: [backend.url],
      tls: { keys: [pair(a)] },
      endpoints: [{ endpoint: "/a", backend: [{ url_pattern: "/echo" }] }]
    })
    const { Agent } = await import("node:https")
    const agent = new Agent({ keepAlive: true })
    expect(await get(gw.port, { agent })).toMatchObject({ status: 200 })
    const session = Http2.connect(`https://localhost:${gw.port}`, { ca: [ca.certPem] })
    await new Promise((resolve) => session.once("connect", resolve))
    const started = Date.now()
    expect(await gw.stop()).toBe(0)
    expect(Date.now() - started).toBeLessThan(3_000)
    agent.destroy()
    session.destroy()
  })

  it("sluice run serves HTTPS and says so", async () => {
    const gw = await startSluice({
      version: 3,
      host: [backend.url],
      tls: { keys: [pair(a)] },
      endpoints: [{ endpoint: "/a", backend: [{ url_pattern: "/echo" }] }]
    })
    try {
      expect(gw.output()).toMatch(/listening on https:\/\//)
      expect(await get(gw.port)).toMatchObject({ status: 200 })
    } finally {
      await gw.stop()
    }
  })
})
