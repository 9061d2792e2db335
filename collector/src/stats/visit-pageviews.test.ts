import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rows, UA } from '../../../test/helpers/collector.ts'
import { openStatsDb, type StatsDb } from '../../../test/helpers/stats-fixture.ts'
import { parseIp } from '../ingest/ip.ts'
import { processBatch } from '../ingest/pipeline.ts'
import { insertLines } from '../ingest/writer.ts'
import { forgetSite } from '../privacy/forget.ts'
import { runVisitsJob } from '../visits/sessionize.ts'
import type { Filters } from './dimensions.ts'
import { breakdown } from './queries/breakdown.ts'
import { overview } from './queries/overview.ts'
import { timeseries } from './queries/timeseries.ts'
import { addDays, type StatsQuery } from './range.ts'

const TZ = 'Asia/Tokyo'
/** Every visit of the test; the other sites get only the events of the visits a filter keeps. */
const ALL = 'all.visit-pageviews.test'
const DAY_MS = 86_400_000
/** A day two days ago; in Tokyo it starts at 15:00 UTC the day before, the time the visits go around. */
const day = new Date(Date.now() - 2 * DAY_MS).toISOString().slice(0, 10)
const before = addDays(day, -1)
const localMidnight = Date.parse(`${day}T00:00:00+09:00`)
const GOOGLE = 'https://www.google.com/search?q=tellen'

interface Pageview {
  visitor: number
  /** Minutes after the local midnight of `day`. */
  minute: number
  path: string
  referrer?: string
}

/**
 * Visits around Tokyo's midnight (15:00 UTC): each is one visitor's pageviews less than 30 minutes
 * apart, and every one but D's single pageview spans an hour boundary.
 */
const VISITS = {
  // From Google, entering at /docs: 23:40 to 00:35 local, across the local midnight and the hour.
  a: [{ visitor: 1, minute: -20, path: '/docs', referrer: GOOGLE }, { visitor: 1, minute: -5, path: '/pricing' }, { visitor: 1, minute: 10, path: '/pricing' }, { visitor: 1, minute: 35, path: '/about' }],
  // From Google, entering at /: 01:10 to 02:05 local, across two hour boundaries.
  b: [{ visitor: 2, minute: 70, path: '/', referrer: GOOGLE }, { visitor: 2, minute: 95, path: '/docs' }, { visitor: 2, minute: 125, path: '/pricing' }],
  // Direct, entering at /docs: 23:30 to 00:15 local.
  c: [{ visitor: 3, minute: -30, path: '/docs' }, { visitor: 3, minute: -10, path: '/docs' }, { visitor: 3, minute: 15, path: '/' }],
  // From Google, entering at /docs: one pageview at 00:20 local.
  d: [{ visitor: 4, minute: 20, path: '/docs', referrer: GOOGLE }],
} satisfies Record<string, Pageview[]>

/** Sites holding only some visits' events: their unfiltered answers are what a filter on ALL must give. */
const ONLY: { site: string; filters: Filters; visits: (keyof typeof VISITS)[] }[] = [
  { site: 'google.visit-pageviews.test', filters: { source: 'Google' }, visits: ['a', 'b', 'd'] },
  { site: 'docs.visit-pageviews.test', filters: { entry_page: '/docs' }, visits: ['a', 'c', 'd'] },
]

const lineOf = (site: string, p: Pageview) => {
  const ts = localMidnight + p.minute * 60_000
  const r = processBatch(
    { v: 1, site, events: [{ type: 'pageview', url: `https://${site}${p.path}`, ts, referrer: p.referrer ?? `https://${site}/` }] },
    { ip: parseIp(`203.0.113.${p.visitor}`), userAgent: p.visitor % 2 ? UA.firefoxWindows : UA.chromeMac, origin: undefined, now: ts + 1000 },
    { site: (d) => (d === site ? { domain: site, timezone: TZ, queryAllowlist: new Set() } : undefined), saltFor: () => Buffer.alloc(32, 9), ipv4Prefix: 24, ipv6Prefix: 48 },
  )
  if (!r.ok || r.rows.length !== 1) throw new Error(JSON.stringify(r))
  return r.rows[0]!
}

async function send(pageviews: readonly Pageview[], sites: readonly string[]): Promise<void> {
  await insertLines(s.db, 'tellen.events_in', sites.flatMap((site) => pageviews.map((p) => lineOf(site, p))), randomUUID())
}

/** The sites that hold a visit's events: every site whose filter keeps it. */
const sitesOf = (visit: keyof typeof VISITS) => [ALL, ...ONLY.filter((o) => o.visits.includes(visit)).map((o) => o.site)]

let s: StatsDb
beforeAll(async () => {
  s = await openStatsDb()
  for (const [visit, pageviews] of Object.entries(VISITS)) await send(pageviews, sitesOf(visit as keyof typeof VISITS))
  await runVisitsJob(s.db)
})
afterAll(() => s?.close())

const q = (site: string, filters: Filters = {}): StatsQuery => ({ site, tz: TZ, from: before, to: day, filters })
const series = async (query: StatsQuery, metric: 'pageviews' | 'visitors', interval: 'hour' | 'day') =>
  (await timeseries(s.db, query, metric, interval)).points

/** Every answer about pageviews and visitors under the filter on ALL equals the unfiltered one on the site of only those visits. */
async function expectSameAsUnfiltered(only: (typeof ONLY)[number]): Promise<void> {
  const filtered = q(ALL, only.filters)
  const plain = q(only.site)
  for (const metric of ['pageviews', 'visitors'] as const) {
    for (const interval of ['hour', 'day'] as const) {
      const r = await timeseries(s.db, filtered, metric, interval)
      expect(r.source).toBe('rollup')
      expect(r.points, `${metric} per ${interval}`).toEqual(await series(plain, metric, interval))
    }
  }
  for (const range of [{ from: before, to: before }, { from: day, to: day }, { from: before, to: day }]) {
    const got = await overview(s.db, { ...filtered, ...range })
    const want = await overview(s.db, { ...plain, ...range })
    expect(got.source).toBe('rollup')
    expect([got.current.pageviews, got.current.visitors], `${range.from}..${range.to}`).toEqual([want.current.pageviews, want.current.visitors])
    const browsers = await breakdown(s.db, { ...filtered, ...range }, 'browser', { limit: 10, offset: 0 })
    expect(browsers.source).toBe('rollup')
    expect(browsers.rows).toEqual((await breakdown(s.db, { ...plain, ...range }, 'browser', { limit: 10, offset: 0 })).rows)
  }
}

describe('pageviews and visitors filtered by a dimension of their visit', () => {
  it('count each pageview in its own hour and local day, as the same events unfiltered', async () => {
    for (const only of ONLY) await expectSameAsUnfiltered(only)
  })

  it('split a visit across the local midnight between the two days', async () => {
    // Visit a has two pageviews before Tokyo's midnight and two after; b and d are after it.
    expect(await series(q(ALL, { source: 'Google' }), 'pageviews', 'day')).toEqual([{ bucket: before, value: 2 }, { bucket: day, value: 6 }])
    expect(await series(q(ALL, { source: 'Google' }), 'visitors', 'day')).toEqual([{ bucket: before, value: 1 }, { bucket: day, value: 3 }])
    const hours = (await series(q(ALL, { entry_page: '/docs' }), 'pageviews', 'hour')).filter((p) => p.value > 0)
    expect(hours).toEqual([{ bucket: `${before} 23:00`, value: 4 }, { bucket: `${day} 00:00`, value: 4 }])
  })

  it('follow a visit that goes on into another hour, or starts earlier, when the job recomputes its day', async () => {
    const since = Math.floor(Date.now() / 1000) - 5
    // Visit b goes on to 02:30; d gets a pageview at 00:05 that comes in late and moves its start.
    await send([{ visitor: 2, minute: 150, path: '/' }], sitesOf('b'))
    await send([{ visitor: 4, minute: 5, path: '/', referrer: GOOGLE }], sitesOf('d'))
    await runVisitsJob(s.db, since)
    await runVisitsJob(s.db, since)
    const [google] = ONLY
    await expectSameAsUnfiltered(google!)
    expect(await series(q(ALL, { source: 'Google' }), 'pageviews', 'day')).toEqual([{ bucket: before, value: 2 }, { bucket: day, value: 8 }])
    // d now enters at /: it has left the /docs entry page, and its old row counts nothing.
    const [docs] = await rows<{ n: number }>(
      s.db,
      `SELECT toUInt32(sum(pageviews)) AS n FROM tellen.rollup_visit_pageviews FINAL WHERE site = {site:String} AND entry_page = '/docs'`,
      { site: ALL },
    )
    expect(docs!.n).toBe(7)
  })

  it('are erased with the rest of a site', async () => {
    const r = await forgetSite(s.db, { site: ALL })
    expect(r.tables.find((t) => t.table === 'rollup_visit_pageviews')?.rows).toBeGreaterThan(0)
    expect((await overview(s.db, q(ALL, { source: 'Google' }))).current.pageviews).toBe(0)
  })
})
