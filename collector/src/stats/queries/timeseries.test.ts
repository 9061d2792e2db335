import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, fixtureQuery, fixtureVisits, openStatsDb, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
import { addDays } from '../range.ts'
import { bucketsOf, timeseries } from './timeseries.ts'

const events = buildFixture()
let s: StatsDb

beforeAll(async () => {
  s = await openStatsDb()
  await s.ingest(events)
})
afterAll(() => s?.close())

/** The local day and hour of a time in a time zone, computed with Intl. */
function local(ts: number, timeZone: string): { day: string; hour: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(ts))
      .map((p) => [p.type, p.value]),
  )
  return { day: `${parts.year}-${parts.month}-${parts.day}`, hour: `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:00` }
}

const pageviews = events.filter((e) => e.type === 'pageview')

describe('timeseries', () => {
  it('counts pageviews per hour of the day in UTC, with empty hours as 0', async () => {
    const r = await timeseries(s.db, fixtureQuery(), 'pageviews', 'hour')
    expect(r.points).toHaveLength(24)
    const want = new Map<string, number>()
    for (const e of pageviews) want.set(local(e.ts, 'UTC').hour, (want.get(local(e.ts, 'UTC').hour) ?? 0) + 1)
    for (const p of r.points) expect(p.value).toBe(want.get(p.bucket) ?? 0)
  })

  it('cuts days in the site time zone', async () => {
    const tz = 'Pacific/Kiritimati'
    const day = fixtureQuery().from
    const r = await timeseries(s.db, fixtureQuery({ tz, from: day, to: addDays(day, 1) }), 'visitors', 'day')
    const want = new Map<string, Set<number>>()
    for (const e of pageviews) {
      const d = local(e.ts, tz).day
      if (!want.has(d)) want.set(d, new Set())
      want.get(d)!.add(e.visitor)
    }
    expect(want.size).toBe(2)
    expect(r.points).toEqual([...want.keys()].sort().map((bucket) => ({ bucket, value: want.get(bucket)!.size })))
  })

  it('reports visits, bounce rate and visit duration per day from the visits rollup', async () => {
    const q = fixtureQuery({ filters: { country: 'NL' } })
    const visits = fixtureVisits(events).filter((v) => v.first.country === 'NL')
    const [visitsR, bounce, duration] = await Promise.all([
      timeseries(s.db, q, 'visits', 'day'),
      timeseries(s.db, q, 'bounce_rate', 'week'),
      timeseries(s.db, q, 'visit_duration', 'month'),
    ])
    expect(visitsR.points).toEqual([{ bucket: q.from, value: visits.length }])
    expect(bounce.points).toHaveLength(1)
    expect(bounce.points[0]!.value).toBeCloseTo(visits.filter((v) => v.pageviews === 1 && v.customs === 0).length / visits.length, 6)
    expect(duration.points[0]!.bucket).toBe(`${q.from.slice(0, 7)}-01`)
    expect(duration.points[0]!.value).toBeCloseTo(visits.reduce((n, v) => n + v.end - v.start, 0) / visits.length / 1000, 3)
  })

  it('answers a page and device filter from the events', async () => {
    const r = await timeseries(s.db, fixtureQuery({ filters: { page: '/docs', device: 'mobile' } }), 'pageviews', 'day')
    expect(r.source).toBe('events')
    expect(r.points[0]!.value).toBe(pageviews.filter((e) => e.path === '/docs' && e.device === 'mobile').length)
  })
})

describe('bucketsOf', () => {
  it('labels every bucket of a range, across a year and at the last day a range may name', () => {
    expect(bucketsOf('2026-12-30', '2027-01-02', 'day')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02'])
    expect(bucketsOf('2026-12-30', '2027-01-02', 'month')).toEqual(['2026-12-01', '2027-01-01'])
    expect(bucketsOf('2099-12-31', '2099-12-31', 'week')).toEqual(['2099-12-28'])
    // Labels past year 9999 sort before 9999: the buckets are counted in days, so this ends.
    expect(bucketsOf('9999-12-31', '9999-12-31', 'day')).toEqual(['9999-12-31'])
  })
})
