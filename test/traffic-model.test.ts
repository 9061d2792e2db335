import { describe, expect, it } from 'vitest'
import { cutVisits, eastZoneWithMidnight, generateTraffic, localDay, rowsOf, type Row } from './helpers/traffic-model.ts'

/**
 * The differential tests check, before they compare, that their seeded traffic covers what they
 * compare (enough page views, visits across an hour and a local midnight, a funnel's path). The
 * traffic is generated around the time the test runs, so it must do so at any time of the day: here
 * every ten minutes of one, for the seeds and sites of those tests.
 */
const DAY_START = Date.UTC(2026, 11, 7)
/** Every ten minutes: the traffic's volume dips at some minutes of the day (every half hour missed 04:08). */
const INSTANTS = Array.from({ length: 144 }, (_, i) => DAY_START + i * 10 * 60_000)
/** `pageviews`: the fewest page views a site must have, for the test that checks it. */
const RUNS = [
  { name: 'stats differential', seed: 20261126, people: 24, pageviews: 100, extra: [{ domain: 'la.diff.test', tz: 'America/Los_Angeles' }] },
  { name: 'analysts differential', seed: 20261207, people: 22, pageviews: 0, extra: [] },
]

/** Whether one visit has page views of `paths` in this order, `views` being its visitor's page views by time. */
function followsPath(views: readonly Row[], visit: { start: number; end: number }, paths: readonly string[]): boolean {
  let next = 0
  for (const v of views) if (v.ts >= visit.start && v.ts <= visit.end && v.path === paths[next]) next++
  return next >= paths.length
}

describe.each(RUNS)('the traffic of the $name test', ({ seed, people, pageviews, extra }) => {
  it('covers what the comparison is about whatever the hour it is generated at', () => {
    const gaps: string[] = []
    for (const now of INSTANTS) {
      const sites = [{ domain: 'utc.test', tz: 'UTC' }, { domain: 'east.test', tz: eastZoneWithMidnight(now) }]
      // The other sites of a test take their share of the seeded sequence; the checks are of these two.
      const requests = generateTraffic([...sites, ...extra], people, now, seed)
      const rows = rowsOf(requests, requests.map(() => now))
      const visits = cutVisits(rows)
      const viewsOf = new Map<string, Row[]>()
      for (const r of rows.filter((r) => r.type === 'pageview').sort((a, b) => a.ts - b.ts)) {
        const key = `${r.site}|${r.visitor}`
        viewsOf.set(key, [...(viewsOf.get(key) ?? []), r])
      }
      const at = new Date(now).toISOString().slice(11, 16)
      for (const site of sites) {
        const own = visits.filter((v) => v.site === site.domain)
        const views = rows.filter((r) => r.site === site.domain && r.type === 'pageview').length
        if (views <= pageviews) gaps.push(`${at} ${site.domain}: ${views} page views`)
        if (!own.some((v) => Math.floor(v.start / 3_600_000) !== Math.floor(v.end / 3_600_000))) gaps.push(`${at} ${site.domain}: no visit across an hour`)
        if (site.tz !== 'UTC' && !own.some((v) => localDay(site.tz, v.start) !== localDay(site.tz, v.end))) gaps.push(`${at} ${site.domain}: no visit across its midnight`)
        if (!own.some((v) => followsPath(viewsOf.get(`${v.site}|${v.visitor}`) ?? [], v, ['/', '/docs', '/docs/install']))) gaps.push(`${at} ${site.domain}: no visit through /, /docs, /docs/install`)
      }
    }
    expect(gaps).toEqual([])
  })
})
