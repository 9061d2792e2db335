import type { OverviewMetrics } from '../types.ts'

/** One metric's hourly points, as `GET /timeseries?interval=hour` answers them. */
export type HourlyPoints = { bucket: string; value: number }[]

export interface HourlySeries {
  visitors: HourlyPoints
  visits: HourlyPoints
  pageviews: HourlyPoints
  bounce_rate: HourlyPoints
  visit_duration: HourlyPoints
}

/**
 * A day's metrics from its hourly series, counting only the hours up to `untilHour` (`HH:00`): a
 * partial today and the same hours of yesterday, summed the same way, compare like with like.
 * Visitors are summed by the hour (one who came back in another hour counts again), on both days alike.
 * @example hoursOf(series, '2026-01-02', '14:00').visits
 */
export function hoursOf(series: HourlySeries, day: string, untilHour: string): OverviewMetrics {
  const within = (p: { bucket: string }) => p.bucket.startsWith(`${day} `) && p.bucket.slice(11) <= untilHour
  const sum = (points: HourlyPoints) => points.filter(within).reduce((n, p) => n + p.value, 0)
  const visitsByHour = new Map(series.visits.filter(within).map((p) => [p.bucket, p.value]))
  const weighted = (points: HourlyPoints) => points.filter(within).reduce((n, p) => n + p.value * (visitsByHour.get(p.bucket) ?? 0), 0)
  const visits = sum(series.visits)
  const pageviews = sum(series.pageviews)
  return {
    visitors: sum(series.visitors),
    visits,
    pageviews,
    pages_per_visit: visits ? pageviews / visits : 0,
    bounce_rate: visits ? weighted(series.bounce_rate) / visits : 0,
    visit_duration: visits ? weighted(series.visit_duration) / visits : 0,
  }
}
