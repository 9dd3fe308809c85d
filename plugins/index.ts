/**
 * The first-party plugins, registered in every gateway (see `src/plugin/Registry.ts`).
 */
import type { Plugin } from "../src/plugin/Plugin.ts"

const firstParty: ReadonlyArray<Plugin.Any> = []
export default firstParty
