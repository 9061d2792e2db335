import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, fixtureQuery, openStatsDb, type SentEvent, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
import type { Filters } from '../dimensions.ts'
import { THRESHOLDS, vitals } from './vitals.ts'

const events = buildFixture()
let s: StatsDb

beforeAll(async () => {
  s = await openStatsDb()
  await s.ingest(events)
})
afterAll(() => s?.close())

function expected(keep: (e: SentEvent) => boolean) {
  const timings = events.filter((e) => e.type === 'timing' && keep(e))
  const metrics = [...new Set(timings.map((e) => e.wire.metric as string))].sort()
  return metrics.map((metric) => {
    const values = timings.filter((e) => e.wire.metric === metric).map((e) => e.wire.value as number).sort((a, b) => a - b)
    const [good, poor] = THRESHOLDS[metric]!
    return {
      metric, samples: values.length, values,
      good: values.filter((v) => v <= good).length,
      needs_improvement: values.filter((v) => v > good && v <= poor).length,
      poor: values.filter((v) => v > poor).length,
    }
  })
}

describe('vitals', () => {
  it('rates every timing sample by the Web Vitals thresholds and reports quantiles within the samples', async () => {
    const r = await vitals(s.db, fixtureQuery())
    const want = expected(() => true)
    expect(r.source).toBe('rollup')
    expect(r.metrics.map(({ p50, p75, p95, ...rest }) => rest)).toEqual(want.map(({ values, ...rest }) => rest))
    for (const m of r.metrics) {
      const values = want.find((w) => w.metric === m.metric)!.values
      expect(m.p50).toBeGreaterThanOrEqual(values[0]!)
      expect(m.p95).toBeLessThanOrEqual(values.at(-1)!)
      expect(m.p50).toBeLessThanOrEqual(m.p75)
      expect(m.p75).toBeLessThanOrEqual(m.p95)
    }
    const lcp = r.metrics.find((m) => m.metric === 'lcp')!
    expect(lcp.good).toBeGreaterThan(0)
    expect(lcp.poor).toBeGreaterThan(0)
  })

  it('answers for one page from the rollup and for a country from the events', async () => {
    const page = await vitals(s.db, fixtureQuery({ filters: { page: '/pricing' } }))
    expect(page.source).toBe('rollup')
    expect(page.metrics.map((m) => [m.metric, m.samples, m.good, m.poor])).toEqual(
      expected((e) => e.path === '/pricing').map((m) => [m.metric, m.samples, m.good, m.poor]),
    )
    const country = await vitals(s.db, fixtureQuery({ filters: { country: 'US' } }))
    expect(country.source).toBe('events')
    expect(country.metrics.map((m) => [m.metric, m.samples, m.good, m.needs_improvement, m.poor])).toEqual(
      expected((e) => e.country === 'US').map((m) => [m.metric, m.samples, m.good, m.needs_improvement, m.poor]),
    )
  })

  // The fixture's visits each have one source, referrer and entry page, and many visitors come back
  // from another source, so these count the timings of the matching visits, not of their visitors.
  const entryPage = (e: SentEvent) => events.find((x) => x.visitor === e.visitor && x.visit === e.visit && x.type === 'pageview')!.path
  it.each<[string, Filters, (e: SentEvent) => boolean]>([
    ['a source', { source: 'Google' }, (e) => e.source === 'Google'],
    ['a referrer', { referrer: 'news.ycombinator.com' }, (e) => e.referrer === 'news.ycombinator.com'],
    ['a UTM source', { utm_source: 'newsletter' }, (e) => e.utm_source === 'newsletter'],
    ['an entry page', { entry_page: '/pricing' }, (e) => entryPage(e) === '/pricing'],
  ])('answers %s from the timings kept by the dimensions of visits', async (_, filters, keep) => {
    const r = await vitals(s.db, fixtureQuery({ filters }))
    const want = expected(keep)
    expect(r.source).toBe('rollup')
    expect(want.length).toBeGreaterThan(0)
    expect(r.metrics.map(({ p50, p75, p95, ...rest }) => rest)).toEqual(want.map(({ values, ...rest }) => rest))
    for (const m of r.metrics) {
      const values = want.find((w) => w.metric === m.metric)!.values
      expect(m.p50).toBeGreaterThanOrEqual(values[0]!)
      expect(m.p95).toBeLessThanOrEqual(values.at(-1)!)
    }
  })

  it('answers a source with a country from the events, counting the timings of the matching visits', async () => {
    const r = await vitals(s.db, fixtureQuery({ filters: { source: 'Google', country: 'US' } }))
    expect(r.source).toBe('events')
    expect(r.metrics.map((m) => [m.metric, m.samples, m.good, m.poor])).toEqual(
      expected((e) => e.country === 'US' && e.source === 'Google').map((m) => [m.metric, m.samples, m.good, m.poor]),
    )
    // Some of those visitors also came from elsewhere: their other visits' timings are not counted.
    const visitors = new Set(events.filter((e) => e.source === 'Google' && e.country === 'US').map((e) => e.visitor))
    const samples = (ms: { samples: number }[]) => ms.reduce((n, m) => n + m.samples, 0)
    expect(samples(expected((e) => e.country === 'US' && visitors.has(e.visitor)))).toBeGreaterThan(samples(r.metrics))
  })

  it('rates samples on the thresholds themselves and leaves metrics without thresholds unrated, from the events', async () => {
    const site = 'thresholds.example'
    const samples = [
      ...Object.entries(THRESHOLDS).flatMap(([metric, [good, poor]]) => [good * 0.5, good, good * 1.01, poor, poor * 1.01].map((value) => ({ metric, value }))),
      ...[100, 5000, 60_000].flatMap((value) => [{ metric: 'dcl', value }, { metric: 'load', value }]),
    ]
    const ts = `${fixtureQuery().from} 12:00:00.000`
    await s.db.insert({
      table: 'tellen.events_in',
      values: samples.map(({ metric, value }, i) => ({ site, type: 'timing', ts, visitor: i, path: '/', country: 'NL', name: metric, value })),
      format: 'JSONEachRow',
    })
    const r = await vitals(s.db, fixtureQuery({ site, filters: { country: 'NL' } }))
    expect(r.source).toBe('events')
    const want = [...new Set(samples.map((x) => x.metric))].sort().map((metric) => {
      const values = samples.filter((x) => x.metric === metric).map((x) => x.value)
      const t = THRESHOLDS[metric]
      return {
        metric, samples: values.length,
        good: t ? values.filter((v) => v <= t[0]).length : 0,
        needs_improvement: t ? values.filter((v) => v > t[0] && v <= t[1]).length : 0,
        poor: t ? values.filter((v) => v > t[1]).length : 0,
      }
    })
    expect(r.metrics.map(({ metric, samples, good, needs_improvement, poor }) => ({ metric, samples, good, needs_improvement, poor }))).toEqual(want)
    expect(want.find((m) => m.metric === 'lcp')).toEqual({ metric: 'lcp', samples: 5, good: 2, needs_improvement: 2, poor: 1 })
  })
})
