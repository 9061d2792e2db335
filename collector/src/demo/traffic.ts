import { USER_AGENTS } from './user-agents.ts'

/** One request as the SDK would send it: the batch body, the client, and when it arrives. */
export interface DemoRequest {
  body: { v: 1; site: string; sw: number; tz: string; lang: string; events: Record<string, unknown>[] }
  ip: string
  userAgent: string
  /** Time of receipt, just after the batch's last event. */
  now: number
  /** The page's origin, for the few requests a foreign page sends (refused as `bad_origin`). */
  origin?: string
}

export interface DemoOptions {
  site: string
  days: number
  /** Events to generate, roughly (whole visits are generated until the count is reached). */
  events: number
  /** The last day of traffic ends at this time. */
  end?: number
  seed?: number
}

/** A small, fast, seeded pseudo-random generator (mulberry32). */
function generator(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function weighted<T>(items: readonly (readonly [T, number])[]): (r: number) => T {
  const total = items.reduce((n, [, w]) => n + w, 0)
  const cumulative = items.map(([v, w], i) => [v, items.slice(0, i + 1).reduce((n, [, x]) => n + x, 0) / total] as const)
  return (r) => cumulative.find(([, c]) => r <= c)?.[0] ?? items.at(-1)![0]
}

/**
 * Places: a public address prefix the country database knows, with the time zones and languages of
 * browsers there, the most common first: a country is not one language or one time zone.
 */
export const DEMO_PLACES = [
  [{ prefix: '145.14.1.', tzs: ['Europe/Amsterdam'], langs: ['nl-NL', 'en-US', 'en-GB'] }, 24],
  [{ prefix: '8.8.8.', tzs: ['America/New_York', 'America/Chicago'], langs: ['en-US', 'es-US'] }, 22],
  [{ prefix: '151.101.1.', tzs: ['America/Los_Angeles', 'America/Denver'], langs: ['en-US', 'es-US', 'zh-CN'] }, 8],
  [{ prefix: '46.4.0.', tzs: ['Europe/Berlin'], langs: ['de-DE', 'en-US', 'tr-TR'] }, 12],
  [{ prefix: '62.210.16.', tzs: ['Europe/Paris'], langs: ['fr-FR', 'en-US'] }, 7],
  [{ prefix: '81.2.69.', tzs: ['Europe/London'], langs: ['en-GB', 'en-US', 'pl-PL'] }, 9],
  [{ prefix: '24.48.0.', tzs: ['America/Toronto', 'America/Vancouver'], langs: ['en-CA', 'fr-CA'] }, 4],
  [{ prefix: '49.44.0.', tzs: ['Asia/Kolkata'], langs: ['en-IN', 'hi-IN', 'en-US'] }, 5],
  [{ prefix: '177.0.0.', tzs: ['America/Sao_Paulo'], langs: ['pt-BR', 'en-US'] }, 3],
  [{ prefix: '133.242.0.', tzs: ['Asia/Tokyo'], langs: ['ja-JP', 'en-US'] }, 3],
  [{ prefix: '1.1.1.', tzs: ['Australia/Sydney', 'Australia/Melbourne'], langs: ['en-AU', 'en-GB'] }, 3],
] as const
const PLACES = weighted<(typeof DEMO_PLACES)[number][0]>(DEMO_PLACES)

/** Shares of a place's first time zone and first language; the others share the rest. */
export const DEMO_MAIN_TZ = 0.8
export const DEMO_MAIN_LANG = 0.7

/**
 * The 0-based index of a person's time zone or language among `count`, from a draw `r` in [0, 1): the
 * first with share `main`, the others evenly.
 * @example localeIndex(0.9, 3, 0.7) // 2
 */
export const localeIndex = (r: number, count: number, main: number) =>
  count === 1 || r < main ? 0 : Math.min(count - 1, 1 + Math.floor(((r - main) / (1 - main)) * (count - 1)))

/** A person's draws for the time zone and the language: stable per person, like the place. */
export const personTzDraw = (person: number) => ((person * 6007) % 1009) / 1009
export const personLangDraw = (person: number) => ((person * 7727) % 1013) / 1013

const AGENTS = weighted(USER_AGENTS.map((a) => [a, a.weight] as const))

/**
 * Where visits come from: referrer and campaign tags, with how engaged those visitors are: `stay` is
 * the chance to view one more page (so bounce rates differ), `dwell` scales the time on each page.
 */
export const DEMO_SOURCES = [
  [{ referrer: '', query: '', stay: 0.55, dwell: 1 }, 35],
  [{ referrer: 'https://www.google.com/', query: '', stay: 0.58, dwell: 1.1 }, 28],
  [{ referrer: 'https://news.ycombinator.com/item?id=40000000', query: '', stay: 0.35, dwell: 0.6 }, 7],
  [{ referrer: 'https://www.reddit.com/r/selfhosted/', query: '', stay: 0.4, dwell: 0.8 }, 5],
  [{ referrer: 'https://t.co/abc', query: '', stay: 0.3, dwell: 0.5 }, 4],
  [{ referrer: 'https://duckduckgo.com/', query: '', stay: 0.6, dwell: 1.2 }, 4],
  [{ referrer: 'https://www.bing.com/', query: '', stay: 0.57, dwell: 1 }, 3],
  [{ referrer: 'https://github.com/tellen/tellen', query: '', stay: 0.65, dwell: 1.4 }, 3],
  [{ referrer: 'https://www.linkedin.com/', query: '', stay: 0.45, dwell: 0.9 }, 3],
  [{ referrer: '', query: '?utm_source=newsletter&utm_medium=email&utm_campaign=spring', stay: 0.7, dwell: 1.5 }, 5],
  [{ referrer: 'https://www.facebook.com/', query: '?utm_source=facebook&utm_medium=social&utm_campaign=launch', stay: 0.38, dwell: 0.7 }, 3],
] as const
const SOURCES = weighted<(typeof DEMO_SOURCES)[number][0]>(DEMO_SOURCES)

/** Pages, most visited first (a Zipf-like skew). */
export const DEMO_PAGES = ['/', '/pricing', '/docs', '/blog', '/docs/getting-started', '/features', '/blog/privacy-first-analytics', '/about',
  '/docs/api', '/contact', '/blog/clickhouse-rollups', '/changelog', '/docs/sdk', '/careers', '/legal/privacy', '/blog/web-vitals',
  '/docs/self-hosting', '/customers', '/security', '/status']
const PAGE = weighted(DEMO_PAGES.map((p, i) => [p, 1 / (i + 1)] as const))

/** Share of a day's traffic by hour (UTC), and of a week's by weekday (Sunday first). */
export const DEMO_HOURS = [1, 0.7, 0.5, 0.4, 0.4, 0.5, 0.9, 1.6, 2.4, 3, 3.3, 3.4, 3.2, 3.3, 3.4, 3.3, 3, 2.6, 2.2, 2, 1.9, 1.7, 1.5, 1.2]
const HOUR = weighted(DEMO_HOURS.map((w, h) => [h, w] as const))
export const DEMO_WEEKDAY = [0.55, 1.05, 1.1, 1.05, 1, 0.9, 0.6]

/** Timing metrics: name, median and spread of the generated values. */
export const DEMO_TIMINGS = [['ttfb', 350, 500], ['fcp', 1200, 900], ['lcp', 2100, 1600], ['cls', 0.05, 0.12], ['inp', 140, 160], ['dcl', 900, 700], ['load', 1800, 1300]] as const
/** How visitors leave the last page of a visit, with weights. */
export const DEMO_EXITS = [['hidden', 40], ['outbound', 18], ['back_forward', 12], ['reload', 4], ['download', 3], ['tel', 2], ['mailto', 2], ['form', 4]] as const
const EXITS = weighted<(typeof DEMO_EXITS)[number][0]>(DEMO_EXITS)
export const DEMO_OUTBOUND = ['https://github.com/tellen/tellen', 'https://clickhouse.com/docs', 'https://twitter.com/tellen', 'https://www.youtube.com/watch?v=x']
export const DEMO_ELEMENTS = ['a#cta-signup', 'button#buy', 'a.nav-docs', 'a.nav-pricing', 'button.copy-snippet', 'a[data-tellen=github]', 'summary.faq', 'img.hero']
/** Resources that fail to load, each with its own kind. */
export const DEMO_FAILURES = [['img', 'static/hero.webp'], ['script', 'static/chart.js']] as const

/**
 * Mouse movement in a cell of the 10 × 10 grid for a draw `r`: most over the middle columns and the
 * top of the page, less towards the edges and the bottom, none nowhere.
 * @example moveCount(0.5, 4, 0) // 3
 */
export const moveCount = (r: number, x: number, y: number) => Math.floor(r * 8 * Math.exp(-((x - 4.5) ** 2) / 10) * Math.exp(-y / 3.5))
/** The deepest scroll of a page view from four draws: a hump around the middle, and short pages read to the end. */
export const scrollDepth = (end: number, a: number, b: number, c: number) => (end < 0.15 ? 100 : Math.min(100, Math.floor(((a + b + c) / 3) * 110)))
/** The column of a click from two draws: any column, most in the middle. */
export const clickColumn = (a: number, b: number) => Math.min(9, Math.floor((a + b) * 5))

/** Crawlers that announce themselves: dropped as bots, counted in the security view. */
export const DEMO_BOTS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
]
/** Shares of page views that come from a crawler, and from a foreign page copying the script. */
const BOT_SHARE = 0.01
const FOREIGN_SHARE = 0.002
/** Visitors whose page views arrive in the last minutes, for the realtime count. */
const REALTIME_VISITORS = 4
const REALTIME_WINDOW_MS = 4 * 60_000

/** Events per visit on average, from the probabilities of the generator. */
export const DEMO_EVENTS_PER_VISIT = 16

/**
 * The share of a day's visits (by the daily curve) that start before `cutoff`: 1 for a day that ended
 * before it, less for the day it falls on (visits do not start in the hour before the range's end).
 */
function openShare(dayStart: number, cutoff: number): number {
  const total = DEMO_HOURS.reduce((a, b) => a + b, 0)
  const open = DEMO_HOURS.reduce((sum, w, h) => sum + w * Math.min(1, Math.max(0, (cutoff - dayStart - h * 3_600_000) / 3_600_000)), 0)
  return open / total
}

/**
 * Number of a day, 0 = the first of the range; days of the range, their share of the visits, and the
 * share of each day's curve that lies before the last hour of the range (`open`). A day generates
 * `visits * shares[d] / open[d]` visit starts over its whole curve, of which those in that last hour
 * and later are dropped: so the range holds the visits asked for at any time of day, the last day
 * only as much of them as has passed.
 */
export function dayWeights(days: number, end: number) {
  const first = Math.floor(end / 86_400_000) - days + 1
  const open = Array.from({ length: days }, (_, i) => openShare((first + i) * 86_400_000, end - 3_600_000))
  const weights = Array.from({ length: days }, (_, i) => {
    const weekday = new Date((first + i) * 86_400_000).getUTCDay()
    return DEMO_WEEKDAY[weekday]! * (0.8 + (0.4 * i) / days) * open[i]!
  })
  const total = weights.reduce((a, b) => a + b, 0)
  return { first, shares: weights.map((w) => w / total), open }
}

/** Visit starts to generate over day `d`'s whole curve for `visits` in the range (see `dayWeights`). */
export const dayStarts = (visits: number, w: ReturnType<typeof dayWeights>, d: number) =>
  w.open[d]! > 0 ? Math.round((visits * w.shares[d]!) / w.open[d]!) : 0

/**
 * Generates realistic traffic for a site, one SDK batch per page view: a weekly rhythm and daily curve,
 * skewed pages and sources, real user agents, several countries, and every event kind. Requests come
 * in time order; the last day ends at `end` (default now).
 */
export function* demoTraffic(o: DemoOptions): Generator<DemoRequest> {
  const rnd = generator(o.seed ?? 1)
  const end = o.end ?? Date.now()
  const weights = dayWeights(o.days, end)
  const { first } = weights
  // Events per visit on average, from the probabilities below.
  const perVisit = DEMO_EVENTS_PER_VISIT
  const visits = Math.max(1, Math.round(o.events / perVisit))
  let sent = 0
  const cap = o.events * 1.05
  for (let d = 0; d < o.days && sent < cap; d++) {
    const dayStart = (first + d) * 86_400_000
    // The visits of a day, in time order; none starts in the last hour before `end`.
    const starts = Array.from({ length: dayStarts(visits, weights, d) }, () => dayStart + HOUR(rnd()) * 3_600_000 + Math.floor(rnd() * 3_600_000))
      .filter((t) => t < end - 3_600_000)
      .sort((a, b) => a - b)
    // A pool of people per day: some come back for a second visit the same day.
    const people = Math.max(1, Math.floor(starts.length * 0.8))
    for (const start of starts) {
      if (sent >= cap) break
      const person = Math.floor(rnd() * people)
      const place = PLACES(((person * 7919) % 1000) / 1000)
      const agent = AGENTS(((person * 104729) % 997) / 997)
      const tz = place.tzs[localeIndex(personTzDraw(person), place.tzs.length, DEMO_MAIN_TZ)]!
      const lang = place.langs[localeIndex(personLangDraw(person), place.langs.length, DEMO_MAIN_LANG)]!
      const ip = `${place.prefix}${(person % 250) + 1}`
      const source = SOURCES(rnd())
      let pageviews = 1
      while (pageviews < 12 && rnd() < source.stay) pageviews++
      let t = start
      let path = PAGE(rnd())
      for (let p = 0; p < pageviews; p++) {
        const url = `https://${o.site}${path}${p === 0 ? source.query : ''}`
        const events: Record<string, unknown>[] = [{ type: 'pageview', url, ts: t, referrer: p === 0 ? source.referrer : `https://${o.site}/` }]
        for (const [metric, median, spread] of DEMO_TIMINGS) {
          if (rnd() < 0.6) events.push({ type: 'timing', url, ts: t + 800, metric, value: Math.max(0, Math.round((median + (rnd() + rnd() + rnd() - 1.5) * spread * 1.4) * 1000) / 1000) })
        }
        const clicks = Math.floor(rnd() * rnd() * 4)
        for (let k = 0; k < clicks; k++) {
          events.push({ type: 'click', url, ts: t + 3000 + k * 2000, el: DEMO_ELEMENTS[Math.floor(rnd() * rnd() * DEMO_ELEMENTS.length)], cx: clickColumn(rnd(), rnd()), cy: Math.floor(rnd() * rnd() * 10) })
        }
        if (rnd() < 0.04) {
          const [kind, file] = DEMO_FAILURES[rnd() < 0.5 ? 0 : 1]
          events.push({ type: 'error', url, ts: t + 900, kind, resource: `https://${o.site}/${file}` })
        }
        if (rnd() < 0.05) events.push({ type: 'download', url, ts: t + 5000, resource: `https://${o.site}/files/${rnd() < 0.7 ? 'whitepaper.pdf' : 'tellen-1.0.tar.gz'}` })
        if (rnd() < 0.015) events.push({ type: 'call', url, ts: t + 6000, number: rnd() < 0.7 ? '+31 20 123 4567' : '+1 415 555 0100' })
        if (rnd() < 0.06) events.push({ type: 'custom', url, ts: t + 7000, name: rnd() < 0.6 ? 'signup' : 'trial', props: { plan: rnd() < 0.7 ? 'free' : 'pro', from: path } })
        const dwell = 8000 + Math.floor(rnd() * rnd() * 240_000 * source.dwell)
        const last = p === pageviews - 1
        const next = last ? '' : PAGE(rnd())
        const exit = last ? EXITS(rnd()) : 'internal'
        const target = exit === 'internal' ? `https://${o.site}${next}` : exit === 'outbound' ? DEMO_OUTBOUND[Math.floor(rnd() * DEMO_OUTBOUND.length)] : undefined
        const grid = Array.from({ length: 100 }, (_, i) => moveCount(rnd(), i % 10, Math.floor(i / 10)))
        events.push({ type: 'leave', url, ts: t + dwell, exit, ...(target ? { target } : {}), engaged: Math.floor(dwell * 0.7), scroll: scrollDepth(rnd(), rnd(), rnd(), rnd()), grid })
        sent += events.length
        yield {
          body: { v: 1, site: o.site, sw: agent.width, tz, lang, events },
          ip,
          userAgent: agent.ua,
          now: t + dwell + 1000,
        }
        // A few crawlers fetch the same page, and now and then a foreign page sends with a copied script.
        if (rnd() < BOT_SHARE) {
          yield { body: { v: 1, site: o.site, sw: 1920, tz: 'UTC', lang: 'en-US', events: [{ type: 'pageview', url, ts: t }] }, ip: `66.249.66.${(person % 200) + 1}`, userAgent: DEMO_BOTS[person % DEMO_BOTS.length]!, now: t + 500 }
        }
        if (rnd() < FOREIGN_SHARE) {
          yield { body: { v: 1, site: o.site, sw: 1920, tz, lang, events: [{ type: 'pageview', url, ts: t }] }, ip: '185.220.101.7', userAgent: agent.ua, now: t + 500, origin: 'https://copycat.example' }
        }
        t += dwell + 1000
        path = next
      }
    }
  }
  // A handful of visitors on the site right now, for the realtime count.
  for (let k = 0; k < REALTIME_VISITORS; k++) {
    const agent = AGENTS(rnd())
    const place = PLACES(rnd())
    const ts = end - REALTIME_WINDOW_MS + Math.floor(((k + rnd()) * REALTIME_WINDOW_MS) / (REALTIME_VISITORS + 1))
    const url = `https://${o.site}${PAGE(rnd())}`
    yield { body: { v: 1, site: o.site, sw: agent.width, tz: place.tzs[0], lang: place.langs[0], events: [{ type: 'pageview', url, ts }] }, ip: `${place.prefix}${251 + k}`, userAgent: agent.ua, now: ts + 1000 }
  }
}
