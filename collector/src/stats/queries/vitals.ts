import type { Db } from '../../db/client.ts'
import { eventsWhere, filterParams, onlyPageFilter, pageWhere, rangeWhere, rollupSpan, type AnswerSource } from '../dimensions.ts'
import { baseParams, type StatsQuery } from '../range.ts'

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

/** Web Vitals thresholds, the same as in the rollup view (sql/021): good up to the first, poor above the second. */
export const THRESHOLDS: Record<string, [number, number]> = {
  lcp: [2500, 4000], inp: [200, 500], cls: [0.1, 0.25], fcp: [1800, 3000], ttfb: [800, 1800],
}

/**
 * The good (0) or poor (1) threshold of each event's metric, NaN for metrics without thresholds (so
 * every comparison with it is false). A lookup on the metric name runs once per distinct name, not per
 * event, and the comparisons that follow are plain: the same ratings as the rollup view's nested
 * conditions, for far less work over millions of timing events.
 */
const threshold = (i: 0 | 1) => {
  const metrics = Object.keys(THRESHOLDS)
  return `transform(name, [${metrics.map((m) => `'${m}'`).join(', ')}], CAST([${metrics.map((m) => THRESHOLDS[m]![i]).join(', ')}], 'Array(Float64)'), nan)`
}

/** From the per-page rollup, or without a page filter from the site-wide one (far fewer states to merge). */
const fromRollup = (table: 'tellen.rollup_timings' | 'tellen.rollup_timings_site', where: string) => `
  SELECT metric, sum(samples) AS n, sum(good) AS g, sum(needs_improvement) AS ni, sum(poor) AS p,
         quantilesTDigestMerge(0.5, 0.75, 0.95)(quantiles) AS q
  FROM ${rollupSpan(table, where)}`

const fromEvents = (where: string) => `
  SELECT toString(name) AS metric, count() AS n, countIf(value <= good) AS g, countIf(value > good AND value <= poor) AS ni,
         countIf(value > poor) AS p, quantilesTDigest(0.5, 0.75, 0.95)(value) AS q
  FROM (SELECT name, value, ${threshold(0)} AS good, ${threshold(1)} AS poor
        FROM tellen.events WHERE type = 'timing' AND ${rangeWhere('ts')}${where})`

/**
 * Page timings and Core Web Vitals over the range: quantiles and good / needs-improvement / poor counts
 * per metric (for one page with a page filter).
 */
export async function vitals(db: Db, q: StatsQuery): Promise<VitalsResult> {
  const rollup = onlyPageFilter(q.filters)
  const perPage = q.filters.page !== undefined
  const query = `${rollup ? fromRollup(perPage ? 'tellen.rollup_timings' : 'tellen.rollup_timings_site', pageWhere(q.filters)) : fromEvents(eventsWhere(q.filters))} GROUP BY metric ORDER BY metric`
  const rs = await db.query({ query, query_params: { ...baseParams(q), ...filterParams(q.filters) }, format: 'JSONEachRow' })
  const rows = await rs.json<{ metric: string; n: number; g: number; ni: number; p: number; q: number[] }>()
  return {
    source: rollup ? 'rollup' : 'events',
    metrics: rows.map((r) => ({
      metric: r.metric, samples: Number(r.n), p50: r.q[0] ?? 0, p75: r.q[1] ?? 0, p95: r.q[2] ?? 0,
      good: Number(r.g), needs_improvement: Number(r.ni), poor: Number(r.p),
    })),
  }
}
