/** Whether a browser shows a page in a frame of another origin, and if not, which header says no. */
export type FramingVerdict = { allowed: true } | { allowed: false; reason: string }

/** The response headers that decide framing, each header as received (a header may come more than once). */
export interface FramingHeaders {
  xFrameOptions: readonly string[]
  /** Enforced policies only: a `Content-Security-Policy-Report-Only` header blocks nothing. */
  contentSecurityPolicy: readonly string[]
}

/** How much of a refusing policy a reason quotes. */
const MAX_QUOTED = 200
const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443' }
const NETWORK_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:'])
const SCHEME_SOURCE = /^[a-z][a-z0-9+.-]*:$/
const HOST_SOURCE = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*|(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::(\*|\d+))?(\/[^?#]*)?$/
const IP_LITERAL = /^(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:.]+\])$/

const quote = (text: string) => (text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text)
const portOf = (url: URL) => url.port || DEFAULT_PORTS[url.protocol] || ''

/**
 * The policies of `Content-Security-Policy` headers as CSP3 parses a serialized policy list: one
 * policy per comma-separated part, directives by `;`, the first of a name wins. Each policy maps a
 * lower-case directive name to its tokens.
 */
export function parsePolicies(headers: readonly string[]): Map<string, string[]>[] {
  return headers.flatMap((header) =>
    header.split(',').map((serialized) => {
      const policy = new Map<string, string[]>()
      for (const directive of serialized.split(';')) {
        const [name, ...value] = directive.trim().split(/[\t\n\f\r ]+/)
        if (!name || policy.has(name.toLowerCase())) continue
        policy.set(name.toLowerCase(), value)
      }
      return policy
    }),
  )
}

/** CSP3's scheme-part match: the same scheme, or an upgrade from http to https (ws to wss). */
function schemeMatches(expression: string, url: URL): boolean {
  const scheme = url.protocol
  return expression === scheme || (expression === 'http:' && scheme === 'https:') || (expression === 'ws:' && scheme === 'wss:')
}

/** CSP3's `'self'`: the page's own origin, or the same host and port reached over a secure scheme. */
function selfMatches(page: URL, ancestor: URL): boolean {
  if (page.origin === ancestor.origin) return true
  const sameHost = page.hostname === ancestor.hostname && portOf(page) === portOf(ancestor)
  return sameHost && (['https:', 'wss:'].includes(ancestor.protocol) || (page.protocol === 'http:' && ['http:', 'ws:'].includes(ancestor.protocol)))
}

/** Whether one source expression of `frame-ancestors` matches the ancestor's origin. */
function expressionMatches(expression: string, page: URL, ancestor: URL): boolean {
  const source = expression.toLowerCase()
  if (source === '*') return NETWORK_SCHEMES.has(ancestor.protocol) || ancestor.protocol === page.protocol
  if (source === "'self'") return selfMatches(page, ancestor)
  if (SCHEME_SOURCE.test(source)) return schemeMatches(source, ancestor)
  const host = HOST_SOURCE.exec(source)
  if (!host) return false
  const [, scheme, pattern, port, path] = host
  if (!schemeMatches(scheme ? `${scheme}:` : page.protocol, ancestor)) return false
  const hostname = ancestor.hostname
  if (pattern!.startsWith('*')) {
    // A wildcard matches names below it, never an address.
    if (IP_LITERAL.test(hostname) || !hostname.endsWith(pattern!.slice(1))) return false
  } else if (pattern !== hostname) return false
  const ancestorPort = portOf(ancestor)
  if (port === undefined ? ancestorPort !== DEFAULT_PORTS[ancestor.protocol] : port !== '*' && port !== ancestorPort && !(port === '80' && ancestorPort === '443')) return false
  // An ancestor is matched as its origin, whose path is `/`.
  return path === undefined || path === '/'
}

/**
 * Whether a source list of `frame-ancestors` lets the ancestor frame the page. `'none'` beside other
 * expressions is ignored, as browsers do; an empty list matches nothing.
 */
function sourceListMatches(list: readonly string[], page: URL, ancestor: URL): boolean {
  return list.some((expression) => expressionMatches(expression, page, ancestor))
}

/**
 * What HTML's X-Frame-Options check decides: `DENY` refuses, `SAMEORIGIN` refuses another origin,
 * conflicting values refuse, anything else (`ALLOWALL`, an unknown word, nothing) allows.
 */
function xFrameOptionsVerdict(values: readonly string[], page: URL, ancestor: URL): FramingVerdict {
  const options = new Set(values.flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase()).filter(Boolean))
  const [only] = options
  if (options.size > 1) {
    const decisive = ['deny', 'sameorigin', 'allowall'].some((o) => options.has(o))
    return decisive ? { allowed: false, reason: `X-Frame-Options with conflicting values (${quote([...options].join(', '))})` } : { allowed: true }
  }
  if (only === 'deny') return { allowed: false, reason: 'X-Frame-Options DENY' }
  if (only === 'sameorigin' && page.origin !== ancestor.origin) return { allowed: false, reason: 'X-Frame-Options SAMEORIGIN' }
  return { allowed: true }
}

/**
 * Whether a browser shows `page` in a frame of a document of `ancestorOrigin` (the dashboard's), from
 * the page's response headers. An enforced `frame-ancestors` decides alone, as browsers do: every
 * policy that has one must match, and `X-Frame-Options` is then ignored; otherwise X-Frame-Options
 * decides. The reason names the header and the refusing value.
 *
 * @example
 * framingVerdict({ xFrameOptions: ['DENY'], contentSecurityPolicy: [] }, new URL('https://example.com/'), 'https://stats.example.com')
 * // { allowed: false, reason: 'X-Frame-Options DENY' }
 */
export function framingVerdict(headers: FramingHeaders, page: URL, ancestorOrigin: string): FramingVerdict {
  const ancestor = new URL(ancestorOrigin)
  const ancestorsLists = parsePolicies(headers.contentSecurityPolicy)
    .map((policy) => policy.get('frame-ancestors'))
    .filter((list): list is string[] => list !== undefined)
  if (!ancestorsLists.length) return xFrameOptionsVerdict(headers.xFrameOptions, page, ancestor)
  const refusing = ancestorsLists.find((list) => !sourceListMatches(list, page, ancestor))
  if (!refusing) return { allowed: true }
  return { allowed: false, reason: `Content-Security-Policy frame-ancestors ${quote(refusing.join(' ')) || "'none'"}` }
}
