import { secureHeaders } from 'hono/secure-headers'

/** Options of `hono/secure-headers` for every response of the collector. */
export const SECURE_HEADER_OPTIONS = { crossOriginResourcePolicy: 'cross-origin', xFrameOptions: 'DENY' } as const

/** The collector's security headers as middleware, for every route but the ingest endpoint. */
export const securityHeaders = () => secureHeaders(SECURE_HEADER_OPTIONS)

/**
 * The same headers as a plain object, for the ingest endpoint, which builds its responses whole
 * (a test keeps the two equal). Lower-case names, as Node writes them.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'cross-origin-resource-policy': 'cross-origin',
  'cross-origin-opener-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  // Nothing Tellen serves is meant to be framed (the dashboard says so in its CSP too).
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
}
