import { USER_AGENTS } from './user-agents.ts'

/** One request as the SDK would send it: the batch body, the client, and when it arrives. */
export interface DemoRequest {
  body: { v: 1; site: string; sw: number; tz: string; lang: string; events: Record<string, unknown>[] }
  ip: string
  userAgent: string
  /** Time of receipt, just after the batch's last event. */
  now: number
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

/** Places: a public address prefix the country database knows, with the browsers' time zone and language. */
export const DEMO_PLACES = [
  [{ prefix: '145.14.1.', tz: 'Europe/Amsterdam', lang: 'nl-NL' }, 24],
  [{ prefix: '8.8.8.', tz: 'America/New_York', lang: 'en-US' }, 22],
  [{ prefix: '151.101.1.', tz: 'America/Los_Angeles', lang: 'en-US' }, 8],
  [{ prefix: '46.4.0.', tz: 'Europe/Berlin', lang: 'de-DE' }, 12],
  [{ prefix: '62.210.16.', tz: 'Europe/Paris', lang: 'fr-FR' }, 7],
  [{ prefix: '81.2.69.', tz: 'Europe/London', lang: 'en-GB' }, 9],
  [{ prefix: '24.48.0.', tz: 'America/Toronto', lang: 'en-CA' }, 4],
  [{ prefix: '49.44.0.', tz: 'Asia/Kolkata', lang: 'en-IN' }, 5],
  [{ prefix: '177.0.0.', tz: 'America/Sao_Paulo', lang: 'pt-BR' }, 3],
  [{ prefix: '133.242.0.', tz: 'Asia/Tokyo', lang: 'ja-JP' }, 3],
  [{ prefix: '1.1.1.', tz: 'Australia/Sydney', lang: 'en-AU' }, 3],
] as const
const PLACES = weighted<(typeof DEMO_PLACES)[number][0]>(DEMO_PLACES)

const AGENTS = weighted(USER_AGENTS.map((a) => [a, a.weight] as const))

/** Where visits come from: referrer and campaign tags. */
export const DEMO_SOURCES = [
  [{ referrer: '', query: '' }, 35],
  [{ referrer: 'https://www.google.com/', query: '' }, 28],
  [{ referrer: 'https://news.ycombinator.com/item?id=40000000', query: '' }, 7],
  [{ referrer: 'https://www.reddit.com/r/selfhosted/', query: '' }, 5],
  [{ referrer: 'https://t.co/abc', query: '' }, 4],
  [{ referrer: 'https://duckduckgo.com/', query: '' }, 4],
  [{ referrer: 'https://www.bing.com/', query: '' }, 3],
  [{ referrer: 'https://github.com/tellen/tellen', query: '' }, 3],
  [{ referrer: 'https://www.linkedin.com/', query: '' }, 3],
  [{ referrer: '', query: '?utm_source=newsletter&utm_medium=email&utm_campaign=spring' }, 5],
  [{ referrer: 'https://www.facebook.com/', query: '?utm_source=facebook&utm_medium=social&utm_campaign=launch' }, 3],
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
      if (sent >= cap) return
      const person = Math.floor(rnd() * people)
      const place = PLACES(((person * 7919) % 1000) / 1000)
      const agent = AGENTS(((person * 104729) % 997) / 997)
      const ip = `${place.prefix}${(person % 250) + 1}`
      const source = SOURCES(rnd())
      let pageviews = 1
      while (pageviews < 12 && rnd() < 0.55) pageviews++
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
          events.push({ type: 'click', url, ts: t + 3000 + k * 2000, el: DEMO_ELEMENTS[Math.floor(rnd() * rnd() * DEMO_ELEMENTS.length)], cx: Math.min(9, Math.floor(rnd() * rnd() * 10 + 2)), cy: Math.floor(rnd() * rnd() * 10) })
        }
        if (rnd() < 0.04) events.push({ type: 'error', url, ts: t + 900, kind: rnd() < 0.6 ? 'img' : 'script', resource: `https://${o.site}/static/${rnd() < 0.5 ? 'hero.webp' : 'chart.js'}` })
        if (rnd() < 0.05) events.push({ type: 'download', url, ts: t + 5000, resource: `https://${o.site}/files/${rnd() < 0.7 ? 'whitepaper.pdf' : 'tellen-1.0.tar.gz'}` })
        if (rnd() < 0.015) events.push({ type: 'call', url, ts: t + 6000, number: rnd() < 0.7 ? '+31 20 123 4567' : '+1 415 555 0100' })
        if (rnd() < 0.06) events.push({ type: 'custom', url, ts: t + 7000, name: rnd() < 0.6 ? 'signup' : 'trial', props: { plan: rnd() < 0.7 ? 'free' : 'pro', from: path } })
        const dwell = 8000 + Math.floor(rnd() * rnd() * 240_000)
        const last = p === pageviews - 1
        const next = last ? '' : PAGE(rnd())
        const exit = last ? EXITS(rnd()) : 'internal'
        const target = exit === 'internal' ? `https://${o.site}${next}` : exit === 'outbound' ? DEMO_OUTBOUND[Math.floor(rnd() * DEMO_OUTBOUND.length)] : undefined
        const grid = Array.from({ length: 100 }, (_, i) => (Math.abs((i % 10) - 4.5) < 3 && Math.floor(i / 10) < 6 ? Math.floor(rnd() * 6) : 0))
        events.push({ type: 'leave', url, ts: t + dwell, exit, ...(target ? { target } : {}), engaged: Math.floor(dwell * 0.7), scroll: Math.min(100, Math.floor(rnd() * 110)), grid })
        sent += events.length
        yield {
          body: { v: 1, site: o.site, sw: agent.width, tz: place.tz, lang: place.lang, events },
          ip,
          userAgent: agent.ua,
          now: t + dwell + 1000,
        }
        t += dwell + 1000
        path = next
      }
    }
  }
}
