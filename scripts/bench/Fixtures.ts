/**
 * Benchmark fixtures: the backend bodies, written to a folder that nginx (or the node backend)
 * serves. `/a/*`, `/b/*`, `/c/*` are small JSON objects; `/big` is a 1 MiB JSON document;
 * `/seq0/*` starts a sequential chain (`next` names the second backend).
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const big = (): string => {
  const items: Array<unknown> = []
  let size = 20
  for (let i = 0; size < 1024 * 1024; i++) {
    const item = { id: i, name: `item-${i}`, tags: ["alpha", "beta"], price: i * 1.25 }
    size += JSON.stringify(item).length + 1
    items.push(item)
  }
  return JSON.stringify({ items })
}

/** The bodies by name (file `<name>.json`). */
export const bodies = (): Record<string, string> => ({
  a: JSON.stringify({ id: 1, name: "Ada", roles: ["admin", "dev"], profile: { city: "London", lang: "en" }, secret: "x" }),
  b: JSON.stringify({ orders: [{ id: 10, total: 12.5 }, { id: 11, total: 3 }], count: 2 }),
  c: JSON.stringify({ score: 42, badges: ["gold"], updated: "2026-11-25T00:00:00Z" }),
  seq0: JSON.stringify({ id: 7, next: "c" }),
  big: big()
})

/** Writes the bodies to `<dir>/www/<name>.json` and returns the www folder. */
export const write = (dir: string): string => {
  const www = join(dir, "www")
  mkdirSync(www, { recursive: true })
  for (const [name, body] of Object.entries(bodies())) writeFileSync(join(www, `${name}.json`), body)
  return www
}

/** Sluice's endpoints over those bodies: the bench's core scenarios (`run.ts`) and `gc.ts`'s routes. */
export const endpoints = [
  { endpoint: "/proxy/{id}", backend: [{ url_pattern: "/a/{id}" }] },
  {
    endpoint: "/merge",
    backend: [
      { url_pattern: "/a", allow: ["id", "name", "profile"], group: "user" },
      { url_pattern: "/b", allow: ["orders", "count"], mapping: { count: "total_orders" } },
      { url_pattern: "/c", group: "stats" }
    ]
  },
  { endpoint: "/noop", output_encoding: "no-op", backend: [{ url_pattern: "/big" }] },
  { endpoint: "/bytes/{id}", output_encoding: "no-op", backend: [{ url_pattern: "/a/{id}" }] },
  {
    endpoint: "/seq/{id}",
    extra_config: { proxy: { sequential: true } },
    backend: [{ url_pattern: "/seq0/{id}" }, { url_pattern: "/{resp0_next}" }]
  }
]
