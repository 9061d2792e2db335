import { isbot } from 'isbot'
import { LRUCache } from 'lru-cache'
import UAParser from 'ua-parser-js'
import { clip } from './url.ts'
import { scrubText } from './scrub.ts'

/** What Tellen keeps of a user agent: names and major versions, never the string itself. */
export interface Agent {
  bot: boolean
  browser: string
  browserVersion: string
  os: string
  osVersion: string
  /** desktop, mobile, tablet, smarttv, console, wearable, embedded or xr. */
  device: string
}

/** User agents longer than this are parsed from their first `MAX_UA` characters and never remembered. */
const MAX_UA = 512
const cache = new LRUCache<string, Agent>({ max: 10_000 })
const parser = new UAParser()

/** The longest browser or OS name, or version, that is stored. */
const MAX_NAME_LENGTH = 40
/** A name or version as stored: what the parser took from the header, scrubbed and cut, as any text a client sends. */
const stored = (v: string | undefined) => (v ? clip(scrubText(v), MAX_NAME_LENGTH) : '')
const majorMinor = (v: string | undefined, parts: number) => (v ? stored(v.split('.').slice(0, parts).join('.')) : '')

function parse(ua: string): Agent {
  parser.setUA(ua)
  const r = parser.getResult()
  const os = r.os.name ?? ''
  return {
    bot: ua === '' || isbot(ua),
    browser: stored(r.browser.name),
    browserVersion: majorMinor(r.browser.version, 1),
    os: stored(os),
    // Windows and macOS report names like "10" or "10.15"; others their major version.
    osVersion: majorMinor(r.os.version, os === 'Mac OS' || os === 'macOS' ? 2 : 1),
    device: stored(r.device.type) || 'desktop',
  }
}

/**
 * Parses a user agent with ua-parser-js and isbot, remembering the last 10,000 distinct strings of
 * up to 512 characters (real browsers send far less). A longer one (a header can hold 16 KB) is
 * parsed each time: kept as keys, 10,000 of them would hold 160 MB.
 * @example parseUserAgent('Mozilla/5.0 (compatible; Googlebot/2.1; ...)').bot // true
 */
export function parseUserAgent(ua: string): Agent {
  if (ua.length > MAX_UA) return parse(ua.slice(0, MAX_UA))
  let agent = cache.get(ua)
  if (!agent) {
    agent = parse(ua)
    cache.set(ua, agent)
  }
  return agent
}

/** Characters of the user agents `parseUserAgent` remembers; for tests. */
export const cachedUserAgentChars = () => {
  let n = 0
  for (const ua of cache.keys()) n += ua.length
  return n
}
