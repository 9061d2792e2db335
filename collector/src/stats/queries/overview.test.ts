import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, fixtureQuery, fixtureVisits, openStatsDb, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
import { addDays } from '../range.ts'
import { overview } from './overview.ts'

const events = buildFixture()
let s: StatsDb

beforeAll(async () => {
  s = await openStatsDb()
  await s.ingest(events)
})
afterAll(() => s?.close())

const expected = (keep: (e: (typeof events)[number]) => boolean, keepVisit = keep) => {
  const pageviews = events.filter((e) => e.type === 'pageview' && keep(e))
  const visits = fixtureVisits(events).filter((v) => keepVisit(v.first))
  return {
    visitors: new Set(pageviews.map((e) => e.visitor)).size,
    pageviews: pageviews.length,
    visits: visits.length,
    bounce_rate: visits.filter((v) => v.pageviews === 1 && v.customs === 0).length / visits.length,
    pages_per_visit: visits.reduce((n, v) => n + v.pageviews, 0) / visits.length,
    visit_duration: visits.reduce((n, v) => n + (v.end - v.start), 0) / visits.length / 1000,
  }
}

describe('overview', () => {
  it('counts visitors, visits, pageviews, bounce rate, pages per visit and duration from the rollups', async () => {
    const r = await overview(s.db, fixtureQuery())
    const want = expected(() => true)
    expect(r.source).toBe('rollup')
    expect(r.current).toMatchObject({ visitors: want.visitors, pageviews: want.pageviews, visits: want.visits })
    expect(r.current.bounce_rate).toBeCloseTo(want.bounce_rate, 6)
    expect(r.current.pages_per_visit).toBeCloseTo(want.pages_per_visit, 6)
    expect(r.current.visit_duration).toBeCloseTo(want.visit_duration, 3)
    expect(want.visits).toBeGreaterThan(want.visitors)
  })

  it('reports the previous period of equal length, empty before the data', async () => {
    const day = fixtureQuery().from
    const r = await overview(s.db, fixtureQuery({ from: addDays(day, 1), to: addDays(day, 1) }))
    expect(r.current.pageviews).toBe(0)
    expect(r.previous.pageviews).toBe(expected(() => true).pageviews)
    expect(r.previous.visits).toBe(expected(() => true).visits)
  })

  it('answers a filter held by one rollup from that rollup', async () => {
    const r = await overview(s.db, fixtureQuery({ filters: { country: 'NL', device: 'mobile' } }))
    const want = expected((e) => e.country === 'NL' && e.device === 'mobile')
    expect(r.source).toBe('rollup')
    expect(r.current).toMatchObject({ visitors: want.visitors, pageviews: want.pageviews, visits: want.visits })
  })

  it('answers a source filter from the visits, where each visit keeps its source', async () => {
    const r = await overview(s.db, fixtureQuery({ filters: { source: 'Google', browser: 'Firefox' } }))
    const keep = (e: (typeof events)[number]) => e.source === 'Google' && e.browser === 'Firefox'
    const want = expected(keep)
    expect(r.source).toBe('rollup')
    expect(r.current).toMatchObject({ visitors: want.visitors, pageviews: want.pageviews, visits: want.visits })
  })

  it('answers a page filter combined with another dimension from the events and says so', async () => {
    const r = await overview(s.db, fixtureQuery({ filters: { page: '/pricing', country: 'US' } }))
    const pageviews = events.filter((e) => e.type === 'pageview' && e.path === '/pricing' && e.country === 'US')
    const visits = fixtureVisits(events).filter((v) => v.pages.has('/pricing') && v.first.country === 'US')
    expect(r.source).toBe('events')
    expect(r.current).toMatchObject({ visitors: new Set(pageviews.map((e) => e.visitor)).size, pageviews: pageviews.length, visits: visits.length })
  })

  it('does not count a replayed visits pass twice', async () => {
    const { runVisitsJob } = await import('../../visits/sessionize.ts')
    await runVisitsJob(s.db)
    const r = await overview(s.db, fixtureQuery())
    expect(r.current.visits).toBe(expected(() => true).visits)
  })
})
