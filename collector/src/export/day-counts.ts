import type { Db } from '../db/client.ts'
import { dataTableOf } from '../db/cluster.ts'
import { ttlDays, ttlOf } from '../privacy/retention.ts'
import { addDays } from '../stats/range.ts'
import { DATASET_COLUMNS, type DatasetDimension } from './definition.ts'
import { PAGEVIEWS_PER_VISITOR_DAY } from './mechanism.ts'

/**
 * The dataset counts per UTC day (sql/150): each group's contribution-bounded visitors and pageviews
 * of one day, for a site and a set of dimensions. A visitor code lives one UTC day, so the counts of a
 * period are the sum of its days', and they outlive the visits they are counted from.
 */
export const DAY_COUNTS_TABLE = 'tellen.rollup_export_counts_daily'

/**
 * The key of a set of dataset dimensions in the day counts: their names in the dataset's order (the
 * order of the values in a group), so datasets with the same dimensions share their days.
 * @example dimensionsKey(['country', 'device']) // 'country,device'
 */
export const dimensionsKey = (dimensions: readonly DatasetDimension[]) => dimensions.join(',')

/**
 * The contribution-bounded counts of the UTC days `{days:Array(Date)}` of site `{site:String}` from
 * `tellen.rollup_visits`, one row per day and group (`day`, `groups`, `visitors`, `pageviews`): each
 * visitor code counts per day in one group only, that of its first visit that day, with that day's
 * pageviews in the group capped at `{cap:UInt64}` (PAGEVIEWS_PER_VISITOR_DAY).
 */
export function boundedDayCountsQuery(dimensions: readonly DatasetDimension[]): string {
  // Column names come from DATASET_COLUMNS only, never from a request.
  const groups = `[${dimensions.map((d) => `toString(${DATASET_COLUMNS[d]})`).join(', ')}]::Array(String)`
  return `SELECT day, groups, count() AS visitors, sum(least(day_pageviews, {cap:UInt64})) AS pageviews
    FROM (
      SELECT visitor, day, argMin(groups, first) AS groups, argMin(pageviews, first) AS day_pageviews
      FROM (
        SELECT visitor, toDate(hour) AS day, ${groups} AS groups, min(start) AS first, sum(pageviews) AS pageviews
        FROM tellen.rollup_visits FINAL
        WHERE site = {site:String} AND toDate(hour) IN {days:Array(Date)}
        GROUP BY visitor, day, groups
      )
      GROUP BY visitor, day
    )
    GROUP BY day, groups`
}

/** The query parameters of `boundedDayCountsQuery`. */
export const boundedDayCountsParams = (site: string, days: readonly string[]) => ({ site, days, cap: PAGEVIEWS_PER_VISITOR_DAY })

/**
 * The days from `from` to before `until` whose counts of a site's dimensions are stored (they have a seal).
 * @example await countedDays(db, 'example.com', 'country', '2026-11-01', '2026-12-01')
 */
export async function countedDays(db: Db, site: string, key: string, from: string, until: string): Promise<Set<string>> {
  const rs = await db.query({
    query: `SELECT DISTINCT toString(day) AS counted FROM ${DAY_COUNTS_TABLE}
            WHERE site = {site:String} AND dimensions = {key:String} AND is_seal = 1 AND day >= {from:Date} AND day < {until:Date}`,
    query_params: { site, key, from, until },
    format: 'JSONEachRow',
  })
  return new Set((await rs.json<{ counted: string }>()).map((r) => r.counted))
}

/**
 * The first UTC day whose visits `tellen.rollup_visits` still holds whole at `now` (ms), by the TTL
 * the event retention gave it (applyRetention): a day's first hour goes once it is that many days old.
 * Undefined when visits are kept without end.
 * @example await visitsKeptFrom(db, Date.parse('2026-12-07T10:00:00Z')) // '2026-11-08' under a TTL of 30 days
 */
export async function visitsKeptFrom(db: Db, now: number): Promise<string | undefined> {
  const rs = await db.query({
    query: `SELECT name, engine_full FROM system.tables WHERE database = 'tellen' AND engine LIKE '%MergeTree'`,
    format: 'JSONEachRow',
  })
  const visits = (await rs.json<{ name: string; engine_full: string }>()).find((t) => dataTableOf(t.name) === 'rollup_visits')
  const days = visits && ttlDays(ttlOf(visits.engine_full), 'hour')
  if (days === undefined) return undefined
  return addDays(new Date(now).toISOString().slice(0, 10), 1 - days)
}

/** Thrown when days of a period have neither stored counts nor visits: the counts of the period cannot be told. */
export class UncountedDaysError extends Error {
  override name = 'UncountedDaysError'
  constructor(
    readonly days: readonly string[],
    readonly keptFrom: string,
  ) {
    const span = days.length === 1 ? days[0] : `${days[0]} to ${days[days.length - 1]}`
    super(
      `the visits of ${span} are no longer kept (the event retention, TELLEN_EVENTS_RETENTION_DAYS, keeps them from ${keptFrom}) and no counts of ` +
        `${days.length === 1 ? 'that day' : 'those days'} were stored for these dimensions: a dataset counts the days still kept when it is defined, not earlier ones`,
    )
  }
}
