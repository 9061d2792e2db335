/** One request of a load run, in the shape autocannon takes. */
export interface PreparedRequest {
  method: 'POST'
  path: string
  headers: Record<string, string>
  body: string
}

/** Real user agents of current browsers on desktop, phone and tablet, in rough proportion to traffic. */
export const BROWSER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 357.0.0.25.101 (iPhone14,5; iOS 17_7; en_US; en; scale=3.00; 1170x2532; 656513537)',
  'Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0',
  'Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Linux; Android 12; M2101K6G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0',
  'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.5) AppleWebKit/537.36 (KHTML, like Gecko) 85.0.4183.93/6.5 TV Safari/537.36',
] as const

/** Crawlers that reach analytics endpoints; the collector counts and drops their batches. */
export const BOT_AGENTS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
] as const

const PAGES = [
  '/', '/pricing', '/about', '/contact', '/docs', '/docs/getting-started', '/docs/api/events', '/docs/api/stats',
  '/docs/self-hosting/clickhouse', '/blog', '/blog/privacy-first-analytics', '/blog/why-no-cookies',
  '/blog/2024/11/release-notes', '/changelog', '/careers', '/careers/backend-engineer', '/legal/privacy',
  '/shop/shoes/trail-runner-2', '/shop/shoes/city-walker', '/shop/cart', '/shop/checkout', '/search',
]
const QUERIES = ['', '', '', '', '?utm_source=newsletter&utm_medium=email&utm_campaign=winter', '?ref=producthunt', '?q=analytics&page=2', '?session=8f1c2d&email=jan%40example.nl', '?utm_source=twitter']
const REFERRERS = ['', '', '', 'https://www.google.com/', 'https://www.google.de/', 'https://duckduckgo.com/', 'https://news.ycombinator.com/item?id=42170000', 'https://www.reddit.com/r/selfhosted/', 'https://example.com/', 'https://t.co/abc123', 'https://github.com/tellen/tellen']
const ZONES = ['Europe/Amsterdam', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Europe/London', 'Australia/Sydney']
const LANGS = ['en-US', 'nl-NL', 'de-DE', 'en-GB', 'ja-JP', 'fr-FR', 'es-ES']
const WIDTHS = [390, 414, 768, 1280, 1440, 1920, 2560]
const METRICS = ['ttfb', 'fcp', 'lcp', 'inp', 'cls', 'load'] as const

/** A small deterministic generator, so every run sends the same traffic. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface TrafficOptions {
  site: string
  /** Bodies to prepare; connections cycle through them. */
  count: number
  eventsPerRequest: number
  /** Share of requests sent with a crawler's user agent. */
  botShare: number
  seed?: number
}

/**
 * A pool of requests to `POST /api/event` as browsers send them: varied real user agents, pages,
 * campaigns, referrers, client addresses (in X-Forwarded-For, for a collector with TRUST_PROXY=1)
 * and event types. The events carry no `ts`, so the pool never goes stale.
 */
export function prepareTraffic(o: TrafficOptions): PreparedRequest[] {
  const r = random(o.seed ?? 42)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!
  const requests: PreparedRequest[] = []
  for (let i = 0; i < o.count; i++) {
    const page = `https://${r() < 0.2 ? 'www.' : ''}${o.site}${pick(PAGES)}${pick(QUERIES)}`
    const events: unknown[] = []
    for (let e = 0; e < o.eventsPerRequest; e++) {
      const kind = e === 0 && o.eventsPerRequest > 1 ? 0 : r()
      if (kind < 0.7) events.push({ type: 'pageview', url: page, referrer: pick(REFERRERS) })
      else if (kind < 0.85) events.push({ type: 'timing', url: page, metric: pick(METRICS), value: Math.round(r() * 3000) })
      else if (kind < 0.95) events.push({ type: 'click', url: page, el: pick(['a.nav', 'button#buy', 'a.card', 'summary']), cx: Math.floor(r() * 10), cy: Math.floor(r() * 10) })
      else events.push({ type: 'leave', url: page, exit: pick(['internal', 'outbound', 'hidden'] as const), engaged: Math.round(r() * 60_000), scroll: Math.round(r() * 100) })
    }
    const width = pick(WIDTHS)
    const body = JSON.stringify({ v: 1, site: o.site, sw: width, sh: Math.round(width * 0.6), tz: pick(ZONES), lang: pick(LANGS), events })
    const ip = r() < 0.15
      ? `2a02:${Math.floor(r() * 0xffff).toString(16)}:${Math.floor(r() * 0xffff).toString(16)}::${Math.floor(r() * 0xffff).toString(16)}`
      : `${1 + Math.floor(r() * 222)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`
    requests.push({
      method: 'POST',
      path: '/api/event',
      headers: {
        'content-type': 'text/plain;charset=UTF-8',
        'user-agent': r() < o.botShare ? pick(BOT_AGENTS) : pick(BROWSER_AGENTS),
        origin: `https://${o.site}`,
        'x-forwarded-for': ip,
      },
      body,
    })
  }
  return requests
}
