/**
 * Certificates made at test time with the `openssl` CLI, into a temp folder: CAs, server
 * certificates with DNS/IP names, client certificates, and a key that matches nothing.
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** Files of one certificate. */
export interface Issued {
  readonly cert: string
  readonly key: string
  /** PEM contents. */
  readonly certPem: string
  readonly keyPem: string
}

/** A CA that issues certificates. */
export interface Authority extends Issued {
  readonly issue: (name: string, options: { readonly dns?: ReadonlyArray<string>; readonly client?: boolean; readonly ec?: boolean }) => Issued
}

const openssl = (args: ReadonlyArray<string>, cwd: string) => execFileSync("openssl", args, { cwd, stdio: "pipe" })

const read = (cert: string, key: string): Issued => ({ cert, key, certPem: readFileSync(cert, "utf8"), keyPem: readFileSync(key, "utf8") })

/** A fresh folder for certificates. */
export const folder = (): string => mkdtempSync(join(tmpdir(), "sluice-certs-"))

/** A self-signed CA named `name` in `dir`. */
export const authority = (dir: string, name: string): Authority => {
  const cert = join(dir, `${name}.pem`)
  const key = join(dir, `${name}.key`)
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", `/CN=${name}`], dir)
  let serial = 1
  return {
    ...read(cert, key),
    issue: (leaf, options) => {
      const leafKey = join(dir, `${leaf}.key`)
      const csr = join(dir, `${leaf}.csr`)
      const leafCert = join(dir, `${leaf}.pem`)
      const ext = join(dir, `${leaf}.ext`)
      const keyArgs = options.ec === false || options.ec === undefined ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
      openssl(["req", ...keyArgs, "-nodes", "-keyout", leafKey, "-out", csr, "-subj", `/CN=${leaf}`], dir)
      const names = [...(options.dns ?? []).map((d) => `DNS:${d}`), "IP:127.0.0.1"]
      writeFileSync(ext, `subjectAltName=${names.join(",")}\nextendedKeyUsage=${options.client === true ? "clientAuth" : "serverAuth"}\n`)
      openssl(["x509", "-req", "-in", csr, "-CA", cert, "-CAkey", key, "-set_serial", String(serial++), "-days", "2", "-out", leafCert, "-extfile", ext], dir)
      return read(leafCert, leafKey)
    }
  }
}
