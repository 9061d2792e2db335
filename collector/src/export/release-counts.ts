import type { Db } from '../db/client.ts'
import { addDays } from '../stats/range.ts'
import { boundedDayCountsParams, boundedDayCountsQuery, countedDays, DAY_COUNTS_TABLE, dimensionsKey, UncountedDaysError, visitsKeptFrom } from './day-counts.ts'
import type { DatasetDimension } from './definition.ts'

/** The true, contribution-bounded counts of one group of a period, before any noise. */
export interface GroupCount {
  /** The group's values, in the order of the dataset's dimensions. */
  groups: string[]
  visitors: number
  pageviews: number
}

/**
 * Counts one period of a dataset, bounding what each visitor code contributes: per UTC day it counts
 * in one group only (that of its first visit that day), with the pageviews of that day's visits in
 * that group capped at PAGEVIEWS_PER_VISITOR_DAY. Visits in other groups that day are left out, so a
 * release may count a little less than the stats API. The days' counts the visits job stored are
 * added up; a day not stored yet is counted from its visits. Throws an UncountedDaysError when a day
 * has neither (its visits were gone when the dimensions were first counted), rather than count less.
 * @example await releaseCounts(db, 'example.com', ['country'], '2026-11-01', '2026-12-01')
 */
export async function releaseCounts(db: Db, site: string, dimensions: readonly DatasetDimension[], from: string, until: string, now = Date.now()): Promise<GroupCount[]> {
  const key = dimensionsKey(dimensions)
  const counted = await countedDays(db, site, key, from, until)
  const uncounted: string[] = []
  for (let day = from; day < until; day = addDays(day, 1)) if (!counted.has(day)) uncounted.push(day)
  if (uncounted.length) {
    const keptFrom = await visitsKeptFrom(db, now)
    const gone = keptFrom === undefined ? [] : uncounted.filter((d) => d < keptFrom)
    if (gone.length) throw new UncountedDaysError(gone, keptFrom!)
  }
  // Only the days found stored are read from the stored counts, so a day the job stores meanwhile is counted once.
  const parts = [
    ...(counted.size ? [`SELECT groups, visitors, pageviews FROM ${DAY_COUNTS_TABLE} FINAL
        WHERE site = {site:String} AND dimensions = {key:String} AND is_seal = 0 AND day IN {counted:Array(Date)} AND visitors > 0`] : []),
    ...(uncounted.length ? [`SELECT groups, visitors, pageviews FROM (${boundedDayCountsQuery(dimensions)})`] : []),
  ]
  if (!parts.length) return []
  const rs = await db.query({
    query: `SELECT groups, sum(visitors) AS visitors, sum(pageviews) AS pageviews
            FROM (${parts.join(' UNION ALL ')})
            GROUP BY groups
            ORDER BY groups`,
    query_params: { ...boundedDayCountsParams(site, uncounted), key, counted: [...counted] },
    format: 'JSONEachRow',
  })
  return (await rs.json<{ groups: string[]; visitors: string | number; pageviews: string | number }>()).map((r) => ({
    groups: r.groups, visitors: Number(r.visitors), pageviews: Number(r.pageviews),
  }))
}
