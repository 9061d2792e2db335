import { randomUUID } from 'node:crypto'
import type { Db } from '../db/client.ts'
import { addDays } from '../stats/range.ts'
import { createDatasetStore } from './datasets.ts'
import { boundedDayCountsParams, boundedDayCountsQuery, countedDays, DAY_COUNTS_TABLE, dimensionsKey, visitsKeptFrom } from './day-counts.ts'
import type { DatasetDimension } from './definition.ts'
import { releasableAt } from './periods.ts'

/**
 * Writes the counts of the days `{days}` and a seal for each, in one insert: a reader that finds a
 * day's seal finds its rows, and a day without visits is counted (as nothing) too.
 */
const writeDays = (dimensions: readonly DatasetDimension[]) => `
INSERT INTO ${DAY_COUNTS_TABLE} (site, dimensions, day, is_seal, groups, visitors, pageviews, version)
SELECT {site:String}, {key:String}, day, 0, groups, visitors, pageviews, {version:UInt64} FROM (${boundedDayCountsQuery(dimensions)})
UNION ALL
SELECT {site:String}, {key:String}, arrayJoin({days:Array(Date)}) AS day, 1, CAST([], 'Array(String)'), 0, 0, {version:UInt64}`

/** The first day of a site's visits, when visits are kept without end. */
async function firstVisitDay(db: Db, site: string): Promise<string | undefined> {
  const rs = await db.query({
    query: `SELECT toString(min(toDate(hour))) AS day, count() AS n FROM tellen.rollup_visits WHERE site = {site:String}`,
    query_params: { site },
    format: 'JSONEachRow',
  })
  const [row] = await rs.json<{ day: string; n: string | number }>()
  return Number(row?.n ?? 0) > 0 ? row!.day : undefined
}

/**
 * For every defined dataset, stores the contribution-bounded counts of each closed UTC day (one a
 * daily release may take: late events can no longer change it) whose visits are still kept and whose
 * counts are not stored yet, so a period is released exactly once its visits are gone. A dataset's
 * dimensions so get every day still kept when it is defined. Returns how many days it stored.
 * @example await countClosedDays(db) // in a pass of the visits job
 */
export async function countClosedDays(db: Db, now = Date.now()): Promise<number> {
  const datasets = await createDatasetStore(db, 0).list()
  if (!datasets.length) return 0
  const keptFrom = await visitsKeptFrom(db, now)
  let stored = 0
  const seen = new Set<string>()
  for (const { site, dimensions } of datasets) {
    const key = dimensionsKey(dimensions)
    if (seen.has(`${site}\n${key}`)) continue
    seen.add(`${site}\n${key}`)
    const first = keptFrom ?? (await firstVisitDay(db, site))
    if (first === undefined) continue
    const closed: string[] = []
    for (let day = first; releasableAt(day, 'day') <= now; day = addDays(day, 1)) closed.push(day)
    if (!closed.length) continue
    const counted = await countedDays(db, site, key, closed[0]!, addDays(closed[closed.length - 1]!, 1))
    const days = closed.filter((d) => !counted.has(d))
    if (!days.length) continue
    await db.command({
      query: writeDays(dimensions),
      query_params: { ...boundedDayCountsParams(site, days), key, version: now },
      // A token of its own: the embedded engine's session may still hold the last insert's token.
      clickhouse_settings: { insert_deduplication_token: randomUUID() },
    })
    stored += days.length
  }
  return stored
}
