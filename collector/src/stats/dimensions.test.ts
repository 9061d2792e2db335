import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStatsDb, type StatsDb } from '../../../test/helpers/stats-fixture.ts'
import { eventsWhere, filterParams, rangeWhere, visitsWhere, type Filters } from './dimensions.ts'

const SITE = 'visits.example'
const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
const at = (hhmm: string) => `${day} ${hhmm}:00.000`
const params = (filters: Filters) => ({ site: SITE, tz: 'UTC', from: day, to: day, ...filterParams(filters) })

/** Visits as the visits job writes them; visitor 1's visit is written twice, the second time longer. */
const VISITS = [
  { visitor: 1, start: at('09:00'), end: at('09:05'), exit_page: '/pricing', pages: ['/', '/pricing'], source: 'Google', version: 1 },
  { visitor: 2, start: at('10:00'), end: at('10:01'), exit_page: '/pricing', pages: ['/pricing'], source: 'Direct', version: 1 },
  { visitor: 3, start: at('11:00'), end: at('11:02'), exit_page: '/docs', pages: ['/docs'], source: 'Google', version: 1 },
  { visitor: 1, start: at('09:00'), end: at('09:20'), exit_page: '/docs', pages: ['/', '/pricing', '/docs'], source: 'Google', version: 2 },
]

/** Which visitors a visit filter selects, from the newest version of each visit, computed here. */
function expectedVisitors(keep: (v: (typeof VISITS)[number]) => boolean): number[] {
  const newest = new Map<string, (typeof VISITS)[number]>()
  for (const v of VISITS) {
    const key = `${v.visitor}:${v.start}`
    if ((newest.get(key)?.version ?? 0) < v.version) newest.set(key, v)
  }
  return [...new Set([...newest.values()].filter(keep).map((v) => v.visitor))].sort()
}

let s: StatsDb

beforeAll(async () => {
  s = await openStatsDb()
  // Both versions of visitor 1's visit stay as separate rows, as between a rewrite and the next merge.
  await s.db.command({ query: 'SYSTEM STOP MERGES tellen.rollup_visits' })
  for (const v of VISITS) {
    await s.db.insert({
      table: 'tellen.rollup_visits',
      values: [{
        site: SITE, hour: `${v.start.slice(0, 13)}:00:00`, visitor: v.visitor, start: v.start, end: v.end, pageviews: v.pages.length,
        customs: 0, entry_page: '/', exit_page: v.exit_page, pages: v.pages, events: [], source: v.source, version: v.version,
      }],
      format: 'JSONEachRow',
    })
  }
  const events = [1, 2, 3].flatMap((visitor) => [
    { site: SITE, type: 'pageview', ts: at('12:00'), visitor, path: '/' },
    { site: SITE, type: 'timing', ts: at('12:00'), visitor, path: '/', name: 'lcp', value: 1000 * visitor },
  ])
  await s.db.insert({ table: 'tellen.events', values: events, format: 'JSONEachRow' })
})
afterAll(() => s?.close())

async function visitorsOfEvents(where: string, filters: Filters): Promise<number[]> {
  const rs = await s.db.query({
    query: `SELECT DISTINCT visitor FROM tellen.events WHERE ${rangeWhere('ts')}${where} ORDER BY visitor`,
    query_params: params(filters),
    format: 'JSONEachRow',
  })
  return (await rs.json<{ visitor: number }>()).map((r) => Number(r.visitor))
}

/** The visit filter as it was written before: every visit read with FINAL, a plain IN. */
const finalWhere = (filters: Filters) =>
  ` AND visitor IN (SELECT visitor FROM tellen.rollup_visits FINAL WHERE ${rangeWhere('hour')}${visitsWhere(filters)})`

describe('eventsWhere', () => {
  it('keeps both versions of a rewritten visit apart until they merge (the premise of these tests)', async () => {
    const rs = await s.db.query({ query: 'SELECT count() AS n FROM tellen.rollup_visits WHERE visitor = 1', format: 'JSONEachRow' })
    expect(Number((await rs.json<{ n: number }>())[0]!.n)).toBe(2)
  })

  it.each<[string, Filters, (v: (typeof VISITS)[number]) => boolean]>([
    ['a source', { source: 'Google' }, (v) => v.source === 'Google'],
    ['a source nobody came from', { source: 'Bing' }, (v) => v.source === 'Bing'],
    ['an exit page the rewrite changed', { exit_page: '/pricing' }, (v) => v.exit_page === '/pricing'],
    ['an exit page the rewrite added', { exit_page: '/docs' }, (v) => v.exit_page === '/docs'],
    ['a source and an exit page', { source: 'Google', exit_page: '/docs' }, (v) => v.source === 'Google' && v.exit_page === '/docs'],
  ])('selects the events of the visitors whose newest visits match %s, as the FINAL form did', async (_, filters, keep) => {
    const want = expectedVisitors(keep)
    expect(await visitorsOfEvents(eventsWhere(filters), filters)).toEqual(want)
    expect(await visitorsOfEvents(finalWhere(filters), filters)).toEqual(want)
  })

  it('combines a visit filter with a filter on the events themselves', async () => {
    const filters: Filters = { source: 'Google', page: '/' }
    expect(await visitorsOfEvents(eventsWhere(filters), filters)).toEqual([1, 3])
  })
})

describe('rangeWhere on the events time', () => {
  // Zones with clock changes at midnight (Santiago, Havana, Asuncion, Beirut), half and quarter hours
  // (Kolkata, Chatham, St Johns, Lord Howe with a half-hour change) and none (UTC).
  const ZONES = [
    'UTC', 'Europe/Amsterdam', 'America/New_York', 'America/Santiago', 'America/Havana', 'America/Asuncion', 'Asia/Beirut',
    'Asia/Kolkata', 'Pacific/Chatham', 'America/St_Johns', 'Australia/Lord_Howe', 'Pacific/Apia',
  ]
  const RANGES = [['2026-01-01', '2026-12-31'], ['2026-03-08', '2026-03-08'], ['2026-03-29', '2026-03-30'], ['2026-04-04', '2026-04-05'], ['2026-09-06', '2026-09-06'], ['2026-10-25', '2026-10-25'], ['2026-11-01', '2026-11-02']]

  it.each(ZONES)('selects the same instants as toDate(ts) between the days in %s', async (tz) => {
    for (const [from, to] of RANGES) {
      const rs = await s.db.query({
        // Every quarter hour of 2026 and the millisecond before it (a day starts on a quarter hour in every zone).
        query: `SELECT countIf(${rangeWhere('ts')}) AS n, minIf(ts, ${rangeWhere('ts')}) AS first, maxIf(ts, ${rangeWhere('ts')}) AS last,
                       countIf(toDate(ts, {tz:String}) BETWEEN {from:Date} AND {to:Date}) AS want_n,
                       minIf(ts, toDate(ts, {tz:String}) BETWEEN {from:Date} AND {to:Date}) AS want_first,
                       maxIf(ts, toDate(ts, {tz:String}) BETWEEN {from:Date} AND {to:Date}) AS want_last
                FROM (SELECT 'a' AS site, toDateTime64('2025-12-30 00:00:00', 3, 'UTC') + toIntervalMillisecond(intDiv(number, 2) * 900000 - number % 2) AS ts
                      FROM numbers(2 * 96 * 370))`,
        query_params: { site: 'a', tz, from, to },
        format: 'JSONEachRow',
      })
      const [r] = await rs.json<Record<string, string | number>>()
      expect([r!.n, r!.first, r!.last], `${tz} ${from}..${to}`).toEqual([r!.want_n, r!.want_first, r!.want_last])
      expect(Number(r!.n)).toBeGreaterThan(0)
    }
  })
})
