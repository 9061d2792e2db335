import type { Db } from '../db/client.ts'
import { DATASET_COLUMNS, type DatasetDimension } from './definition.ts'
import { PAGEVIEWS_PER_VISITOR_DAY } from './mechanism.ts'

/** The true, contribution-bounded counts of one group of a period, before any noise. */
export interface GroupCount {
  /** The group's values, in the order of the dataset's dimensions. */
  groups: string[]
  visitors: number
  pageviews: number
}

/**
 * Counts one period of a dataset from the visits, bounding what each visitor code contributes: per
 * UTC day it counts in one group only (that of its first visit that day, ROWS_PER_VISITOR_DAY), with
 * the pageviews of that day's visits in that group capped at PAGEVIEWS_PER_VISITOR_DAY. Visits in
 * other groups that day are left out, so a release may count a little less than the stats API.
 * @example await releaseCounts(db, 'example.com', ['country'], '2026-11-01', '2026-12-01')
 */
export async function releaseCounts(db: Db, site: string, dimensions: readonly DatasetDimension[], from: string, until: string): Promise<GroupCount[]> {
  // Column names come from DATASET_COLUMNS only, never from a request.
  const groups = `[${dimensions.map((d) => `toString(${DATASET_COLUMNS[d]})`).join(', ')}]::Array(String)`
  const rs = await db.query({
    query: `SELECT groups, count() AS visitors, sum(least(day_pageviews, {cap:UInt64})) AS pageviews
            FROM (
              SELECT visitor, day, argMin(groups, first) AS groups, argMin(pageviews, first) AS day_pageviews
              FROM (
                SELECT visitor, toDate(hour) AS day, ${groups} AS groups, min(start) AS first, sum(pageviews) AS pageviews
                FROM tellen.rollup_visits FINAL
                WHERE site = {site:String} AND hour >= toDateTime({from:Date}, 'UTC') AND hour < toDateTime({until:Date}, 'UTC')
                GROUP BY visitor, day, groups
              )
              GROUP BY visitor, day
            )
            GROUP BY groups
            ORDER BY groups`,
    query_params: { site, from, until, cap: PAGEVIEWS_PER_VISITOR_DAY },
    format: 'JSONEachRow',
  })
  return (await rs.json<{ groups: string[]; visitors: string | number; pageviews: string | number }>()).map((r) => ({
    groups: r.groups, visitors: Number(r.visitors), pageviews: Number(r.pageviews),
  }))
}
