/**
 * Benchmark OTLP/HTTP collector for the telemetry scenario: reads each export and answers 200,
 * counting the bytes it got (printed on SIGTERM). Prints `port=<n>`.
 */
import { createServer } from "node:http"

let exports = 0
let bytes = 0
const server = createServer((req, res) => {
  req.on("data", (c: Buffer) => (bytes += c.length))
  req.on("end", () => {
    exports++
    res.writeHead(200, { "content-type": "application/x-protobuf" }).end()
  })
})
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  console.log(`port=${typeof address === "object" && address !== null ? address.port : 0}`)
})
process.on("SIGTERM", () => {
  console.error(`otlp sink: ${exports} exports, ${bytes} bytes`)
  process.exit(0)
})
