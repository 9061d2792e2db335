import { INTERVALS, isDay, PERIODS, type Interval, type Period } from './period.ts'

/** Dimensions a breakdown groups by and a filter selects, as the stats API names them. */
export const DIMENSIONS = [
  'page', 'entry_page', 'exit_page', 'source', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign',
  'country', 'browser', 'browser_version', 'os', 'os_version', 'device', 'screen', 'timezone', 'language', 'event',
] as const
export type Dimension = (typeof DIMENSIONS)[number]
export type Filters = Partial<Record<Dimension, string>>

export const DIMENSION_LABELS: Record<Dimension, string> = {
  page: 'Page',
  entry_page: 'Entry page',
  exit_page: 'Exit page',
  source: 'Source',
  referrer: 'Referrer',
  utm_source: 'UTM source',
  utm_medium: 'UTM medium',
  utm_campaign: 'UTM campaign',
  country: 'Country',
  browser: 'Browser',
  browser_version: 'Browser version',
  os: 'Operating system',
  os_version: 'OS version',
  device: 'Device',
  screen: 'Screen',
  timezone: 'Time zone',
  language: 'Language',
  event: 'Custom event',
}

export const SERIES_METRICS = ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration'] as const
export type SeriesMetric = (typeof SERIES_METRICS)[number]

/** Everything that decides what the dashboard shows; it lives in the URL query so a view can be shared. */
export interface ViewState {
  site: string | undefined
  period: Period
  /** The days of a custom period. */
  from: string | undefined
  to: string | undefined
  metric: SeriesMetric
  /** The chart's interval; undefined picks the one that suits the range. */
  interval: Interval | undefined
  filters: Filters
  /** The page whose clicks and mouse movement are shown. */
  heatmap: string | undefined
  /** Whether the chart also draws the previous period. */
  compare: boolean
}

const oneOf = <T extends string>(list: readonly T[], v: string | null): T | undefined =>
  v !== null && (list as readonly string[]).includes(v) ? (v as T) : undefined

/**
 * Reads the view from a URL query; unknown or malformed values fall back to the defaults.
 * @example parseState('?site=example.com&period=7d&country=NL')
 */
export function parseState(search: string): ViewState {
  const q = new URLSearchParams(search)
  const filters: Filters = {}
  for (const d of DIMENSIONS) {
    const v = q.get(d)
    if (v !== null && v !== '') filters[d] = v
  }
  const from = q.get('from')
  const to = q.get('to')
  return {
    site: q.get('site') || undefined,
    period: oneOf(PERIODS, q.get('period')) ?? '30d',
    from: isDay(from) ? from : undefined,
    to: isDay(to) ? to : undefined,
    metric: oneOf(SERIES_METRICS, q.get('metric')) ?? 'visitors',
    interval: oneOf(INTERVALS, q.get('interval')),
    filters,
    heatmap: q.get('heatmap') || undefined,
    compare: q.get('compare') === '1',
  }
}

/** Writes the view as a URL query, leaving out what is at its default. */
export function stateQuery(s: ViewState): string {
  const q = new URLSearchParams()
  if (s.site) q.set('site', s.site)
  if (s.period !== '30d') q.set('period', s.period)
  if (s.period === 'custom') {
    if (s.from) q.set('from', s.from)
    if (s.to) q.set('to', s.to)
  }
  if (s.metric !== 'visitors') q.set('metric', s.metric)
  if (s.interval) q.set('interval', s.interval)
  if (s.compare) q.set('compare', '1')
  for (const d of DIMENSIONS) {
    const v = s.filters[d]
    if (v !== undefined) q.set(d, v)
  }
  if (s.heatmap) q.set('heatmap', s.heatmap)
  const text = q.toString()
  return text ? `?${text}` : ''
}
