/** The API reference generator (`npm run docs`) reads every export, and the builder's have JSDoc with an example. */
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

  it("every export of Gateway, Endpoint and Backend has JSDoc with an example", () => {
    const strict = gaps(sections).filter((g) => /^(Gateway|Endpoint|Backend)(\.|$)/.test(g.name))
    expect(strict).toEqual([])
  }, 60_000)
})
