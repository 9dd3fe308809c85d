/** The API reference generator (`npm run docs`) reads every export, and every export has JSDoc with an example. */
import { describe, expect, it } from "vitest"
import { gaps, read } from "../../scripts/docs.ts"

describe("API reference", () => {
  const sections = read()

  it("lists the exports of src/index.ts with their members", () => {
    const names = sections.map((s) => s.name)
    for (const name of ["Gateway", "Endpoint", "Backend", "Plugin", "Config", "GatewayConfig"]) expect(names).toContain(name)
    const gateway = sections.find((s) => s.name === "Gateway")!
    expect(gateway.members.map((m) => m.name)).toEqual(expect.arrayContaining(["make", "json", "app", "layer", "makeApp", "nodeServer"]))
  })

  it("every export (and every member of an exported namespace) has JSDoc with an example", () => {
    expect(gaps(sections)).toEqual([])
  }, 60_000)

  it("reads the JSDoc and example written on an `export * as X from` line", () => {
    const effect = sections.find((s) => s.name === "Plugin")!.members.find((m) => m.name === "Effect")!
    expect(effect.doc).toMatch(/^`effect\/Effect`, re-exported/)
    expect(effect.examples).toHaveLength(1)
  })
})
