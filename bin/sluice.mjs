#!/usr/bin/env node
// Needs Node >= 22.19 (runs the TypeScript sources with type stripping).
await import("../src/cli/main.ts")
