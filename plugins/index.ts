/**
 * The first-party plugins, registered in every gateway (see `src/plugin/Registry.ts`): handlers
 * `request-id` and `ip-filter`, modifier `rewrite`, clients `retry` and `mock`.
 */
import type { Plugin } from "../src/plugin/Plugin.ts"
import ipFilter from "./IpFilter.ts"
import mock from "./Mock.ts"
import requestId from "./RequestId.ts"
import retry from "./Retry.ts"
import rewrite from "./Rewrite.ts"

const firstParty: ReadonlyArray<Plugin.Any> = [requestId, ipFilter, rewrite, retry, mock]
export default firstParty
