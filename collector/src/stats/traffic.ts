import {
  eventColumn, eventsWhere, filterDims, rangeWhere, rollupSpan, rollupWhere, trafficRollupFor, visitColumn, visitsWhere, EDGE_HOURS, WHOLE_UTC_DAYS,
  type AnswerSource, type Dimension, type Filters,
} from './dimensions.ts'
import { LIVE_VISIT, VISIT_TOTAL_DIMENSIONS } from '../visits/sessionize.ts'
import { VISITORS_COUNTED, VISITORS_MERGED } from './visitors.ts'
import { PAIR_DAY_TIME, visitPairsFrom, type Reach } from './visit-pairs.ts'

/** SQL pieces that count pageviews and unique visitors, from the smallest table that can answer. */
export interface TrafficSource {
  source: AnswerSource
  /** `FROM ... WHERE ...` with the site, the range and the filters. */
  from: string
  /** The time column: an hour bucket in rollups, the event time in events, noon of a UTC day in pair totals. */
  time: string
  visitors: string
  pageviews: string
  /** The column of the grouping dimension, when one was asked for. */
  group?: string
}

/**
 * Picks where pageviews and visitors with `filters` (grouped by `by`) are counted: a pageview rollup
 * holding every dimension; else the pageviews of each visit per hour when no page is involved (they
 * carry their visit's country, technology, source and custom events, and fall in their own hour);
 * else the anonymised events. With `hourly`, a rollup is read from its hourly table alone, for
 * answers grouped by time; else whole UTC days come from its daily twin. A range that reaches past
 * the visits kept one by one (`reach`) reads, for a question no pageview rollup holds, the pair totals
 * of visits per day when they hold it; else what is kept of visits and events, with source `events`.
 */
export function trafficSource(filters: Filters, by?: Dimension, hourly = false, reach: Reach = 'kept'): TrafficSource {
  const dims = filterDims(filters)
  const rollup = trafficRollupFor(by ? [...dims, by] : dims)
  const pairs = reach === 'past' && by !== 'event' ? visitPairsFrom(filters, by) : undefined
  if (!rollup && pairs) {
    return { source: 'rollup', from: pairs.from, time: PAIR_DAY_TIME, visitors: VISITORS_MERGED, pageviews: 'sum(pageviews)', ...(pairs.group ? { group: pairs.group } : {}) }
  }
  if (rollup) {
    const where = rollupWhere(rollup, filters)
    return {
      source: 'rollup',
      from: hourly ? `FROM ${rollup.table} WHERE ${rangeWhere('hour')}${where}` : `FROM ${rollupSpan(rollup.table, where)}`,
      time: 'hour',
      visitors: VISITORS_MERGED,
      pageviews: 'sum(pageviews)',
      ...(by ? { group: rollup.columns[by]! } : {}),
    }
  }
  const byVisit = by ? visitColumn(by) : undefined
  if (!dims.includes('page') && by !== 'page' && (!by || byVisit)) {
    return {
      source: reach === 'kept' ? 'rollup' : 'events',
      from: visitPageviewsFrom(filters),
      time: 'hour',
      visitors: VISITORS_COUNTED,
      pageviews: 'sum(pageviews)',
      ...(byVisit ? { group: byVisit } : {}),
    }
  }
  const byEvent = by ? eventColumn(by) : undefined
  if (by && !byEvent) throw new Error(`${by} cannot be grouped on events`)
  return {
    source: 'events',
    from: `FROM tellen.events WHERE type = 'pageview' AND ${rangeWhere('ts')}${eventsWhere(filters)}`,
    time: 'ts',
    visitors: VISITORS_COUNTED,
    pageviews: 'count()',
    ...(byEvent ? { group: byEvent } : {}),
  }
}

/** SQL of the visit metrics on `tellen.rollup_visits`, which holds every filter dimension. */
export const VISIT_METRICS = {
  visits: 'count()',
  bounces: 'countIf(pageviews = 1 AND customs = 0)',
  visitPageviews: 'sum(pageviews)',
  durationMs: `sum(dateDiff('millisecond', start, end))`,
} as const

/** The visits in range that match the filters; a tombstone (a visit whose start moved, no page views) is skipped. */
export const visitsFrom = (filters: Filters) => `FROM tellen.rollup_visits FINAL WHERE ${rangeWhere('hour')} AND ${LIVE_VISIT}${visitsWhere(filters)}`

/**
 * The pageviews in range of the visits that match the filters, one row per visit and hour it has
 * pageviews in (sql/080), so each pageview counts in its own hour. The column is named with its
 * table, as in LIVE_VISIT: a select list's `sum(pageviews) AS pageviews` would be read in WHERE.
 */
export const visitPageviewsFrom = (filters: Filters) =>
  `FROM tellen.rollup_visit_pageviews FINAL WHERE ${rangeWhere('hour')} AND rollup_visit_pageviews.pageviews > 0${visitsWhere(filters)}`

/** SQL of the visit metrics on the pair totals of sql/120. */
const VISIT_PAIR_METRICS = {
  visits: 'sum(visits)',
  bounces: 'sum(bounces)',
  visitPageviews: 'sum(visit_pageviews)',
  durationMs: 'sum(duration_ms)',
} as const

/** SQL of the visit metrics on `tellen.rollup_visit_totals`, visit totals per hour. */
const VISIT_TOTAL_METRICS = {
  visits: 'sum(visits)',
  bounces: 'sum(bounces)',
  visitPageviews: 'sum(pageviews)',
  durationMs: 'sum(duration_ms)',
} as const

type VisitTotalDimension = keyof typeof VISIT_TOTAL_DIMENSIONS

/**
 * `FROM ... WHERE ...` the visit totals of one dimension ('' for all visits) over the range: whole UTC
 * days from the daily totals and the hours at either end from the hourly ones, or with `hourly` every
 * hour from the hourly totals (rows then keep their `hour`). Rows are read with FINAL, so the newest
 * version of a key counts, and rows of no visit (a value that is gone, sql/042) are left out after it.
 */
function visitTotalsFrom(dimension: VisitTotalDimension, hourly = false, value = false): string {
  if (!(dimension in VISIT_TOTAL_DIMENSIONS)) throw new Error(`visits are not totalled by ${dimension}`)
  const ofValue = value ? ` AND value = {f_${dimension}:String}` : ''
  const totals = `FROM tellen.rollup_visit_totals FINAL WHERE dimension = '${dimension}'${ofValue} AND `
  if (hourly) return `FROM (SELECT * ${totals}${rangeWhere('hour')}) AS totals WHERE totals.visits > 0`
  return `FROM (SELECT * EXCEPT (hour, version) ${totals}${EDGE_HOURS}
    UNION ALL SELECT * EXCEPT (day, version) FROM tellen.rollup_visit_totals_daily FINAL
      WHERE site = {site:String} AND day ${WHOLE_UTC_DAYS} AND dimension = '${dimension}'${ofValue}) AS totals WHERE totals.visits > 0`
}

/** Where visit metrics are counted, with the SQL of each metric there. */
export interface VisitSource {
  /** Aggregates, or what is kept of visits one by one (`events`: the event retention). */
  source: AnswerSource
  /** `FROM ... WHERE ...` with the site and the range. */
  from: string
  /** The time column of a row: `hour`, or noon of a UTC day in pair totals. */
  time: string
  metrics: Record<keyof typeof VISIT_METRICS, string>
  visitors: string
  /** The column of the grouping dimension, when one was asked for. */
  group?: string
  /**
   * For a grouped question: `from` narrowed to the values on one page of the answer sorted by visits
   * (`{limit}` and `{offset}` parameters), so that visitor states are merged for those values only.
   */
  page?: string
}

/**
 * Picks where visits are counted: without filters, the visit totals (overall, or by a dimension of a
 * visit); else every visit in `tellen.rollup_visits`, which holds every filter dimension. With
 * `hourly`, rows keep their `hour`, for answers grouped by time. A range that reaches past the visits
 * kept one by one (`reach`) reads the hourly totals for one filter on a dimension they hold, else the
 * pair totals per day when they hold the filters and `by`; else only the visits kept, with source `events`.
 */
export function visitSource(filters: Filters, by?: Dimension, hourly = false, reach: Reach = 'kept'): VisitSource {
  const total = (by ?? '') as VisitTotalDimension
  if (!filterDims(filters).length && total in VISIT_TOTAL_DIMENSIONS) {
    const from = visitTotalsFrom(total, hourly)
    return {
      source: 'rollup',
      time: 'hour',
      from,
      metrics: VISIT_TOTAL_METRICS,
      visitors: VISITORS_MERGED,
      ...(by
        ? {
            group: 'value',
            page: `${from} AND value IN (SELECT value ${from} GROUP BY value ORDER BY sum(visits) DESC, value LIMIT {limit:UInt32} OFFSET {offset:UInt32})`,
          }
        : {}),
    }
  }
  // Past the visits kept, one filter on a dimension the hourly totals hold is answered from them: by
  // the hour, and by the site's own days.
  const [only, ...more] = filterDims(filters)
  if (reach !== 'kept' && only && !more.length && (!by || by === only) && only in VISIT_TOTAL_DIMENSIONS) {
    return {
      source: 'rollup',
      time: 'hour',
      from: visitTotalsFrom(only as VisitTotalDimension, hourly, true),
      metrics: VISIT_TOTAL_METRICS,
      visitors: VISITORS_MERGED,
      ...(by ? { group: 'value' } : {}),
    }
  }
  const pairs = reach === 'past' ? visitPairsFrom(filters, by) : undefined
  if (pairs) return { source: 'rollup', time: PAIR_DAY_TIME, from: pairs.from, metrics: VISIT_PAIR_METRICS, visitors: VISITORS_MERGED, ...(pairs.group ? { group: pairs.group } : {}) }
  const group = by ? visitColumn(by) : undefined
  return {
    source: reach === 'kept' ? 'rollup' : 'events',
    time: 'hour',
    from: visitsFrom(filters),
    metrics: VISIT_METRICS,
    visitors: VISITORS_COUNTED,
    ...(group ? { group } : {}),
  }
}
