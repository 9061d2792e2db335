import { randomUUID } from 'node:crypto'
import { openDb, type Db } from '../../collector/src/db/client.ts'
import { migrate } from '../../collector/src/db/migrate.ts'
import { parseIp } from '../../collector/src/ingest/ip.ts'
import { processBatch } from '../../collector/src/ingest/pipeline.ts'
import { insertLines } from '../../collector/src/ingest/writer.ts'
import type { StatsQuery } from '../../collector/src/stats/range.ts'
import { runVisitsJob } from '../../collector/src/visits/sessionize.ts'
import { UA } from './collector.ts'
import { migratedDataDir } from './migrated-data-dir.ts'
import { TEST_ENGINE_SETTINGS } from './programs.ts'

export const SITE = 'example.com'
const SALT = Buffer.alloc(32, 7)

/** What the pipeline derives from each kind of client, known by construction. */
export const CLIENTS = [
  { ua: UA.chromeMac, browser: 'Chrome', os: 'Mac OS', device: 'desktop', sw: 1600, screen: 'desktop' },
  { ua: UA.safariIphone, browser: 'Mobile Safari', os: 'iOS', device: 'mobile', sw: 390, screen: 'phone' },
  { ua: UA.firefoxWindows, browser: 'Firefox', os: 'Windows', device: 'desktop', sw: 1280, screen: 'laptop' },
  { ua: UA.chromeAndroidTablet, browser: 'Chrome', os: 'Android', device: 'tablet', sw: 800, screen: 'tablet' },
] as const
/** The fixture's visitors: the first three kinds of client. */
const PEOPLE = CLIENTS.slice(0, 3)
/** Addresses (a /24 to append to) whose country the geo database names, with a time zone and language there. */
export const PLACES = [
  { ip: '145.14.1.', country: 'NL', tz: 'Europe/Amsterdam', lang: 'nl-NL' },
  { ip: '8.8.8.', country: 'US', tz: 'America/New_York', lang: 'en-US' },
  { ip: '5.39.0.', country: 'FR', tz: 'Europe/Paris', lang: 'fr-FR' },
] as const
const PAGES = ['/', '/pricing', '/blog/post-1', '/docs', '/about'] as const
const REFERRERS = [
  { url: '', source: 'Direct', host: '' },
  { url: 'https://www.google.com/search?q=tellen', source: 'Google', host: 'google.com' },
  { url: 'https://news.ycombinator.com/item?id=1', source: 'Hacker News', host: 'news.ycombinator.com' },
] as const
const METRICS = [['lcp', 1800], ['lcp', 3200], ['lcp', 5200], ['inp', 120], ['cls', 0.3], ['ttfb', 400]] as const

/** One sent event as the fixture knows it: wire fields plus what the collector derives. */
export interface SentEvent {
  /** Events of one page view are sent together, as the SDK does. */
  batch: number
  visitor: number
  visit: number
  type: string
  ts: number
  path: string
  country: string
  browser: string
  os: string
  device: string
  screen: string
  timezone: string
  language: string
  source: string
  referrer: string
  utm_source: string
  wire: Record<string, unknown>
}

/** A small deterministic pseudo-random generator (mulberry32). */
export function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Start of yesterday, UTC: fixture visits fall between 08:00 and 16:00 of that day. */
export const fixtureDay = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)

/**
 * Builds the fixture: `visitors` visitors, each with one to three visits (more than 30 minutes apart)
 * of pageviews and the events around them, all of it on yesterday (UTC). Deterministic for a seed.
 */
export function buildFixture(visitors = 24, seed = 42): SentEvent[] {
  const rnd = random(seed)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!
  const skewed = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * rnd() * xs.length)]!
  const day0 = Date.parse(`${fixtureDay()}T08:00:00Z`)
  const out: SentEvent[] = []
  let batch = 0
  for (let v = 0; v < visitors; v++) {
    const person = PEOPLE[v % PEOPLE.length]!
    const place = PLACES[Math.floor(v / PEOPLE.length) % PLACES.length]!
    let t = day0 + Math.floor(rnd() * 4 * 3_600_000)
    const visits = 1 + Math.floor(rnd() * 3)
    for (let visit = 0; visit < visits; visit++) {
      const ref = pick(REFERRERS)
      const utm = rnd() < 0.2 ? 'newsletter' : ''
      const pageviews = rnd() < 0.35 ? 1 : 2 + Math.floor(rnd() * 3)
      const base = {
        visitor: v, visit, country: place.country, browser: person.browser, os: person.os, device: person.device,
        screen: person.screen, timezone: place.tz, language: place.lang, source: utm || ref.source, referrer: ref.host, utm_source: utm,
      }
      for (let p = 0; p < pageviews; p++) {
        batch++
        const path = p === 0 ? skewed(PAGES) : pick(PAGES)
        const url = `https://${SITE}${path}${p === 0 && utm ? '?utm_source=newsletter&utm_medium=email' : ''}`
        const push = (type: string, ts: number, wire: Record<string, unknown>) =>
          out.push({ ...base, batch, type, ts, path, wire: { type, url, ts, ...wire } })
        push('pageview', t, { referrer: p === 0 ? ref.url : `https://${SITE}/` })
        const [metric, value] = pick(METRICS)
        push('timing', t + 500, { metric, value })
        if (rnd() < 0.5) push('click', t + 2000, { el: pick(['button#buy', 'a#nav-docs', 'div.hero']), cx: Math.floor(rnd() * 10), cy: Math.floor(rnd() * 10) })
        if (rnd() < 0.15) push('error', t + 700, { kind: pick(['img', 'script']), resource: `https://${SITE}/static/${pick(['a.png', 'b.js'])}` })
        if (rnd() < 0.1) push('download', t + 3000, { resource: `https://${SITE}/files/report.pdf` })
        if (rnd() < 0.1) push('call', t + 3500, { number: '+31 20 123 4567' })
        if (rnd() < 0.2) push('custom', t + 4000, { name: pick(['signup', 'trial']), props: { plan: pick(['free', 'pro']) } })
        const last = p === pageviews - 1
        const grid = Array.from({ length: 100 }, (_, i) => (i % 7 === v % 7 ? 1 + (v % 3) : 0))
        const exit = last ? pick(['outbound', 'hidden', 'tel'] as const) : 'internal'
        const target = exit === 'outbound' ? 'https://github.com/tellen' : exit === 'internal' ? `https://${SITE}/docs` : undefined
        t += 30_000 + Math.floor(rnd() * 240_000)
        push('leave', t - 1000, { exit, ...(target ? { target } : {}), engaged: 20_000, scroll: Math.floor(rnd() * 101), grid })
      }
      t += 45 * 60_000 + Math.floor(rnd() * 30 * 60_000)
    }
  }
  return out
}

export interface StatsDb {
  db: Db
  /** Sends events through the pipeline and the writer, one batch per visitor and page, then runs the visits job. */
  ingest(events: readonly SentEvent[], site?: string): Promise<void>
  close(): Promise<void>
}

/** The address of a fixture visitor (its place and number). */
export const visitorIp = (e: SentEvent) => `${PLACES.find((p) => p.country === e.country)!.ip}${10 + e.visitor}`

/** Sends events through the pipeline and the writer into `db`, one batch per visitor and page, then runs the visits job. */
export async function ingestFixture(db: Db, events: readonly SentEvent[], site = SITE): Promise<void> {
  const lines = fixtureRows(events, site)
  for (let i = 0; i < lines.length; i += 500) await insertLines(db, 'tellen.events_in', lines.slice(i, i + 500), randomUUID())
  await runVisitsJob(db)
}

/** The rows of `tellen.events_in` that the pipeline makes of events, one batch per visitor and page. */
export function fixtureRows(events: readonly SentEvent[], site = SITE): string[] {
  const groups = new Map<number, SentEvent[]>()
  for (const e of events) {
    const group = groups.get(e.batch)
    if (group) group.push(e)
    else groups.set(e.batch, [e])
  }
  const lines: string[] = []
  for (const batch of groups.values()) {
    const first = batch[0]!
    const person = PEOPLE.find((p) => p.browser === first.browser)!
    const now = Math.max(...batch.map((e) => e.ts)) + 1000
    const result = processBatch(
      { v: 1, site, sw: person.sw, tz: first.timezone, lang: first.language, events: batch.map((e) => e.wire) },
      { ip: parseIp(visitorIp(first)), userAgent: person.ua, origin: undefined, now },
      { site: (d) => (d === site ? { domain: site, timezone: 'UTC', queryAllowlist: new Set() } : undefined), saltFor: () => SALT, ipv4Prefix: 24, ipv6Prefix: 48 },
    )
    if (!result.ok || result.errors.length) throw new Error(`fixture batch refused: ${JSON.stringify(result)}`)
    lines.push(...result.rows)
  }
  return lines
}

/** Opens a fresh embedded engine in a temporary DATA_DIR with every migration applied (`migratedDataDir`). */
export async function openStatsDb(): Promise<StatsDb> {
  const db = openDb({ dataDir: migratedDataDir('tellen-stats-'), settings: TEST_ENGINE_SETTINGS })
  await migrate(db)
  return {
    db,
    ingest: (events, site = SITE) => ingestFixture(db, events, site),
    close: () => db.close(),
  }
}

/** A question about the fixture's site, for the fixture's day. */
export const fixtureQuery = (over: Partial<StatsQuery> = {}): StatsQuery => ({
  site: SITE, tz: 'UTC', from: fixtureDay(), to: fixtureDay(), filters: {}, ...over,
})

/** Visits of the fixture as the test computes them: pageviews, custom events, first and last event. */
export function fixtureVisits(events: readonly SentEvent[]) {
  const visits = new Map<string, { visitor: number; pageviews: number; customs: number; start: number; end: number; entry: string; exit: string; first: SentEvent; pages: Set<string> }>()
  const counted = new Set(['pageview', 'custom', 'leave', 'click', 'download', 'call'])
  for (const e of [...events].sort((a, b) => a.ts - b.ts)) {
    if (!counted.has(e.type)) continue
    const key = `${e.visitor}:${e.visit}`
    let v = visits.get(key)
    if (!v) visits.set(key, (v = { visitor: e.visitor, pageviews: 0, customs: 0, start: e.ts, end: e.ts, entry: '', exit: '', first: e, pages: new Set() }))
    v.end = Math.max(v.end, e.ts)
    if (e.type === 'custom') v.customs++
    if (e.type === 'pageview') {
      if (!v.pageviews) v.entry = e.path
      v.pageviews++
      v.exit = e.path
      v.pages.add(e.path)
    }
  }
  return [...visits.values()]
}
