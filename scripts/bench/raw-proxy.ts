/**
 * The Node limit: a hand-written node:http + undici gateway doing the same work as Sluice's
 * benchmark config, with no framework. Prints `port=<n>`.
 *
 * - `/proxy/:id`: one backend call, JSON parsed and re-encoded (the work of a `json` backend);
 * - `/asis/:id`: the same call, the backend's bytes buffered and answered as they are with
 *   `Content-Length` (the Node ceiling of a 1-backend proxy: no parse, no re-encode);
 * - `/merge`: three concurrent calls, parsed, filtered (allow/group) and merged;
 * - `/noop`: the 1 MiB body streamed through untouched;
 * - `/bytes/:id`: the small `/a` body streamed through untouched (a `no-op` proxy);
 * - `/seq/:id`: two calls in sequence, the second's path taken from the first's answer.
 */
import { createServer, type ServerResponse } from "node:http"
import * as Baseline from "./Baseline.ts"

const send = (res: ServerResponse, body: unknown, complete: boolean) => {
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "x-krakend-completed": String(complete) })
  res.end(JSON.stringify(body))
}

const fail = (res: ServerResponse) => {
  res.writeHead(500)
  res.end()
}

const server = createServer((req, res) => {
  const url = req.url ?? "/"
  if (url.startsWith("/proxy/")) {
    Baseline.call("/a" + url.slice(6)).then((data) => send(res, data, true), () => fail(res))
  } else if (url.startsWith("/asis/")) {
    Baseline.bytes("/a" + url.slice(5)).then((r) => {
      if (r.status !== 200 && r.status !== 201) return fail(res)
      res.writeHead(200, { "content-type": r.type, "content-length": r.body.length, "x-krakend-completed": "true" })
      res.end(r.body)
    }, () => fail(res))
  } else if (url.startsWith("/merge")) {
    Baseline.merge().then(({ body, complete }) => send(res, body, complete), () => fail(res))
  } else if (url.startsWith("/noop") || url.startsWith("/bytes/")) {
    Baseline.stream(url.startsWith("/noop") ? "/big" : "/a" + url.slice(6)).then((r) => {
      res.writeHead(r.statusCode, { "content-type": String(r.headers["content-type"] ?? "application/json") })
      r.body.pipe(res)
    }, () => fail(res))
  } else if (url.startsWith("/seq/")) {
    Baseline.sequence(url.slice(5)).then((body) => send(res, body, true), () => fail(res))
  } else {
    res.writeHead(404)
    res.end()
  }
})
server.keepAliveTimeout = 65_000
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  console.log(`port=${typeof address === "object" && address !== null ? address.port : 0}`)
})
