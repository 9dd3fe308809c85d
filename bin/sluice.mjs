#!/usr/bin/env node
// Runs the built CLI (dist/, what an installed package has); in a checkout without a build, the
// TypeScript sources (Node >= 22.19 strips types, but not under node_modules).
import { existsSync } from "node:fs"

const built = new URL("../dist/src/cli/main.js", import.meta.url)
await import(existsSync(built) ? built.href : new URL("../src/cli/main.ts", import.meta.url).href)
