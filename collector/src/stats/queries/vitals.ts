import type { Db } from '../../db/client.ts'
import {
  eventsWhere, filterParams, onlyPageFilter, pageWhere, rangeWhere, rollupSpan, type AnswerSource, type Dimension, type Filters,
} from '../dimensions.ts'
import { baseParams, type StatsQuery } from '../range.ts'
import { ratingThreshold } from '../thresholds.ts'
import { visitDetailDimension, visitDetailFrom } from '../visit-details.ts'

export { THRESHOLDS } from '../thresholds.ts'

export interface VitalsRow {
  metric: string
  samples: number
  p50: number
  p75: number
  p95: number
  /** Samples rated by the Web Vitals thresholds (0 for ttfb-less metrics without thresholds: dcl, load). */
  good: number
  needs_improvement: number
  poor: number
}

export interface VitalsResult {
  source: AnswerSource
  metrics: VitalsRow[]
}

/** From the per-page rollup, or without a page filter from the site-wide one (far fewer states to merge). */
const fromRollup = (table: 'tellen.rollup_timings' | 'tellen.rollup_timings_site', where: string) => `
  SELECT metric, sum(samples) AS n, sum(good) AS g, sum(needs_improvement) AS ni, sum(poor) AS p,
         quantilesTDigestMerge(0.5, 0.75, 0.95)(quantiles) AS q
  FROM ${rollupSpan(table, where)}`

/** For one visit dimension (source, referrer, UTM tag, entry or exit page), from the timings the visits job keeps by it. */
const fromVisitDetails = (dimension: Dimension) => `
  SELECT metric, sum(samples) AS n, sum(good) AS g, sum(needs_improvement) AS ni, sum(poor) AS p,
         quantilesTDigestMerge(0.5, 0.75, 0.95)(quantiles) AS q
  ${visitDetailFrom('tellen.rollup_visit_timings', dimension, 'samples > 0')}`

const fromEvents = (where: string) => `
  SELECT toString(name) AS metric, count() AS n, countIf(value <= good) AS g, countIf(value > good AND value <= poor) AS ni,
         countIf(value > poor) AS p, quantilesTDigest(0.5, 0.75, 0.95)(value) AS q
  FROM (SELECT name, value, ${ratingThreshold(0)} AS good, ${ratingThreshold(1)} AS poor
        FROM tellen.events WHERE type = 'timing' AND ${rangeWhere('ts')}${where})`

/** The query that answers: a rollup by page, the timings by one visit dimension, or the events. */
function select(filters: Filters): { source: AnswerSource; sql: string } {
  if (onlyPageFilter(filters)) {
    const table = filters.page !== undefined ? 'tellen.rollup_timings' : 'tellen.rollup_timings_site'
    return { source: 'rollup', sql: fromRollup(table, pageWhere(filters)) }
  }
  const visitDimension = visitDetailDimension(filters)
  if (visitDimension) return { source: 'rollup', sql: fromVisitDetails(visitDimension) }
  return { source: 'events', sql: fromEvents(eventsWhere(filters)) }
}

/**
 * Page timings and Core Web Vitals over the range: quantiles and good / needs-improvement / poor counts
 * per metric (for one page with a page filter).
 */
export async function vitals(db: Db, q: StatsQuery): Promise<VitalsResult> {
  const { source, sql } = select(q.filters)
  const query = `${sql} GROUP BY metric ORDER BY metric`
  const rs = await db.query({ query, query_params: { ...baseParams(q), ...filterParams(q.filters) }, format: 'JSONEachRow' })
  const rows = await rs.json<{ metric: string; n: number; g: number; ni: number; p: number; q: number[] }>()
  return {
    source,
    metrics: rows.map((r) => ({
      metric: r.metric, samples: Number(r.n), p50: r.q[0] ?? 0, p75: r.q[1] ?? 0, p95: r.q[2] ?? 0,
      good: Number(r.g), needs_improvement: Number(r.ni), poor: Number(r.p),
    })),
  }
}
