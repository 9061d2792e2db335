import type { Db } from '../../db/client.ts'
import { filterParams, type AnswerSource } from '../dimensions.ts'
import { addDays, baseParams, rangeDays, type StatsQuery } from '../range.ts'
import { trafficSource, visitSource } from '../traffic.ts'
import { reachOf } from '../visit-pairs.ts'

export const TIMESERIES_METRICS = ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration'] as const
export type TimeseriesMetric = (typeof TIMESERIES_METRICS)[number]
export const INTERVALS = ['hour', 'day', 'week', 'month'] as const
export type Interval = (typeof INTERVALS)[number]

export interface TimeseriesResult {
  source: AnswerSource
  metric: TimeseriesMetric
  interval: Interval
  /** Every bucket of the range in the site's time zone (`YYYY-MM-DD HH:00` for hours, else the first day). */
  points: { bucket: string; value: number }[]
}

/** The bucket of a time column in the site's time zone, labelled as the bucket's start. */
const BUCKET: Record<Interval, (time: string) => string> = {
  hour: (t) => `formatDateTime(toStartOfHour(toTimeZone(${t}, {tz:String})), '%Y-%m-%d %H:00')`,
  day: (t) => `toString(toDate(${t}, {tz:String}))`,
  week: (t) => `toString(toMonday(toDate(${t}, {tz:String})))`,
  month: (t) => `toString(toStartOfMonth(toDate(${t}, {tz:String})))`,
}

/** Labels of every bucket between two days, so that empty buckets are reported as 0. */
export function bucketsOf(from: string, to: string, interval: Interval): string[] {
  const out = new Set<string>()
  // Counted in days, not by comparing labels: a label past year 9999 would never pass `to`.
  for (let i = 0, n = rangeDays(from, to); i < n; i++) {
    const day = addDays(from, i)
    if (interval === 'hour') for (let h = 0; h < 24; h++) out.add(`${day} ${String(h).padStart(2, '0')}:00`)
    else if (interval === 'day') out.add(day)
    else if (interval === 'month') out.add(`${day.slice(0, 7)}-01`)
    else {
      const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7
      out.add(addDays(day, -weekday))
    }
  }
  return [...out]
}

function sqlFor(q: StatsQuery, metric: TimeseriesMetric, interval: Interval): { query: string; source: AnswerSource } {
  const reach = reachOf(q, interval === 'hour')
  if (metric === 'visitors' || metric === 'pageviews') {
    const t = trafficSource(q.filters, undefined, true, reach)
    return {
      source: t.source,
      query: `SELECT ${BUCKET[interval](t.time)} AS bucket, toFloat64(${metric === 'visitors' ? t.visitors : t.pageviews}) AS value
              ${t.from} GROUP BY bucket`,
    }
  }
  const v = visitSource(q.filters, undefined, true, reach)
  const value = {
    visits: v.metrics.visits,
    bounce_rate: `${v.metrics.bounces} / ${v.metrics.visits}`,
    visit_duration: `${v.metrics.durationMs} / ${v.metrics.visits} / 1000`,
  }[metric]
  return { source: v.source, query: `SELECT ${BUCKET[interval](v.time)} AS bucket, toFloat64(${value}) AS value ${v.from} GROUP BY bucket` }
}

/**
 * One metric per hour, day, week or month over the range, with days cut in the site's time zone.
 * @example await timeseries(db, query, 'visitors', 'day')
 */
export async function timeseries(db: Db, q: StatsQuery, metric: TimeseriesMetric, interval: Interval): Promise<TimeseriesResult> {
  const { query, source } = sqlFor(q, metric, interval)
  const rs = await db.query({ query, query_params: { ...baseParams(q), ...filterParams(q.filters) }, format: 'JSONEachRow' })
  const values = new Map((await rs.json<{ bucket: string; value: number }>()).map((r) => [r.bucket, Number(r.value)]))
  const buckets = bucketsOf(q.from, q.to, interval)
  for (const b of values.keys()) if (!buckets.includes(b)) buckets.push(b)
  buckets.sort()
  return { source, metric, interval, points: buckets.map((bucket) => ({ bucket, value: values.get(bucket) ?? 0 })) }
}
