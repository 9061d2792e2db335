import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStatsDb, type StatsDb } from '../../../test/helpers/stats-fixture.ts'
import { eventsWhere, filterParams, rangeWhere, type Filters } from './dimensions.ts'

const SITE = 'visits.example'
const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
const at = (hhmm: string) => `${day} ${hhmm}:00.000`
const params = (filters: Filters) => ({ site: SITE, tz: 'UTC', from: day, to: day, ...filterParams(filters) })

/**
 * Visits as the visits job writes them; visitor 1's first visit is written twice, the second time
 * longer, and visitor 1 comes back directly in the afternoon.
 */
const VISITS = [
  { visitor: 1, start: at('09:00'), end: at('09:05'), exit_page: '/pricing', pages: ['/', '/pricing'], source: 'Google', version: 1 },
  { visitor: 2, start: at('10:00'), end: at('10:01'), exit_page: '/pricing', pages: ['/pricing'], source: 'Direct', version: 1 },
  { visitor: 3, start: at('11:00'), end: at('11:02'), exit_page: '/docs', pages: ['/docs'], source: 'Google', version: 1 },
  { visitor: 1, start: at('09:00'), end: at('09:20'), exit_page: '/docs', pages: ['/', '/pricing', '/docs'], source: 'Google', version: 2 },
  { visitor: 1, start: at('13:00'), end: at('13:40'), exit_page: '/', pages: ['/'], source: 'Direct', version: 1 },
]

/** Events of the visits (and one of each visitor at 12:00, in none), numbered. */
const EVENTS = [
  { id: 1, visitor: 1, ts: at('09:00'), path: '/' },
  { id: 2, visitor: 1, ts: at('09:15'), path: '/docs' },
  { id: 3, visitor: 2, ts: at('10:01'), path: '/pricing' },
  { id: 4, visitor: 3, ts: at('11:00'), path: '/docs' },
  { id: 5, visitor: 1, ts: at('13:00'), path: '/' },
  { id: 6, visitor: 1, ts: at('13:40'), path: '/' },
  ...[1, 2, 3].map((visitor) => ({ id: 6 + visitor, visitor, ts: at('12:00'), path: '/' })),
]

/** Which events a visit filter selects: those between the start and end of a matching newest visit, computed here. */
function expectedEvents(keep: (v: (typeof VISITS)[number]) => boolean, also: (e: (typeof EVENTS)[number]) => boolean = () => true): number[] {
  const newest = new Map<string, (typeof VISITS)[number]>()
  for (const v of VISITS) {
    const key = `${v.visitor}:${v.start}`
    if ((newest.get(key)?.version ?? 0) < v.version) newest.set(key, v)
  }
  const visits = [...newest.values()].filter(keep)
  return EVENTS.filter((e) => also(e) && visits.some((v) => v.visitor === e.visitor && v.start <= e.ts && e.ts <= v.end)).map((e) => e.id)
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
  await s.db.insert({
    table: 'tellen.events',
    values: EVENTS.map((e) => ({ site: SITE, type: 'pageview', ts: e.ts, visitor: e.visitor, path: e.path, value: e.id })),
    format: 'JSONEachRow',
  })
})
afterAll(() => s?.close())

async function eventsSelected(where: string, filters: Filters): Promise<number[]> {
  const rs = await s.db.query({
    query: `SELECT toUInt32(value) AS id FROM tellen.events WHERE ${rangeWhere('ts')}${where} ORDER BY id`,
    query_params: params(filters),
    format: 'JSONEachRow',
  })
  return (await rs.json<{ id: number }>()).map((r) => r.id)
}

describe('eventsWhere', () => {
  it('keeps both versions of a rewritten visit apart until they merge (the premise of these tests)', async () => {
    const rs = await s.db.query({ query: `SELECT count() AS n FROM tellen.rollup_visits WHERE visitor = 1 AND start = '${at('09:00')}'`, format: 'JSONEachRow' })
    expect(Number((await rs.json<{ n: number }>())[0]!.n)).toBe(2)
  })

  it.each<[string, Filters, (v: (typeof VISITS)[number]) => boolean]>([
    ['a source', { source: 'Google' }, (v) => v.source === 'Google'],
    ['another source', { source: 'Direct' }, (v) => v.source === 'Direct'],
    ['a source nobody came from', { source: 'Bing' }, (v) => v.source === 'Bing'],
    ['an exit page the rewrite changed', { exit_page: '/pricing' }, (v) => v.exit_page === '/pricing'],
    ['an exit page the rewrite added', { exit_page: '/docs' }, (v) => v.exit_page === '/docs'],
    ['a source and an exit page', { source: 'Google', exit_page: '/docs' }, (v) => v.source === 'Google' && v.exit_page === '/docs'],
  ])('selects the events of the newest visits that match %s, and no other event of their visitors', async (_, filters, keep) => {
    expect(await eventsSelected(eventsWhere(filters), filters)).toEqual(expectedEvents(keep))
  })

  it('tells the visits of one visitor apart', async () => {
    expect(await eventsSelected(eventsWhere({ source: 'Google' }), { source: 'Google' })).toEqual([1, 2, 4])
    expect(await eventsSelected(eventsWhere({ source: 'Direct' }), { source: 'Direct' })).toEqual([3, 5, 6])
  })

  it('combines a visit filter with a filter on the events themselves', async () => {
    const filters: Filters = { source: 'Google', page: '/docs' }
    expect(await eventsSelected(eventsWhere(filters), filters)).toEqual(expectedEvents((v) => v.source === 'Google', (e) => e.path === '/docs'))
    expect(await eventsSelected(eventsWhere(filters), filters)).toEqual([2, 4])
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
