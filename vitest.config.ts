import { defineConfig } from "vitest/config"

export default defineConfig({
  // `sluice` (self-references in tests and examples) resolves to the sources, not to dist/.
  ssr: { resolve: { conditions: ["sluice-source", "module", "node", "development|production"] } },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: "forks"
  }
})
