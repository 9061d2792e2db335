/** Number, share and duration formats of the dashboard: `1.2k`, `34%`, `1m 20s`. */

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 })
const whole = new Intl.NumberFormat('en')

/**
 * A count for a card or a row: exact below 1,000, else compact.
 * @example formatCount(1234) // '1.2k'
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–'
  if (Math.abs(n) < 1000) return whole.format(Math.round(n * 10) / 10)
  return compact.format(n).replace('K', 'k')
}

/** A count with every digit, for titles and tables read by screen readers: `12,345`. */
export const formatExact = (n: number) => whole.format(n)

/**
 * A share between 0 and 1 as a percentage, with one decimal under 10%.
 * @example formatShare(0.342) // '34%'
 */
export function formatShare(share: number): string {
  if (!Number.isFinite(share)) return '–'
  const pct = share * 100
  if (pct !== 0 && Math.abs(pct) < 10) return `${Math.round(pct * 10) / 10}%`
  return `${Math.round(pct)}%`
}

/**
 * A duration in seconds: `45s`, `1m 20s`, `2h 5m`.
 * @example formatDuration(80) // '1m 20s'
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s / 60}m`
  const minutes = Math.floor((s % 3600) / 60)
  return minutes ? `${Math.floor(s / 3600)}h ${minutes}m` : `${Math.floor(s / 3600)}h`
}

/**
 * A time in milliseconds for Web Vitals: `850 ms`, `2.4 s`.
 * @example formatMs(2430) // '2.4 s'
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–'
  if (ms < 1000) return `${Math.round(ms)} ms`
  return `${(Math.round(ms / 100) / 10).toFixed(1)} s`
}

/** The metrics of the overview and the time series. */
export type Metric = 'visitors' | 'visits' | 'pageviews' | 'pages_per_visit' | 'bounce_rate' | 'visit_duration'

/** Formats a value of a metric the way its card shows it. */
export function formatMetric(metric: Metric, value: number): string {
  if (metric === 'bounce_rate') return formatShare(value)
  if (metric === 'visit_duration') return formatDuration(value)
  if (metric === 'pages_per_visit') return Number.isFinite(value) ? (Math.round(value * 100) / 100).toString() : '–'
  return formatCount(value)
}

/** How a metric changed against the previous period. */
export interface Change {
  /** Text such as `+12%`, `−3%`, `new` or `0%`. */
  text: string
  direction: 'up' | 'down' | 'flat'
  /** Whether the change is good for the site (a lower bounce rate is). */
  good: boolean | undefined
}

/**
 * The change of a metric against the previous period, as a relative percentage (for a bounce rate,
 * in percentage points).
 * @example compareMetric('visitors', 120, 100) // { text: '+20%', direction: 'up', good: true }
 */
export function compareMetric(metric: Metric, current: number, previous: number): Change {
  const lowerIsBetter = metric === 'bounce_rate'
  let delta: number
  let text: string
  if (metric === 'bounce_rate') {
    delta = Math.round((current - previous) * 100)
    text = `${delta > 0 ? '+' : delta < 0 ? '−' : ''}${Math.abs(delta)} pp`
  } else if (previous === 0) {
    if (current === 0) return { text: '0%', direction: 'flat', good: undefined }
    return { text: 'new', direction: 'up', good: true }
  } else {
    delta = Math.round(((current - previous) / previous) * 100)
    text = `${delta > 0 ? '+' : delta < 0 ? '−' : ''}${Math.abs(delta)}%`
  }
  const direction = delta > 0 ? 'up' : delta < 0 ? 'down' : 'flat'
  const good = direction === 'flat' ? undefined : (direction === 'up') !== lowerIsBetter
  return { text, direction, good }
}
