import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, fixtureQuery, openStatsDb, type SentEvent, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
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
})
