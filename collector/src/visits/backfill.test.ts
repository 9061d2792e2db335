import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONDITION_DEADLINE_MS, rows } from '../../../test/helpers/collector.ts'
import { openStatsDb, SITE, type SentEvent, type StatsDb } from '../../../test/helpers/stats-fixture.ts'

/**
 * Traffic inserted late for a day older than the event retention (as the demo fills two months):
 * the visits of that day may not be kept, but its visit totals and pair totals must be written
 * before the visits go.
 */
let s: StatsDb
const DAYS_AGO = 40
const oldDay = new Date(Date.now() - DAYS_AGO * 86_400_000).toISOString().slice(0, 10)
const base = Date.parse(`${oldDay}T10:00:00Z`)
let batch = 0

const pageview = (visitor: number, minutes: number, path: string): SentEvent => {
  const ts = base + minutes * 60_000
  return {
    batch: ++batch, visitor, visit: 0, type: 'pageview', ts, path, country: 'NL', browser: 'Chrome', os: 'Mac OS', device: 'desktop', screen: 'desktop',
    timezone: 'UTC', language: 'en', source: 'Direct', referrer: '', utm_source: '', wire: { type: 'pageview', url: `https://${SITE}${path}`, ts, referrer: '' },
  }
}

beforeAll(async () => {
  s = await openStatsDb()
  // Two visits of one visitor (two pageviews, then one more than 30 minutes later) and a bounce of another.
  await s.ingest([pageview(1, 0, '/'), pageview(1, 5, '/pricing'), pageview(1, 90, '/docs'), pageview(2, 20, '/')])
})
afterAll(() => s?.close())

describe('the visits job on a day older than the event retention', () => {
  it('writes the visit totals and the pair totals of the day, then keeps none of its visits', async () => {
    const [totals] = await rows<{ visits: number; bounces: number; pageviews: number }>(
      s.db,
      `SELECT sum(visits) AS visits, sum(bounces) AS bounces, sum(pageviews) AS pageviews
       FROM tellen.rollup_visit_totals_daily FINAL WHERE site = {site:String} AND day = {day:Date} AND dimension = ''`,
      { site: SITE, day: oldDay },
    )
    expect(totals).toEqual({ visits: 3, bounces: 2, pageviews: 4 })
    const [pairs] = await rows<{ visits: number; pageviews: number }>(
      s.db,
      `SELECT sum(visits) AS visits, sum(visit_pageviews) AS pageviews FROM tellen.rollup_visit_pairs_daily FINAL
       WHERE site = {site:String} AND day = {day:Date} AND dimension_a = '' AND dimension_b = ''`,
      { site: SITE, day: oldDay },
    )
    expect(pairs).toEqual({ visits: 3, pageviews: 4 })
    // The retention still holds for the visits themselves: they go once the pass is over.
    const deadline = Date.now() + CONDITION_DEADLINE_MS
    const kept = async () => {
      const [r] = await rows<{ n: number }>(
        s.db,
        `SELECT (SELECT count() FROM tellen.rollup_visits WHERE toDate(hour) = {day:Date})
              + (SELECT count() FROM tellen.rollup_visit_pageviews WHERE toDate(hour) = {day:Date}) AS n`,
        { day: oldDay },
      )
      return r!.n
    }
    while ((await kept()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(await kept()).toBe(0)
  })
})
