import { randomUUID } from 'node:crypto'
import type { Db } from '../db/client.ts'
import { addDays } from '../stats/range.ts'
import { createDatasetStore } from './datasets.ts'
import { boundedDayCountsParams, boundedDayCountsQuery, DAY_COUNTS_TABLE, dimensionsKey, visitsKeptFrom } from './day-counts.ts'
import type { DatasetDimension } from './definition.ts'

/**
 * Writes the counts of the days `{days}` under `{version}` and a seal for each, in one insert, with a
 * zero row under `{zero}` for every group those days had: a group the visits no longer have then
 * counts nothing (readers skip rows without visitors). A reader that finds a day's seal finds its
 * rows, and a day without visits is counted (as nothing) too.
 */
const writeDays = (dimensions: readonly DatasetDimension[]) => `
INSERT INTO ${DAY_COUNTS_TABLE} (site, dimensions, day, is_seal, groups, visitors, pageviews, version)
SELECT {site:String}, {key:String}, day, toUInt8(0), groups, toUInt64(0), toUInt64(0), {zero:UInt64} FROM ${DAY_COUNTS_TABLE} FINAL
WHERE site = {site:String} AND dimensions = {key:String} AND is_seal = 0 AND day IN {days:Array(Date)}
UNION ALL
SELECT {site:String}, {key:String}, day, toUInt8(0), groups, toUInt64(visitors), toUInt64(pageviews), {version:UInt64} FROM (${boundedDayCountsQuery(dimensions)})
UNION ALL
SELECT {site:String}, {key:String}, arrayJoin({days:Array(Date)}) AS day, toUInt8(1), CAST([], 'Array(String)'), toUInt64(0), toUInt64(0), {version:UInt64}`

/** Per day from `{from}` to `{to}`, the version of the visits job's last rewrite of the site's visits of that day (their totals, sql/042). */
const VISITS_VERSIONS = `SELECT toString(day) AS of, max(version) AS version FROM tellen.rollup_visit_totals_daily
  WHERE site = {site:String} AND day >= {from:Date} AND day <= {to:Date} GROUP BY day`

/** Per day from `{from}` to `{to}`, the version of the stored counts of the site's dimensions `{key}`. */
const COUNTS_VERSIONS = `SELECT toString(day) AS of, max(version) AS version FROM ${DAY_COUNTS_TABLE}
  WHERE site = {site:String} AND dimensions = {key:String} AND is_seal = 1 AND day >= {from:Date} AND day <= {to:Date} GROUP BY day`

async function versions(db: Db, query: string, params: Record<string, unknown>): Promise<Map<string, number>> {
  const rs = await db.query({ query, query_params: params, format: 'JSONEachRow' })
  return new Map((await rs.json<{ of: string; version: string | number }>()).map((r) => [r.of, Number(r.version)]))
}

/** The first day of a site's visits, when visits are kept without end. */
async function firstVisitDay(db: Db, site: string): Promise<string | undefined> {
  const rs = await db.query({
    query: `SELECT toString(min(toDate(hour))) AS first, count() AS n FROM tellen.rollup_visits WHERE site = {site:String}`,
    query_params: { site },
    format: 'JSONEachRow',
  })
  const [row] = await rs.json<{ first: string; n: string | number }>()
  return Number(row?.n ?? 0) > 0 ? row!.first : undefined
}

/**
 * For every defined dataset, stores the contribution-bounded counts of each ended UTC day whose
 * visits are still kept, when they are not stored yet or the visits job rewrote the day's visits
 * since (late events): a day is so stored before its visits go, even under the shortest event
 * retention, and a release of a period adds up its days' counts. A dataset's dimensions so get
 * every day still kept when it is defined. Returns how many days it wrote.
 * @example await storeDayCounts(db) // in a pass of the visits job
 */
export async function storeDayCounts(db: Db, now = Date.now()): Promise<number> {
  const datasets = await createDatasetStore(db, 0).list()
  if (!datasets.length) return 0
  const keptFrom = await visitsKeptFrom(db, now)
  const lastEnded = addDays(new Date(now).toISOString().slice(0, 10), -1)
  let written = 0
  const seen = new Set<string>()
  for (const { site, dimensions } of datasets) {
    const key = dimensionsKey(dimensions)
    if (seen.has(`${site}\n${key}`)) continue
    seen.add(`${site}\n${key}`)
    const from = keptFrom ?? (await firstVisitDay(db, site))
    if (from === undefined || from > lastEnded) continue
    const range = { site, key, from, to: lastEnded }
    const visits = await versions(db, VISITS_VERSIONS, range)
    const counts = await versions(db, COUNTS_VERSIONS, range)
    const days: string[] = []
    for (let day = from; day <= lastEnded; day = addDays(day, 1)) {
      const counted = counts.get(day)
      if (counted === undefined || counted < (visits.get(day) ?? 0)) days.push(day)
    }
    if (!days.length) continue
    const version = Date.now()
    await db.command({
      query: writeDays(dimensions),
      query_params: { ...boundedDayCountsParams(site, days), key, version, zero: version - 1 },
      // A token of its own: the embedded engine's session may still hold the last insert's token.
      clickhouse_settings: { insert_deduplication_token: randomUUID() },
    })
    written += days.length
  }
  return written
}
