import { pairKey, type PairDimension } from '../visits/pairs.ts'
import { filterDims, type Dimension, type Filters } from './dimensions.ts'
import type { StatsQuery } from './range.ts'

/**
 * Whether a range reaches back past the visits still kept one by one (`StatsQuery.visitsKeptFrom`,
 * the event retention), and if it does, whether its answer is by hour: the pair totals that answer
 * for older visits are kept per UTC day.
 */
export type Reach = 'kept' | 'past' | 'past-hourly'

/**
 * The reach of a question's range.
 * @example reachOf({ ...q, from: '2026-01-01', visitsKeptFrom: '2026-11-08' }) // 'past'
 */
export function reachOf(q: Pick<StatsQuery, 'from' | 'visitsKeptFrom'>, hourly = false): Reach {
  if (q.visitsKeptFrom === undefined || q.from >= q.visitsKeptFrom) return 'kept'
  return hourly ? 'past-hourly' : 'past'
}

/**
 * The time of a row of pair totals: a UTC day counts on the day of the site's time zone that holds
 * its noon. For a site in UTC that is the day itself; elsewhere the visits of the hours a local
 * midnight cuts from the UTC day count on one side of it.
 */
export const PAIR_DAY_TIME = `(toDateTime(day, 'UTC') + INTERVAL 12 HOUR)`

/** Pair totals for some filters (and a grouping dimension), as a source of visit and pageview metrics. */
export interface PairSource {
  /** `FROM ...` the live rows of the range (site, range and filter values). */
  from: string
  /** The column of the grouping dimension, when one was asked for. */
  group?: string
}

/**
 * `FROM ...` the pair totals (sql/120) that answer for the filters and `by` together, or undefined
 * when they name more than two dimensions. Rows are read with FINAL, and those of no visit (a key
 * that is gone from a recomputed day) are left out after it.
 * @example `SELECT sum(visits) ${visitPairsFrom({ source: 'Google' }, 'country')!.from} GROUP BY value_a`
 */
export function visitPairsFrom(filters: Filters, by?: Dimension): PairSource | undefined {
  const dims = filterDims(filters) as PairDimension[]
  const key = pairKey(by ? [...dims, by as PairDimension] : dims)
  if (!key) return undefined
  const column = (d: Dimension) => (key.a === d ? 'value_a' : 'value_b')
  const values = dims.map((d) => ` AND ${column(d)} = {f_${d}:String}`).join('')
  return {
    from: `FROM (SELECT * FROM tellen.rollup_visit_pairs_daily FINAL
      WHERE site = {site:String} AND dimension_a = '${key.a}' AND dimension_b = '${key.b}'${values}
        AND day BETWEEN {from:Date} - 1 AND {to:Date} + 1) AS pairs
    WHERE pairs.visits > 0 AND toDate(${PAIR_DAY_TIME}, {tz:String}) BETWEEN {from:Date} AND {to:Date}`,
    ...(by ? { group: column(by) } : {}),
  }
}
