import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStatsDb, SITE, type SentEvent, type StatsDb } from '../../../test/helpers/stats-fixture.ts'
import { rows } from '../../../test/helpers/collector.ts'
import { breakdown } from '../stats/queries/breakdown.ts'
import { funnel, parseSteps } from '../stats/queries/funnel.ts'
import { overview } from '../stats/queries/overview.ts'
import { addDays } from '../stats/range.ts'
import { runVisitsJob } from './sessionize.ts'

let s: StatsDb
const base = Date.parse(`${new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)}T10:00:00Z`)
let batch = 0

/** An event of visitor v at `minutes` after the base time. */
const at = (visitor: number, minutes: number, type = 'pageview', path = '/'): SentEvent => {
  const ts = base + minutes * 60_000
  const wire: Record<string, unknown> = { type, url: `https://${SITE}${path}`, ts }
  if (type === 'pageview') wire.referrer = ''
  if (type === 'custom') wire.name = 'signup'
  if (type === 'click') Object.assign(wire, { el: 'button#buy', cx: 1, cy: 2 })
  return {
    batch: ++batch, visitor, visit: 0, type, ts, path, country: 'NL', browser: 'Chrome', os: 'Mac OS', device: 'desktop', screen: 'desktop',
    timezone: 'UTC', language: 'en', source: 'Direct', referrer: '', utm_source: '', wire,
  }
}

/** Visits in order of start, with visitors numbered by first appearance (1, 2, ...). */
const visits = async () => {
  const r = await rows<{ visitor: string | number; pageviews: number; customs: number; entry_page: string; exit_page: string; seconds: number }>(
    s.db,
    `SELECT toString(visitor) AS visitor, pageviews, customs, entry_page, exit_page, dateDiff('second', start, end) AS seconds
     FROM tellen.rollup_visits FINAL WHERE site = {site:String} AND pageviews > 0 ORDER BY start`,
    { site: SITE },
  )
  const ids = new Map<string | number, number>()
  for (const v of r) if (!ids.has(v.visitor)) ids.set(v.visitor, ids.size + 1)
  return r.map((v) => ({ ...v, visitor: ids.get(v.visitor)! }))
}

/** The trails of the visits (pageviews and custom events from the start, sql/160), in order of start. */
const trails = () =>
  rows<{ trail_ms: number[]; trail_names: string[]; trail_custom: number[] }>(
    s.db,
    'SELECT trail_ms, trail_names, trail_custom FROM tellen.rollup_visits FINAL WHERE site = {site:String} AND pageviews > 0 ORDER BY start',
    { site: SITE },
  )

beforeAll(async () => {
  s = await openStatsDb()
  // Event retention 0: nothing is stored in tellen.events, visits must still be cut.
  await s.db.command({ query: 'DROP VIEW tellen.events_store_mv' })
  await s.ingest([
    at(1, 0, 'pageview', '/a'), at(1, 10, 'pageview', '/b'), at(1, 39, 'click', '/b'),
    at(1, 80, 'pageview', '/c'),
    at(2, 5, 'pageview', '/a'), at(2, 6, 'custom', '/a'),
  ])
})
afterAll(() => s?.close())

describe('the visits job', () => {
  it('cuts a visit after a gap of more than 30 minutes, from events never stored in tellen.events', async () => {
    expect(await rows(s.db, 'SELECT * FROM tellen.events')).toEqual([])
    expect(await visits()).toEqual([
      { visitor: 1, pageviews: 2, customs: 0, entry_page: '/a', exit_page: '/b', seconds: 39 * 60 },
      { visitor: 2, pageviews: 1, customs: 1, entry_page: '/a', exit_page: '/a', seconds: 60 },
      { visitor: 1, pageviews: 1, customs: 0, entry_page: '/c', exit_page: '/c', seconds: 0 },
    ])
  })

  it("returns as the next pass's watermark a time 5 s before the engine's clock", async () => {
    const t = (await rows<{ t: number }>(s.db, 'SELECT toUnixTimestamp(now()) AS t'))[0]!.t
    const next = await runVisitsJob(s.db, Number(t))
    expect(next).toBeGreaterThanOrEqual(Number(t) - 5)
    expect(next).toBeLessThanOrEqual(Number(t) - 3)
  })

  it('extends a visit when later events arrive and never counts it twice', async () => {
    const since = Math.floor(Date.now() / 1000) - 5
    await s.ingest([at(1, 95, 'pageview', '/d')])
    await runVisitsJob(s.db, since)
    await runVisitsJob(s.db, 0)
    expect(await visits()).toEqual([
      { visitor: 1, pageviews: 2, customs: 0, entry_page: '/a', exit_page: '/b', seconds: 39 * 60 },
      { visitor: 2, pageviews: 1, customs: 1, entry_page: '/a', exit_page: '/a', seconds: 60 },
      { visitor: 1, pageviews: 2, customs: 0, entry_page: '/c', exit_page: '/d', seconds: 15 * 60 },
    ])
    // The trail of the visit that went on holds the later page view too; clicks are in no trail.
    expect(await trails()).toEqual([
      { trail_ms: [0, 10 * 60_000], trail_names: ['/a', '/b'], trail_custom: [0, 0] },
      { trail_ms: [0, 60_000], trail_names: ['/a', 'signup'], trail_custom: [0, 1] },
      { trail_ms: [0, 15 * 60_000], trail_names: ['/c', '/d'], trail_custom: [0, 0] },
    ])
  })

  it('totals visits per hour by dimension, counting only the newest version of a day', async () => {
    // The visit that went on from /c to /d left /c as an exit page in the day's earlier version.
    const versions = await rows<{ value: string; versions: number }>(
      s.db,
      `SELECT value, toUInt32(uniqExact(version)) AS versions FROM tellen.rollup_visit_totals WHERE dimension = 'exit_page' GROUP BY value ORDER BY value`,
    )
    expect(versions.map((v) => v.value)).toEqual(['/a', '/b', '/c', '/d'])
    const day = new Date(base).toISOString().slice(0, 10)
    const q = { site: SITE, tz: 'UTC', from: day, to: day, filters: {} }
    const exits = await breakdown(s.db, q, 'exit_page', { limit: 10, offset: 0 })
    expect(exits.rows).toEqual([
      { value: '/a', visitors: 1, visits: 1, pageviews: 1, bounce_rate: 0 },
      { value: '/b', visitors: 1, visits: 1, pageviews: 2, bounce_rate: 0 },
      { value: '/d', visitors: 1, visits: 1, pageviews: 2, bounce_rate: 0 },
    ])
    const o = await overview(s.db, q)
    expect(o.current).toMatchObject({ visits: 3, pageviews: 5, bounce_rate: 0, visit_duration: (39 * 60 + 60 + 15 * 60) / 3 })
    // The same answers from every visit (a filter that all of them match) as from the totals.
    const filtered = await breakdown(s.db, { ...q, filters: { country: 'NL' } }, 'exit_page', { limit: 10, offset: 0 })
    expect(filtered.rows).toEqual(exits.rows)
    // Whole UTC days come from the daily totals, hours of a day cut by a time zone from the hourly ones.
    for (const tz of ['UTC', 'Europe/Amsterdam', 'America/New_York']) {
      const at = { ...q, tz, from: addDays(day, -1), to: addDays(day, 1) }
      for (const dimension of ['entry_page', 'exit_page', 'source'] as const) {
        const totals = await breakdown(s.db, at, dimension, { limit: 10, offset: 0 })
        expect(totals.rows, `${tz} ${dimension}`).toEqual((await breakdown(s.db, { ...at, filters: { country: 'NL' } }, dimension, { limit: 10, offset: 0 })).rows)
      }
      expect((await overview(s.db, at)).current, tz).toEqual((await overview(s.db, { ...at, filters: { country: 'NL' } })).current)
    }
    const [days] = await rows<{ n: number }>(s.db, `SELECT toUInt32(sum(visits)) AS n FROM tellen.rollup_visit_totals_daily FINAL WHERE dimension = 'exit_page' AND value = '/d'`)
    expect(days!.n).toBe(1)
  })

  it('moves the start of a visit when a late event comes before it, and no longer counts it under the old start', async () => {
    const day = new Date(base).toISOString().slice(0, 10)
    const q = { site: SITE, tz: 'UTC', from: day, to: day, filters: {} }
    const third = async () => (await visits()).filter((v) => v.visitor === 3)
    await s.ingest([at(3, 300, 'pageview', '/x'), at(3, 302, 'click', '/x')])
    expect(await third()).toEqual([{ visitor: 3, pageviews: 1, customs: 0, entry_page: '/x', exit_page: '/x', seconds: 120 }])
    expect((await overview(s.db, q)).current).toMatchObject({ visits: 4, pageviews: 6 })
    // A page view from ten minutes earlier, in the hour before, arrives after the visit was cut.
    const since = Math.floor(Date.now() / 1000) - 5
    await s.ingest([at(3, 290, 'pageview', '/w')])
    await runVisitsJob(s.db, since)
    const moved = [{ visitor: 3, pageviews: 2, customs: 0, entry_page: '/w', exit_page: '/x', seconds: 12 * 60 }]
    expect(await third()).toEqual(moved)
    expect((await overview(s.db, q)).current).toMatchObject({ visits: 4, pageviews: 7 })
    // Its trail starts at the new start, and a funnel through both pages finds it.
    expect((await trails()).at(-1)).toEqual({ trail_ms: [0, 10 * 60_000], trail_names: ['/w', '/x'], trail_custom: [0, 0] })
    expect((await funnel(s.db, q, parseSteps('/w,/x'), { from: day, to: day })).steps.map((st) => [st.visitors, st.median_seconds_from_previous]))
      .toEqual([[1, null], [1, 600]])
    const entries = await breakdown(s.db, q, 'entry_page', { limit: 10, offset: 0 })
    expect(entries.rows.map((r) => [r.value, r.visits])).toEqual([['/a', 2], ['/c', 1], ['/w', 1]])
    // The same from every visit (a filter all of them match) as from the totals.
    expect((await breakdown(s.db, { ...q, filters: { country: 'NL' } }, 'entry_page', { limit: 10, offset: 0 })).rows).toEqual(entries.rows)
    // Later passes, over the visitor or the whole day, change nothing.
    await runVisitsJob(s.db, since)
    await runVisitsJob(s.db, 0)
    expect(await third()).toEqual(moved)
    expect((await overview(s.db, q)).current).toMatchObject({ visits: 4, pageviews: 7 })
  })

  it('cuts at a gap over 30 minutes by less than a second, and not at a gap of exactly 30 minutes', async () => {
    /** A pageview `ms` after the base time, to the millisecond. */
    const atMs = (visitor: number, ms: number, path: string) => {
      const e = at(visitor, 0, 'pageview', path)
      e.ts = base + ms
      e.wire.ts = e.ts
      return e
    }
    const start = 400 * 60_000
    // Visitor 4: 30:00.800 between two page views whose seconds the gap does not cross whole.
    // Visitor 5: exactly 30:00 between them.
    await s.ingest([atMs(4, start + 100, '/e'), atMs(4, start + 100 + 1_800_800, '/f'), atMs(5, start + 900, '/g'), atMs(5, start + 900 + 1_800_000, '/h')])
    const late = (await visits()).filter((v) => v.visitor >= 4)
    expect(late.map((v) => [v.visitor, v.entry_page, v.exit_page])).toEqual([[4, '/e', '/e'], [5, '/g', '/h'], [4, '/f', '/f']])
  })
})
