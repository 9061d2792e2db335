import {
  eventColumn, eventsWhere, filterDims, rangeWhere, rollupSpan, rollupWhere, trafficRollupFor, visitColumn, visitsWhere,
  type AnswerSource, type Dimension, type Filters,
} from './dimensions.ts'
import { VISITORS_COUNTED, VISITORS_MERGED } from './visitors.ts'

/** SQL pieces that count pageviews and unique visitors, from the smallest table that can answer. */
export interface TrafficSource {
  source: AnswerSource
  /** `FROM ... WHERE ...` with the site, the range and the filters. */
  from: string
  /** The time column: an hour bucket in rollups, the event time in events. */
  time: 'hour' | 'ts'
  visitors: string
  pageviews: string
  /** The column of the grouping dimension, when one was asked for. */
  group?: string
}

/**
 * Picks where pageviews and visitors with `filters` (grouped by `by`) are counted: a pageview rollup
 * holding every dimension; else the visits rollup when no page is involved (a visit's pageviews and
 * visitor carry its country, technology and source); else the anonymised events. With `hourly`, a
 * rollup is read from its hourly table alone, for answers grouped by time; else whole UTC days come
 * from its daily twin.
 */
export function trafficSource(filters: Filters, by?: Dimension, hourly = false): TrafficSource {
  const dims = filterDims(filters)
  const rollup = trafficRollupFor(by ? [...dims, by] : dims)
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
      source: 'rollup',
      from: `FROM tellen.rollup_visits FINAL WHERE ${rangeWhere('hour')}${visitsWhere(filters)}`,
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

export const visitsFrom = (filters: Filters) => `FROM tellen.rollup_visits FINAL WHERE ${rangeWhere('hour')}${visitsWhere(filters)}`
