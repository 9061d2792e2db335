import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rows } from '../../../test/helpers/collector.ts'
import { openStatsDb, SITE, type SentEvent, type StatsDb } from '../../../test/helpers/stats-fixture.ts'
import type { Filters } from '../stats/dimensions.ts'
import { interactions } from '../stats/queries/interactions.ts'
import { vitals } from '../stats/queries/vitals.ts'
import type { StatsQuery } from '../stats/range.ts'
import { runVisitsJob } from './sessionize.ts'

const base = Date.parse(`${new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)}T10:00:00Z`)
const day = new Date(base).toISOString().slice(0, 10)
const GOOGLE = 'https://www.google.com/search?q=tellen'
let batch = 0

/** An event of visitor v at `minutes` after the base time, with the wire fields of its type. */
const at = (visitor: number, minutes: number, type: string, path: string, wire: Record<string, unknown> = {}): SentEvent => {
  const ts = base + minutes * 60_000
  return {
    batch: ++batch, visitor, visit: 0, type, ts, path, country: 'NL', browser: 'Chrome', os: 'Mac OS', device: 'desktop', screen: 'desktop',
    timezone: 'UTC', language: 'en', source: '', referrer: '', utm_source: '',
    wire: { type, url: `https://${SITE}${path}`, ts, ...(type === 'pageview' ? { referrer: '' } : {}), ...wire },
  }
}
const lcp = (visitor: number, minutes: number, path: string, value: number) => at(visitor, minutes, 'timing', path, { metric: 'lcp', value })
const grid = (cell: number) => Array.from({ length: 100 }, (_, i) => (i === cell ? 3 : 0))

let s: StatsDb
const q = (filters: Filters): StatsQuery => ({ site: SITE, tz: 'UTC', from: day, to: day, filters })
const lcpOf = async (filters: Filters) => {
  const r = await vitals(s.db, q(filters))
  expect(r.source).toBe('rollup')
  const m = r.metrics.find((x) => x.metric === 'lcp')
  return m ? { samples: m.samples, good: m.good, needs_improvement: m.needs_improvement, poor: m.poor } : undefined
}

beforeAll(async () => {
  s = await openStatsDb()
  // Event retention 0: the details reach the job without tellen.events.
  await s.db.command({ query: 'DROP VIEW tellen.events_store_mv' })
  await s.ingest([
    // Visitor 1 comes from Google, then an hour later directly.
    at(1, 0, 'pageview', '/a', { referrer: GOOGLE }), lcp(1, 0.5, '/a', 1000),
    at(1, 2, 'click', '/a', { el: 'button#buy', cx: 2, cy: 1 }),
    at(1, 5, 'leave', '/a', { exit: 'hidden', engaged: 1000, scroll: 55, grid: grid(12) }),
    at(1, 60, 'pageview', '/b'), lcp(1, 60.5, '/b', 5000),
    at(1, 61, 'leave', '/b', { exit: 'hidden', engaged: 1000, scroll: 100, grid: grid(99) }),
    // Visitor 2 comes from Google too; a timing two hours after the visit belongs to no visit.
    at(2, 10, 'pageview', '/a', { referrer: GOOGLE }), lcp(2, 10.5, '/a', 3000),
    at(2, 11, 'click', '/a', { el: 'a#docs', cx: 0, cy: 0 }),
    lcp(2, 130, '/a', 9000),
  ])
})
afterAll(() => s?.close())

describe('timings and interactions by visit dimension (sql/060)', () => {
  it('counts each event for the visit it belongs to, from events never stored in tellen.events', async () => {
    expect(await rows(s.db, 'SELECT * FROM tellen.events')).toEqual([])
    expect(await lcpOf({ source: 'Google' })).toEqual({ samples: 2, good: 1, needs_improvement: 1, poor: 0 })
    expect(await lcpOf({ source: 'Direct' })).toEqual({ samples: 1, good: 0, needs_improvement: 0, poor: 1 })
    expect(await lcpOf({ referrer: 'google.com' })).toEqual({ samples: 2, good: 1, needs_improvement: 1, poor: 0 })
    expect(await lcpOf({ entry_page: '/b' })).toEqual({ samples: 1, good: 0, needs_improvement: 0, poor: 1 })
    expect(await lcpOf({ utm_source: 'newsletter' })).toBeUndefined()

    const google = await interactions(s.db, q({ source: 'Google' }))
    expect(google.source).toBe('rollup')
    expect(google.scroll).toEqual([{ depth: 50, views: 1 }])
    expect(google.clicks[1]![2]).toBe(1)
    expect(google.clicks[0]![0]).toBe(1)
    expect(google.clicks.flat().reduce((a, b) => a + b)).toBe(2)
    expect(google.moves[1]![2]).toBe(3)
    expect(google.moves.flat().reduce((a, b) => a + b)).toBe(3)
    expect(google.elements).toEqual([{ element: 'a#docs', clicks: 1 }, { element: 'button#buy', clicks: 1 }])
    const direct = await interactions(s.db, q({ source: 'Direct' }))
    expect(direct.scroll).toEqual([{ depth: 100, views: 1 }])
    expect(direct.moves[9]![9]).toBe(3)
    expect(direct.elements).toEqual([])
  })

  it('moves details to the new values of a visit that goes on, without counting them twice', async () => {
    const since = Math.floor(Date.now() / 1000) - 5
    // Visitor 1's direct visit goes on to /c: its exit page changes from /b to /c.
    await s.ingest([lcp(1, 62, '/b', 2000), at(1, 70, 'pageview', '/c'), lcp(1, 70.5, '/c', 2200)])
    await runVisitsJob(s.db, since)
    await runVisitsJob(s.db, 0)
    expect(await lcpOf({ source: 'Direct' })).toEqual({ samples: 3, good: 2, needs_improvement: 0, poor: 1 })
    expect(await lcpOf({ exit_page: '/c' })).toEqual({ samples: 3, good: 2, needs_improvement: 0, poor: 1 })
    expect(await lcpOf({ exit_page: '/b' })).toBeUndefined()
    expect(await lcpOf({ source: 'Google' })).toEqual({ samples: 2, good: 1, needs_improvement: 1, poor: 0 })
    expect((await interactions(s.db, q({ exit_page: '/b' }))).scroll).toEqual([])
    expect((await interactions(s.db, q({ exit_page: '/c' }))).scroll).toEqual([{ depth: 100, views: 1 }])
  })

  it('counts hours in the local days of the site', async () => {
    // 10:00 UTC on the day is still that day in New York and in Tokyo (19:00).
    for (const tz of ['America/New_York', 'Asia/Tokyo']) {
      const r = await vitals(s.db, { ...q({ source: 'Google' }), tz })
      expect(r.metrics.find((m) => m.metric === 'lcp')?.samples, tz).toBe(2)
    }
  })
})
