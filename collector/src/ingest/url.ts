import { LRUCache } from 'lru-cache'
import { QUERY_ALLOWLIST } from '../privacy/policy.ts'
import { scrubPath, scrubText } from './scrub.ts'

/** Query parameters kept on every site; each site may allow more (`tellen sites`). */
export const DEFAULT_QUERY_ALLOWLIST = QUERY_ALLOWLIST

export interface CleanUrl {
  hostname: string
  /** The path, with a hash route (`#/...`) appended when the site uses hash routing. */
  path: string
  /** Allowlisted query parameters only, in a stable order, e.g. `ref=hn&utm_source=x`. */
  query: string
  params: Map<string, string>
}

export interface CleanOptions {
  /** Extra query parameters this site keeps, beside the default allowlist. */
  allow?: ReadonlySet<string> | undefined
  /** Keep a fragment that starts with `#/` or `#!/` as part of the path. */
  hashRouting?: boolean | undefined
}

const DEFAULT_ALLOW: ReadonlySet<string> = new Set(DEFAULT_QUERY_ALLOWLIST)
/** A kept query value is cut to this many UTF-16 units. */
const MAX_PARAM_LENGTH = 200
/** A fragment that is a hash route: `#/...` or `#!/...`. */
const HASH_ROUTE = /^#!?\//

/** The first `max` UTF-16 units of a text, one fewer when the cut would split a surrogate pair (an emoji). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text
  const last = text.charCodeAt(max - 1)
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max)
}

/** Keeps a query parameter, scrubbed and cut, when it is allowlisted and not kept yet (the first of a name wins). */
function keepParam(params: Map<string, string>, options: CleanOptions, key: string, value: string): void {
  const k = key.toLowerCase()
  if ((DEFAULT_ALLOW.has(k) || options.allow?.has(k)) && !params.has(k)) params.set(k, scrubText(clip(value, MAX_PARAM_LENGTH)))
}

/**
 * Parses an http(s) URL and keeps only what Tellen may store: host, scrubbed path (e-mail addresses,
 * long numbers, UUIDs and tokens replaced by placeholders) and allowlisted query parameters, scrubbed
 * the same way; the fragment is dropped, unless it is a hash route of a site that uses hash routing,
 * whose allowlisted parameters are kept as the query's. Returns undefined when it is not an http(s) URL.
 * @example cleanUrl('https://example.com/reset/3f2b1c9e-8a7d-4c1e-9b2a-1d2e3f4a5b6c?utm_source=x&email=a@b.c#top')
 * // { hostname: 'example.com', path: '/reset/:id', query: 'utm_source=x', ... }
 */
export function cleanUrl(raw: string, options: CleanOptions = {}): CleanUrl | undefined {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    return undefined
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined
  const params = new Map<string, string>()
  // Most pages have no query: the parser's search params are not even built for them.
  if (u.search) for (const [key, value] of u.searchParams) keepParam(params, options, key, value)
  let path = u.pathname || '/'
  if (options.hashRouting && HASH_ROUTE.test(u.hash)) {
    // The route is part of the path; parameters after it (`#/route?a=1`, `#/callback&token=...`) are
    // kept only when allowlisted, as query parameters are, and the query's own win.
    const cut = u.hash.search(/[?&]/)
    path += cut < 0 ? u.hash : u.hash.slice(0, cut)
    if (cut >= 0) for (const [key, value] of new URLSearchParams(u.hash.slice(cut + 1))) keepParam(params, options, key, value)
  }
  const query = params.size ? [...params.keys()].sort().map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params.get(k)!)}`).join('&') : ''
  path = scrubPath(path)
  return { hostname: u.hostname.toLowerCase(), path, query, params }
}

const originHosts = new LRUCache<string, string>({ max: 1000 })

/**
 * The lowercased host name of an origin or URL as a browser sends it in `Origin` or `Referer`, or ''
 * when it is not a URL. Origins (scheme and host, no path) are few and remembered; URLs with a path
 * are parsed each time and never kept.
 * @example hostOf('https://Shop.Example.com') // 'shop.example.com'
 */
export function hostOf(origin: string): string {
  const isOrigin = origin.length <= 300 && origin.indexOf('/', origin.indexOf('//') + 2) < 0
  const known = isOrigin ? originHosts.get(origin) : undefined
  if (known !== undefined) return known
  let host = ''
  try {
    host = new URL(origin).hostname.toLowerCase()
  } catch {
    host = ''
  }
  if (isOrigin) originHosts.set(origin, host)
  return host
}

/** True when `host` is `site` or one of its subdomains. */
export function belongsToSite(host: string, site: string): boolean {
  return host === site || host.endsWith(`.${site}`)
}
