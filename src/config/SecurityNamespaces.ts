/**
 * Schema of `security/http` (krakend-httpsecure on unrolled/secure), listed in `Namespaces.ts`:
 * the keys KrakenD's code reads (AUTH-TLS.md §6.1), with its code defaults (no redirect, no
 * header unless asked).
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import * as BotDetector from "../security/BotDetector.ts"
import * as Fields from "./Fields.ts"

/** An `allowed_hosts` regular expression, anchored like unrolled/secure's `^…$`. */
export const hostPattern = (pattern: string): string => `^(?:${pattern})$`

/** Service `security/http`. */
export const HttpSecure = Schema.Struct({
  allowed_hosts: Fields.withDefault(Fields.Strings, [], "Hosts (with their port, as sent) allowed to reach the gateway; empty: any. Others get 500 Bad Host"),
  allowed_hosts_are_regex: Fields.flag("allowed_hosts are regular expressions (anchored)"),
  host_proxy_headers: Fields.withDefault(Fields.Strings, [], "Headers read, in order, for the host instead of Host (e.g. X-Forwarded-Host)"),
  ssl_redirect: Fields.flag("Redirect plain HTTP requests to https (301)"),
  ssl_host: Fields.withDefault(Schema.String, "", "Host of the https redirect (default: the request's)"),
  ssl_proxy_headers: Fields.withDefault(
    Schema.Record(Schema.String, Schema.String),
    {},
    "Headers and values that mark a request as HTTPS behind a proxy, e.g. {\"X-Forwarded-Proto\": \"https\"}"
  ),
  sts_seconds: Fields.withDefault(Fields.Count, 0, "Strict-Transport-Security max-age on HTTPS answers (0: none)"),
  sts_include_subdomains: Fields.flag("Add includeSubDomains to Strict-Transport-Security"),
  force_sts_header: Fields.flag("Send Strict-Transport-Security on plain HTTP answers too"),
  frame_deny: Fields.flag("X-Frame-Options: DENY"),
  custom_frame_options_value: Fields.withDefault(Schema.String, "", "X-Frame-Options value (wins over frame_deny)"),
  content_type_nosniff: Fields.flag("X-Content-Type-Options: nosniff"),
  browser_xss_filter: Fields.flag("X-XSS-Protection: 1; mode=block"),
  content_security_policy: Fields.withDefault(Schema.String, "", "Content-Security-Policy ($NONCE becomes a fresh 'nonce-…' per request)"),
  referrer_policy: Fields.withDefault(Schema.String, "", "Referrer-Policy"),
  is_development: Fields.flag("Disable the host allowlist, the SSL redirect and STS (the other headers stay)")
}).check(Schema.makeFilter((v) => {
  if (!v.allowed_hosts_are_regex) return undefined
  for (const [i, pattern] of v.allowed_hosts.entries()) {
    const problem = BotDetector.patternProblem(hostPattern(pattern))
    if (problem !== undefined) return { path: ["allowed_hosts", i], issue: problem }
  }
  return undefined
})).annotate({
  identifier: "HttpSecure",
  description: "Security headers, host allowlist and SSL redirect (extra_config[\"security/http\"])"
})

/** Keys KrakenD documents but its code ignores: accepted with a warning. */
export const httpSecureIgnored: ReadonlyArray<string> = ["hpkp_public_key"]
