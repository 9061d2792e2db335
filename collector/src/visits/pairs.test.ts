import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, fixtureDay, fixtureQuery, openStatsDb, type StatsDb } from '../../../test/helpers/stats-fixture.ts'
import { migrate } from '../db/migrate.ts'
import type { Filters } from '../stats/dimensions.ts'
import { breakdown } from '../stats/queries/breakdown.ts'
import { overview } from '../stats/queries/overview.ts'
import { timeseries } from '../stats/queries/timeseries.ts'
import { addDays, type StatsQuery } from '../stats/range.ts'
import { rows } from '../../../test/helpers/collector.ts'
import { pairKey, refreshVisitPairs } from './pairs.ts'
import { sessionizeDays } from './sessionize.ts'

/** Filters of one and two visit dimensions, pages and custom events among them. */
const FILTERS: Filters[] = [
  {}, { source: 'Google' }, { country: 'NL' }, { page: '/pricing' }, { event: 'signup' }, { source: 'Google', country: 'US' },
  { page: '/docs', browser: 'Firefox' }, { entry_page: '/', device: 'mobile' }, { exit_page: '/about', event: 'trial' }, { utm_source: 'newsletter', page: '/' },
]
const BREAKDOWNS = ['source', 'country', 'page', 'entry_page', 'browser'] as const

/** The same question as if the visits of the fixture's day were past the event retention. */
const past = (q: StatsQuery): StatsQuery => ({ ...q, visitsKeptFrom: addDays(fixtureDay(), 1) })

/** Every answer the pair totals give, next to the same answer from the visits one by one. */
async function answers(s: StatsDb) {
  const out: { question: string; kept: unknown; past: unknown }[] = []
  for (const filters of FILTERS) {
    const q = fixtureQuery({ filters })
    out.push({ question: JSON.stringify({ overview: filters }), kept: (await overview(s.db, q)).current, past: (await overview(s.db, past(q))).current })
    for (const metric of ['visitors', 'pageviews', 'visits', 'bounce_rate', 'visit_duration'] as const) {
      const series = async (x: StatsQuery) => (await timeseries(s.db, x, metric, 'day')).points
      out.push({ question: JSON.stringify({ series: metric, filters }), kept: await series(q), past: await series(past(q)) })
    }
    if (Object.keys(filters).length > 1) continue
    for (const dimension of BREAKDOWNS) {
      const rows = async (x: StatsQuery) => (await breakdown(s.db, x, dimension, { limit: 100, offset: 0 })).rows
      out.push({ question: JSON.stringify({ breakdown: dimension, filters }), kept: await rows(q), past: await rows(past(q)) })
    }
  }
  return out
}

describe('visit totals by pair of visit dimensions (sql/120)', () => {
  let s: StatsDb
  beforeAll(async () => {
    s = await openStatsDb()
    await s.ingest(buildFixture(18, 5))
  })
  afterAll(() => s?.close())

  it('keys a pair in name order, one dimension as the second, and refuses three', () => {
    expect(pairKey(['source', 'country'])).toEqual({ a: 'country', b: 'source' })
    expect(pairKey(['source', 'source'])).toEqual({ a: '', b: 'source' })
    expect(pairKey([])).toEqual({ a: '', b: '' })
    expect(pairKey(['source', 'country', 'page'])).toBeUndefined()
  })

  it('answers visits, bounces, duration, pageviews and visitors under one or two visit dimensions as the visits do', async () => {
    const got = await answers(s)
    expect(got.filter((a) => JSON.stringify(a.kept) !== JSON.stringify(a.past))).toEqual([])
    expect(got.length).toBeGreaterThan(80)
    const google = (await overview(s.db, past(fixtureQuery({ filters: { source: 'Google', country: 'US' } })))).current
    expect(google.visits).toBeGreaterThan(0)
  })

  it('says an answer past the retention covers only the visits kept when three dimensions meet or two by the hour', async () => {
    const q = past(fixtureQuery({ filters: { source: 'Google', country: 'US' } }))
    expect((await breakdown(s.db, q, 'browser', { limit: 10, offset: 0 })).source).toBe('events')
    expect((await overview(s.db, q)).source).toBe('rollup')
    expect((await timeseries(s.db, q, 'visits', 'hour')).source).toBe('events')
    const google = fixtureQuery({ filters: { source: 'Google' } })
    const hourly = await timeseries(s.db, past(google), 'visits', 'hour')
    expect(hourly.source).toBe('rollup')
    expect(hourly.points).toEqual((await timeseries(s.db, google, 'visits', 'hour')).points)
    expect((await breakdown(s.db, fixtureQuery({ filters: { source: 'Google', country: 'US' } }), 'browser', { limit: 10, offset: 0 })).source).toBe('rollup')
  })

  it('rewrites the pairs of a day the job changed at once, and those of today once they are old enough', async () => {
    const day = fixtureDay()
    const TEN_MINUTES = 600_000
    expect(await refreshVisitPairs(s.db, TEN_MINUTES)).toEqual([])
    await sessionizeDays(s.db, [day])
    // Seen from the end of that day, its pairs were written a moment ago: they wait.
    const costs: number[] = []
    expect(await refreshVisitPairs(s.db, TEN_MINUTES, Date.parse(`${day}T23:59:00Z`), (ms) => costs.push(ms))).toEqual([])
    expect(await refreshVisitPairs(s.db, TEN_MINUTES, Date.now(), (ms) => costs.push(ms))).toEqual([day])
    expect(await refreshVisitPairs(s.db, TEN_MINUTES)).toEqual([])
    // A day before today is not today: no cost of today's pairs was told.
    expect(costs).toEqual([])
  })

  it('fills the pair totals from the visits there are when a database is upgraded', async () => {
    const before = await answers(s)
    // The database as it was before 120 and 121, with the day's visit events gone after their two days.
    await s.db.command({ query: 'DROP TABLE tellen.rollup_visit_pairs_daily' })
    await s.db.command({ query: 'TRUNCATE TABLE tellen.visit_events' })
    await s.db.command({ query: `ALTER TABLE tellen.migrations DELETE WHERE name IN ('120_visit_pairs', '121_visits_kept_as_events')`, clickhouse_settings: { mutations_sync: '2' } })
    expect(await migrate(s.db)).toEqual(['120_visit_pairs', '121_visits_kept_as_events'])
    expect(await answers(s)).toEqual(before)
    // Past the event retention the visits, their pageviews and the events are gone: the same answers stay.
    for (const table of ['rollup_visits', 'rollup_visit_pageviews', 'events']) await s.db.command({ query: `TRUNCATE TABLE tellen.${table}` })
    const pastOnly = (xs: Awaited<ReturnType<typeof answers>>) => xs.map(({ question, past }) => ({ question, past }))
    expect(pastOnly(await answers(s))).toEqual(pastOnly(before))
  })
})

describe('how approximate visitors from pair totals are', () => {
  let s: StatsDb
  beforeAll(async () => {
    s = await openStatsDb()
  })
  afterAll(() => s?.close())

  /** Visitor counts of `n` random visitor codes under 20 seeds, merged from states per day and key as the pair totals are. */
  const counts = (n: number) =>
    rows<{ merged: string; direct: string }>(s.db, `
      SELECT seed, uniqCombinedMerge(12)(state) AS merged, any(direct) AS direct
      FROM (SELECT seed, number % 30 AS day, number % 7 AS key, uniqCombinedState(12)(cityHash64(number, seed)) AS state
            FROM numbers({n:UInt32}) ARRAY JOIN range(20) AS seed GROUP BY seed, day, key) AS states
      JOIN (SELECT seed, uniqCombined(12)(cityHash64(number, seed)) AS direct FROM numbers({n:UInt32}) ARRAY JOIN range(20) AS seed GROUP BY seed) AS rows USING seed
      GROUP BY seed`, { n })

  it('counts the same visitors as the visits one by one did, exactly up to 256 and within 5 % up to a million', async () => {
    for (const [n, worst] of [[256, 0], [1000, 0.05], [100_000, 0.05], [1_000_000, 0.05]] as const) {
      const got = await counts(n)
      expect(got.map((r) => r.merged)).toEqual(got.map((r) => r.direct))
      expect(Math.max(...got.map((r) => Math.abs(Number(r.merged) - n) / n)), String(n)).toBeLessThanOrEqual(worst)
    }
  })
})
