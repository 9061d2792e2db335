import type { Db } from '../../db/client.ts'
import { filterParams, type AnswerSource } from '../dimensions.ts'
import { baseParams, previousPeriod, type StatsQuery } from '../range.ts'
import { honoured, type HonouredResult } from './honoured.ts'
import { trafficSource, visitSource } from '../traffic.ts'
import { reachOf } from '../visit-pairs.ts'

export interface OverviewMetrics {
  visitors: number
  visits: number
  pageviews: number
  /** Pageviews per visit. */
  pages_per_visit: number
  /** Share of visits with one pageview and no custom event, 0 to 1. */
  bounce_rate: number
  /** Mean visit duration in seconds. */
  visit_duration: number
}

export interface OverviewResult {
  source: AnswerSource
  current: OverviewMetrics
  previous: OverviewMetrics
  /** Requests not tracked in the range because of DNT or GPC (no filter applies: nothing else of them is kept). */
  honoured: HonouredResult
}

async function metrics(db: Db, q: StatsQuery): Promise<{ source: AnswerSource; metrics: OverviewMetrics }> {
  const traffic = trafficSource(q.filters, undefined, false, reachOf(q))
  const v = visitSource(q.filters, undefined, false, reachOf(q))
  const query = `
    SELECT t.visitors AS visitors, t.pageviews AS pageviews, v.visits AS visits, v.bounces AS bounces,
           v.visit_pageviews AS visit_pageviews, v.duration_ms AS duration_ms
    FROM (SELECT ${traffic.visitors} AS visitors, ${traffic.pageviews} AS pageviews ${traffic.from}) AS t
    CROSS JOIN (SELECT ${v.metrics.visits} AS visits, ${v.metrics.bounces} AS bounces,
                       ${v.metrics.visitPageviews} AS visit_pageviews, ${v.metrics.durationMs} AS duration_ms
                ${v.from}) AS v`
  const rs = await db.query({ query, query_params: { ...baseParams(q), ...filterParams(q.filters) }, format: 'JSONEachRow' })
  const [r] = await rs.json<{ visitors: number; pageviews: number; visits: number; bounces: number; visit_pageviews: number; duration_ms: number }>()
  const visits = Number(r?.visits ?? 0)
  return {
    source: traffic.source === 'events' || v.source === 'events' ? 'events' : 'rollup',
    metrics: {
      visitors: Number(r?.visitors ?? 0),
      visits,
      pageviews: Number(r?.pageviews ?? 0),
      pages_per_visit: visits ? Number(r!.visit_pageviews) / visits : 0,
      bounce_rate: visits ? Number(r!.bounces) / visits : 0,
      visit_duration: visits ? Number(r!.duration_ms) / visits / 1000 : 0,
    },
  }
}

/**
 * Visitors, visits, pageviews, pages per visit, bounce rate and visit duration for the range and for
 * the period of equal length before it.
 * @example await overview(db, { site: 'example.com', tz: 'UTC', from: '2026-01-01', to: '2026-01-31', filters: {} })
 */
export async function overview(db: Db, q: StatsQuery): Promise<OverviewResult> {
  const [current, previous, honouredCounts] = await Promise.all([metrics(db, q), metrics(db, previousPeriod(q)), honoured(db, q)])
  return { source: current.source, current: current.metrics, previous: previous.metrics, honoured: honouredCounts }
}
