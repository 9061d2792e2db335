import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStatsDb, SITE, type SentEvent, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
import { realtime } from './realtime.ts'

let s: StatsDb
const now = Date.now()

/** Visitor v views a page `minutesAgo` minutes before now. */
const view = (visitor: number, minutesAgo: number, country = 'NL'): SentEvent => {
  const ts = now - minutesAgo * 60_000
  return {
    batch: visitor * 100 + minutesAgo, visitor, visit: 0, type: 'pageview', ts, path: '/', country, browser: 'Chrome', os: 'Mac OS',
    device: 'desktop', screen: 'desktop', timezone: 'UTC', language: 'en', source: 'Direct', referrer: '', utm_source: '',
    wire: { type: 'pageview', url: `https://${SITE}/`, ts, referrer: '' },
  }
}
const recent = [view(1, 1), view(1, 2), view(2, 4, 'US'), view(3, 3, 'US'), view(4, 8), view(5, 30, 'US')]

beforeAll(async () => {
  s = await openStatsDb()
  await s.ingest(recent)
})
afterAll(() => s?.close())

describe('realtime', () => {
  it('counts the distinct visitors of the last five minutes', async () => {
    const want = new Set(recent.filter((e) => e.ts > now - 300_000).map((e) => e.visitor)).size
    expect(want).toBe(3)
    expect(await realtime(s.db, { site: SITE, tz: 'UTC', filters: {} }, now)).toEqual({ source: 'events', visitors: want })
  })

  it('applies filters', async () => {
    const r = await realtime(s.db, { site: SITE, tz: 'UTC', filters: { country: 'US' } }, now)
    expect(r.visitors).toBe(2)
  })
})
