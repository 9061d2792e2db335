import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rows } from '../../../test/helpers/collector.ts'
import { openDb, type Db } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { rangeWhere, rollupSpan } from './dimensions.ts'
import { addDays } from './range.ts'
import { VISITORS_MERGED } from './visitors.ts'
import { migratedDataDir } from '../../../test/helpers/migrated-data-dir.ts'

const HOUR = 3_600_000
const SITE = 'example.com'
/** Six UTC days of traffic ending yesterday, one to four pageviews and a leave event in every hour. */
const lastDay = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
const firstDay = addDays(lastDay, -5)
const start = Date.parse(`${firstDay}T00:00:00Z`)

interface Ev {
  ts: number
  visitor: number
  path: string
}
const events: Ev[] = []
for (let h = 0; h < 6 * 24; h++) {
  for (let i = 0; i <= h % 4; i++) events.push({ ts: start + h * HOUR + i * 60_000, visitor: (h * 7 + i * 13) % 97, path: i % 2 ? '/docs' : '/' })
}

/** The local date of an instant in a time zone, as YYYY-MM-DD. */
const localDate = (ms: number, tz: string) => new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms)

/** Pageviews and visitors of the hours whose start falls on a local day of the range, computed here. */
function expected(tz: string, from: string, to: string) {
  const inRange = events.filter((e) => {
    const d = localDate(Math.floor(e.ts / HOUR) * HOUR, tz)
    return d >= from && d <= to
  })
  return { pageviews: inRange.length, visitors: new Set(inRange.map((e) => e.visitor)).size, leaves: inRange.length }
}

describe('a rollup read over a range of days (daily twin plus hours at the ends)', () => {
  let db: Db
  beforeAll(async () => {
    db = openDb({ dataDir: migratedDataDir() })
    await migrate(db)
    await db.insert({
      table: 'tellen.events_in',
      format: 'JSONEachRow',
      values: events.flatMap((e) => [
        { site: SITE, type: 'pageview', ts: e.ts, visitor: e.visitor, path: e.path },
        { site: SITE, type: 'leave', ts: e.ts, visitor: e.visitor, path: e.path, name: 'hidden' },
      ]),
    })
  }, 60_000)
  afterAll(() => db?.close())

  const ask = async (tz: string, from: string, to: string) => {
    const params = { site: SITE, tz, from, to }
    const [span] = await rows<{ pageviews: number; visitors: number }>(db, `SELECT sum(pageviews) AS pageviews, ${VISITORS_MERGED} AS visitors FROM ${rollupSpan('tellen.rollup_pages')}`, params)
    const [hourly] = await rows<{ pageviews: number; visitors: number }>(db, `SELECT sum(pageviews) AS pageviews, ${VISITORS_MERGED} AS visitors FROM tellen.rollup_pages WHERE ${rangeWhere('hour')}`, params)
    const [leaving] = await rows<{ leaves: number }>(db, `SELECT sum(leaves) AS leaves FROM ${rollupSpan('tellen.rollup_leaving', ` AND kind = 'hidden'`)}`, params)
    return { span: { pageviews: Number(span!.pageviews), visitors: Number(span!.visitors), leaves: Number(leaving!.leaves) }, hourly: { pageviews: Number(hourly!.pageviews), visitors: Number(hourly!.visitors) } }
  }

  const cases: [string, string, string][] = []
  for (const tz of ['UTC', 'Europe/Amsterdam', 'America/New_York', 'Asia/Kolkata', 'Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
    cases.push([tz, addDays(firstDay, 1), addDays(lastDay, -1)], [tz, firstDay, lastDay], [tz, addDays(firstDay, 2), addDays(firstDay, 2)], [tz, addDays(firstDay, 2), addDays(firstDay, 3)])
  }

  it.each(cases)('in %s from %s to %s counts the hours of those local days once', async (tz, from, to) => {
    const want = expected(tz, from, to)
    const got = await ask(tz, from, to)
    expect(got.span).toEqual(want)
    expect(got.hourly).toEqual({ pageviews: want.pageviews, visitors: want.visitors })
  })

  it('reads the whole UTC days of a range from the daily twin', async () => {
    const [daily] = await rows<{ days: number; pageviews: number }>(db, `SELECT count() AS days, sum(pageviews) AS pageviews FROM tellen.rollup_pages_daily FINAL WHERE path = '/'`)
    expect(Number(daily!.days)).toBe(6)
    // With the hourly table emptied, a UTC range is answered from the daily rows alone.
    const before = await ask('UTC', firstDay, lastDay)
    await db.command({ query: 'TRUNCATE TABLE tellen.rollup_pages' })
    const after = await ask('UTC', firstDay, lastDay)
    expect(after.span).toEqual(before.span)
    expect(after.hourly.pageviews).toBe(0)
  })

  it('refuses a table without a daily twin', () => {
    expect(() => rollupSpan('tellen.rollup_visits' as never)).toThrow(/no daily twin/)
  })
})
