#!/usr/bin/env -S node --no-memory-reducer
// --no-memory-reducer: V8 otherwise shrinks an idle process's heap after ~30 s without load, and
// the next traffic ran ~20 % slower for minutes (docs/performance.md "Idle gaps").
// Runs the built CLI (dist/, what an installed package has); in a checkout without a build, the
// TypeScript sources (Node >= 22.19 strips types, but not under node_modules).
import { existsSync } from "node:fs"

const built = new URL("../dist/src/cli/main.js", import.meta.url)
await import(existsSync(built) ? built.href : new URL("../src/cli/main.ts", import.meta.url).href)
