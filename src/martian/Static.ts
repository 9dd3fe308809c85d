/**
 * KrakenD's `static.Modifier` (krakend-martian `static.go` over martian's static modifier): on the
 * request it skips the backend call (a synthetic 200 with no headers and an empty body stands in)
 * and downgrades `https` to `http`; on the response it answers the file at `rootPath` + the
 * cleaned request path (or the `explicitPaths` entry for that path), with the Content-Type Go's
 * built-in table gives its extension. A missing file sets 404 (no failure), an unreadable one 401
 * and a failure, any other problem 500 and a failure. The `Range` answers martian gives are not
 * mimicked: the whole file is the body.
 *
 * @since 0.2.0
 */
import { readFile, stat } from "node:fs/promises"
import * as Path from "node:path"
import * as Message from "./Message.ts"
import type { Built } from "./Step.ts"
import type * as Tree from "./Tree.ts"
import * as Url from "./Url.ts"

/** Go's `mime` built-in table (what `TypeByExtension` knows without system files). */
const types: Readonly<Record<string, string>> = {
  ".avif": "image/avif",
  ".css": "text/css; charset=utf-8",
  ".gif": "image/gif",
  ".htm": "text/html; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".jpeg": "image/jpeg",
  ".jpg": "image/jpeg",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".mjs": "text/javascript; charset=utf-8",
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
  ".webp": "image/webp",
  ".xml": "text/xml; charset=utf-8"
}

/** Go's `path.Clean` of a rooted path: no `.`/`..` segments, no trailing slash (but `/`). */
const clean = (path: string): string => {
  const normal = Path.posix.normalize(`/${path}`)
  return normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal
}

const code = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined

/** The static modifier of one node. */
export const make = (node: Tree.StaticModifier): Built => {
  const root = Path.posix.normalize(node.rootPath)
  const serve = async (res: Message.Res): Promise<Message.Failure | undefined> => {
    const path = clean(Url.decodedPath(res.request.url))
    const file = Path.posix.join(root, Object.hasOwn(node.explicitPaths, path) ? node.explicitPaths[path]! : path)
    try {
      const info = await stat(file)
      if (!info.isFile()) {
        res.status = 500
        return `static: ${file} is not a regular file`
      }
      const bytes = await readFile(file)
      res.headers["Content-Type"] = [types[Path.extname(file).toLowerCase()] ?? ""]
      Message.replaceBody(res, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      return undefined
    } catch (e) {
      const reason = code(e)
      if (reason === "ENOENT" || reason === "ENOTDIR") {
        res.status = 404
        return undefined
      }
      res.status = reason === "EACCES" || reason === "EPERM" ? 401 : 500
      return `static: ${reason ?? "cannot read"} ${file}`
    }
  }
  return {
    request: (req) => {
      req.skip = true
      if (req.url.scheme === "https") req.url.scheme = "http"
      return undefined
    },
    response: serve
  }
}
