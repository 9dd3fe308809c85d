/**
 * `client_tls` (service) and `backend/http/client.client_tls` (per backend) against real HTTPS
 * backends on loopback, certificates made at test time (AUTH-TLS.md §8, cases 48–51).
 */
import { createServer, type ServerOptions } from "node:https"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Certs from "../support/Certs.ts"
import { serve } from "../semantics/Harness.ts"

let dir: string
let ca: Certs.Authority
let other: Certs.Authority
let server: Certs.Issued
let selfish: Certs.Issued
let client: Certs.Issued

interface Https {
  readonly url: string
  readonly close: () => Promise<void>
  /** Client certificate subjects seen. */
  readonly clients: Array<string>
}

const https = (options: ServerOptions): Promise<Https> =>
  new Promise((resolve) => {
    const clients: Array<string> = []
    const s = createServer(options, (req, res) => {
      const peer = (req.socket as import("node:tls").TLSSocket).getPeerCertificate()
      if (peer.subject !== undefined) clients.push(String(peer.subject.CN))
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify({ tls: (req.socket as import("node:tls").TLSSocket).getProtocol() }))
    })
    s.listen(0, "127.0.0.1", () => {
      resolve({
        url: `https://127.0.0.1:${(s.address() as AddressInfo).port}`,
        clients,
        close: () =>
          new Promise((r) => {
            s.closeAllConnections()
            s.close(() => r())
          })
      })
    })
  })

beforeAll(() => {
  dir = Certs.folder()
  ca = Certs.authority(dir, "backend-ca")
  other = Certs.authority(dir, "self-ca")
  server = ca.issue("backend", { dns: ["localhost"] })
  selfish = other.issue("selfish", { dns: ["localhost"] })
  client = ca.issue("gateway", { client: true })
})

const through = async (backend: string, service: Record<string, unknown>, backendExtra: Record<string, unknown> = {}) => {
  const gw = await serve({
    version: 3,
    ...service,
    endpoints: [{ endpoint: "/a", backend: [{ host: [backend], url_pattern: "/x", extra_config: backendExtra }] }]
  })
  try {
    const res = await fetch(`${gw.url}/a`)
    return { status: res.status, body: await res.text() }
  } finally {
    await gw.close()
  }
}

describe("client_tls", () => {
  let backend: Https
  beforeAll(async () => {
    backend = await https({ cert: server.certPem, key: server.keyPem })
  })
  afterAll(() => backend.close())

  it("48 a backend with a private CA works only with ca_certs", async () => {
    expect((await through(backend.url, {})).status).toBe(500)
    expect(await through(backend.url, { client_tls: { ca_certs: [ca.cert] } })).toEqual({ status: 200, body: "{\"tls\":\"TLSv1.3\"}" })
  })

  it("disable_system_ca_pool keeps only ca_certs; a CA that did not sign the backend fails", async () => {
    expect((await through(backend.url, { client_tls: { ca_certs: [ca.cert], disable_system_ca_pool: true } })).status).toBe(200)
    expect((await through(backend.url, { client_tls: { ca_certs: [other.cert], disable_system_ca_pool: true } })).status).toBe(500)
  })

  it("49 a client_tls block pins TLS 1.3 (KrakenD); min_version opens TLS 1.2", async () => {
    const old = await https({ cert: server.certPem, key: server.keyPem, maxVersion: "TLSv1.2" })
    try {
      expect((await through(old.url, { client_tls: { ca_certs: [ca.cert] } })).status).toBe(500)
      expect(await through(old.url, { client_tls: { ca_certs: [ca.cert], min_version: "TLS12" } })).toEqual({ status: 200, body: "{\"tls\":\"TLSv1.2\"}" })
    } finally {
      await old.close()
    }
  })

  it("50 allow_insecure_connections accepts any certificate (in client_tls, or the root key)", async () => {
    const self = await https({ cert: selfish.certPem, key: selfish.keyPem })
    try {
      expect((await through(self.url, { client_tls: { ca_certs: [ca.cert] } })).status).toBe(500)
      expect((await through(self.url, { client_tls: { allow_insecure_connections: true } })).status).toBe(200)
      expect((await through(self.url, { allow_insecure_connections: true })).status).toBe(200)
    } finally {
      await self.close()
    }
  })

  it("51 mTLS to a backend: client_certs is sent; without it the backend refuses", async () => {
    const strict = await https({ cert: server.certPem, key: server.keyPem, requestCert: true, rejectUnauthorized: true, ca: [ca.certPem] })
    try {
      expect((await through(strict.url, { client_tls: { ca_certs: [ca.cert] } })).status).toBe(500)
      const withCert = await through(strict.url, {
        client_tls: { ca_certs: [ca.cert], client_certs: [{ certificate: client.cert, private_key: client.key }] }
      })
      expect(withCert.status).toBe(200)
      expect(strict.clients).toContain("gateway")
    } finally {
      await strict.close()
    }
  })

  it("per backend (backend/http/client.client_tls): only that backend gets it", async () => {
    const perBackend = { "backend/http/client": { client_tls: { ca_certs: [ca.cert] } } }
    expect((await through(backend.url, {}, perBackend)).status).toBe(200)
    const gw = await serve({
      version: 3,
      endpoints: [{
        endpoint: "/two",
        backend: [
          { host: [backend.url], url_pattern: "/x", group: "mine", extra_config: perBackend },
          { host: [backend.url], url_pattern: "/x", group: "other" }
        ]
      }]
    })
    try {
      const res = await fetch(`${gw.url}/two`)
      expect(res.headers.get("x-krakend-completed")).toBe("false")
      expect(await res.json()).toEqual({ mine: { tls: "TLSv1.3" } })
    } finally {
      await gw.close()
    }
  })

  it("a missing file stops the start with its path, at service and backend level", async () => {
    const message = async (config: unknown) => {
      try {
        await (await serve(config)).close()
      } catch (e) {
        return String(e)
      }
      return "started"
    }
    expect(await message({ version: 3, client_tls: { ca_certs: ["./missing.pem"] }, endpoints: [] })).toContain("$.client_tls.ca_certs[0]: cannot read")
    expect(await message({
      version: 3,
      endpoints: [{
        endpoint: "/a",
        backend: [{
          host: [backend.url],
          url_pattern: "/x",
          extra_config: { "backend/http/client": { client_tls: { client_certs: [{ certificate: client.cert, private_key: "./nope.key" }] } } }
        }]
      }]
    })).toContain("$.endpoints[0].backend[0].extra_config[\"backend/http/client\"].client_tls.client_certs[0].private_key: cannot read")
    const mismatched = await message({
      version: 3,
      client_tls: { client_certs: [{ certificate: client.cert, private_key: server.key }], ca_certs: [client.key] },
      endpoints: []
    })
    expect(mismatched).toMatch(/\$\.client_tls\.client_certs\[0\]\.private_key: .* does not match the certificate/)
    expect(mismatched).toMatch(/\$\.client_tls\.ca_certs\[0\]: .* holds no PEM certificate/)
  })
})
