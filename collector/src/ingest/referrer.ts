import { LRUCache } from 'lru-cache'
import { getDomain, parse as parseHost } from 'tldts'
import { URL_PLACEHOLDERS } from '../privacy/policy.ts'
import { scrubText } from './scrub.ts'
import { belongsToSite } from './url.ts'

/** A host name as the URL parser writes an IPv4 address. */
const IPV4_HOST = /^\d+\.\d+\.\d+\.\d+$/

/** Referrer hosts of well-known sources, by the registrable part of their name. */
const KNOWN_SOURCES: Record<string, string> = {
  'google': 'Google', 'bing.com': 'Bing', 'duckduckgo.com': 'DuckDuckGo', 'yahoo.com': 'Yahoo',
  'yandex': 'Yandex', 'baidu.com': 'Baidu', 'ecosia.org': 'Ecosia', 'startpage.com': 'Startpage',
  'qwant.com': 'Qwant', 'search.brave.com': 'Brave Search', 'kagi.com': 'Kagi', 'perplexity.ai': 'Perplexity',
  'chatgpt.com': 'ChatGPT', 'chat.openai.com': 'ChatGPT',
  'facebook.com': 'Facebook', 'fb.com': 'Facebook', 'instagram.com': 'Instagram', 'twitter.com': 'X',
  'x.com': 'X', 't.co': 'X', 'linkedin.com': 'LinkedIn', 'lnkd.in': 'LinkedIn', 'reddit.com': 'Reddit',
  'news.ycombinator.com': 'Hacker News', 'youtube.com': 'YouTube', 'youtu.be': 'YouTube',
  'pinterest.com': 'Pinterest', 'tiktok.com': 'TikTok', 'bsky.app': 'Bluesky', 'threads.net': 'Threads',
  'github.com': 'GitHub', 'stackoverflow.com': 'Stack Overflow', 'wikipedia.org': 'Wikipedia',
  'mail.google.com': 'Gmail', 'outlook.live.com': 'Outlook', 'outlook.office.com': 'Outlook',
  'mail.yahoo.com': 'Yahoo Mail',
}

/** A label with this many digits is a number or part of one (a phone number, an account), not a name. */
const LABEL_MAX_DIGITS = 3
/** A run of hex digits this long in a label is an id. */
const HEX_ID = /[0-9a-f]{8,}/i

/** True when a label of a host name looks like an id, a number, an address or a token rather than a name. */
function labelLooksPersonal(label: string): boolean {
  let digits = 0
  for (let i = 0; i < label.length; i++) if (label.charCodeAt(i) >= 48 && label.charCodeAt(i) <= 57) digits++
  return digits > LABEL_MAX_DIGITS || (digits > 0 && HEX_ID.test(label)) || scrubText(label) !== label
}

/** Reduced hosts by host: referrers repeat (google.com), and a flood of distinct ones only churns the cache. */
const reducedHosts = new LRUCache<string, string>({ max: 5000 })

/**
 * The referrer host as stored: reduced to its registrable domain (by the public suffix list, with
 * `tldts`) when the labels before it look like an id, a number or an address
 * (`jan-jansen-0612345678.blogspot.com`, `<uuid>.ngrok.io`), or when the host lies under a platform's
 * suffix, where each account names its own subdomain, often after a person (`janjansen.github.io`).
 * A host with no registrable domain whose labels look personal is named `:id`.
 * @example referrerHost('3f2b1c9e-8a7d-4c1e-9b2a-1d2e3f4a5b6c.ngrok.io') // 'ngrok.io'
 * @example referrerHost('news.ycombinator.com') // 'news.ycombinator.com'
 */
export function referrerHost(host: string): string {
  let reduced = reducedHosts.get(host)
  if (reduced === undefined) {
    // One parse that knows the platforms' suffixes; the registrable domain under the ICANN list only when the host is on one.
    const parsed = parseHost(host, { allowPrivateDomains: true, extractHostname: false })
    const domain = parsed.isPrivate ? getDomain(host, { extractHostname: false }) : parsed.domain
    const labels = domain ? host.slice(0, Math.max(0, host.length - domain.length - 1)) : host
    const personal = labels !== '' && (labels.split('.').some(labelLooksPersonal) || scrubText(labels) !== labels)
    if (!domain) reduced = personal ? URL_PLACEHOLDERS.id : host
    else if (domain === host) reduced = host
    else reduced = personal || parsed.isPrivate ? domain : host
    reducedHosts.set(host, reduced)
  }
  return reduced
}

export interface Referrer {
  /** The referring host without `www.` (reduced by `referrerHost`), or '' for none or an internal navigation. */
  host: string
  /** The utm_source (or ref) the site tagged its link with, else a named source (Google, Reddit, ...) or the host, else 'Direct'. */
  source: string
}

function knownSource(host: string): string | undefined {
  for (let h = host; h.includes('.'); h = h.slice(h.indexOf('.') + 1)) {
    const name = KNOWN_SOURCES[h]
    if (name) return name
    const label = h.slice(0, h.indexOf('.'))
    // google.com, google.co.uk, yandex.ru: the engine's name is the first label of the registrable part.
    if ((label === 'google' || label === 'yandex') && KNOWN_SOURCES[label]) return KNOWN_SOURCES[label]
  }
  return undefined
}

/** A referrer URL as parsed once per page view: for the spam list and for the source. */
export interface ParsedReferrer {
  /** Its host name, whatever the protocol ('' when it is not a URL). */
  hostname: string
  /** Whether it is a web page or an app that can send visitors (http, https, android-app). */
  web: boolean
}

/** Parses a referrer URL; `classifyReferrer` and the spam test both read the result. */
export function parseReferrer(referrer: string | undefined): ParsedReferrer {
  if (!referrer) return { hostname: '', web: false }
  try {
    const u = new URL(referrer)
    return { hostname: u.hostname, web: u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'android-app:' }
  } catch {
    return { hostname: '', web: false }
  }
}

/**
 * Reduces a referrer to its host and names the source of the visit. A referrer on the site itself
 * is an internal navigation and counts as none; a campaign tag chosen by the site wins over the referrer.
 * `parsed` is the referrer already parsed by `parseReferrer`, when the caller has it.
 * @example classifyReferrer('https://www.google.com/search?q=x', 'example.com') // { host: 'google.com', source: 'Google' }
 */
export function classifyReferrer(referrer: string | undefined, site: string, utmSource?: string, parsed = parseReferrer(referrer)): Referrer {
  let host = parsed.web ? parsed.hostname.toLowerCase() : ''
  if (host.startsWith('www.')) host = host.slice(4)
  if (host && belongsToSite(host, site)) host = ''
  // A page served from an address (a router, a machine on the visitor's network) is named by a
  // placeholder. The URL parser writes an IPv4 host in dotted decimal and an IPv6 one in brackets, so
  // the shape tells (ipaddr.js costs ~10 µs to refuse a host name).
  if (host && (host.startsWith('[') || IPV4_HOST.test(host))) host = URL_PLACEHOLDERS.ip
  else if (host) host = referrerHost(host)
  const source = utmSource ? utmSource : host ? (knownSource(host) ?? host) : 'Direct'
  return { host, source }
}
