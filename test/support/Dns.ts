/**
 * A loopback DNS server (UDP, 127.0.0.1, port 0) answering SRV questions from a mutable table,
 * for `sd: "dns"` tests. `mode` switches it to SERVFAIL answers or to silence.
 */
import * as DnsPacket from "dns-packet"
import * as Dgram from "node:dgram"

export interface SrvTarget {
  readonly target: string
  readonly port: number
  readonly priority?: number
  readonly weight?: number
}

export interface DnsServer {
  /** `127.0.0.1:<port>`, for `sluice/server.dns_servers`. */
  readonly address: string
  /** SRV name → records (a name missing is NXDOMAIN). */
  readonly records: Map<string, ReadonlyArray<SrvTarget>>
  mode: "answer" | "servfail" | "silent"
  /** Questions received (name, type). */
  readonly questions: Array<string>
  readonly close: () => Promise<void>
}

const SERVFAIL = 2
const NXDOMAIN = 3

export const start = async (): Promise<DnsServer> => {
  const socket = Dgram.createSocket("udp4")
  const server: DnsServer = {
    address: "",
    records: new Map(),
    mode: "answer",
    questions: [],
    close: () => new Promise((resolve) => socket.close(() => resolve()))
  }
  socket.on("message", (message, peer) => {
    const query = DnsPacket.decode(message)
    const question = query.questions?.[0]
    if (question === undefined) return
    server.questions.push(`${question.name} ${question.type}`)
    if (server.mode === "silent") return
    const found = server.mode === "answer" && question.type === "SRV" ? server.records.get(question.name) : undefined
    const rcode = server.mode === "servfail" ? SERVFAIL : found === undefined ? NXDOMAIN : 0
    const answer = DnsPacket.encode({
      type: "response",
      id: query.id,
      flags: DnsPacket.AUTHORITATIVE_ANSWER | rcode,
      questions: [question],
      answers: (found ?? []).map((r) => ({
        type: "SRV" as const,
        name: question.name,
        ttl: 5,
        data: { target: r.target, port: r.port, priority: r.priority ?? 10, weight: r.weight ?? 1 }
      }))
    })
    socket.send(answer, peer.port, peer.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve))
  return Object.assign(server, { address: `127.0.0.1:${socket.address().port}` })
}
