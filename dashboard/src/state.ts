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

/**
 * The breakdown panels whose tabs pick one of several dimensions, each named as its URL parameter, with
 * its tabs in order: the first is shown unless the URL says otherwise.
 */
export const TAB_GROUPS = {
  pages: ['page', 'entry_page', 'exit_page'],
  sources: ['source', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign'],
  locations: ['country', 'language', 'timezone'],
  tech: ['browser', 'os', 'device', 'screen', 'browser_version', 'os_version'],
} as const satisfies Record<string, readonly Dimension[]>
export type TabGroup = keyof typeof TAB_GROUPS
export type Tabs = { [G in TabGroup]?: (typeof TAB_GROUPS)[G][number] }

/** The kinds of resource the failed resources panel narrows to; started downloads have a panel of their own. */
export const ERROR_KINDS = ['img', 'script', 'css', 'media', 'fetch', 'other'] as const
export type ErrorKind = (typeof ERROR_KINDS)[number]

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
  /** Whether the heatmaps are drawn over the live page in a frame, rather than over a neutral one. */
  overlay: boolean
  /** Whether the chart also draws the previous period. */
  compare: boolean
  /** Whether the chart's numbers are shown as a table. */
  table: boolean
  /** The tab chosen in each breakdown panel that has tabs; a panel not named shows its first. */
  tabs: Tabs
  /** The kind of resource the failed resources panel is narrowed to. */
  errors: ErrorKind | undefined
  /** The id of the goal whose conversions the breakdowns show. */
  goal: string | undefined
  /** The funnel's steps as the API takes them: `/,/pricing,event:signup`. */
  funnel: string | undefined
  /** The page whose journeys (before and after) are shown. */
  journey: string | undefined
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
  const tabs: Tabs = {}
  for (const g of Object.keys(TAB_GROUPS) as TabGroup[]) {
    const d = oneOf<Dimension>(TAB_GROUPS[g], q.get(g))
    if (d && d !== TAB_GROUPS[g][0]) (tabs as Record<TabGroup, Dimension>)[g] = d
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
    overlay: q.get('overlay') === '1',
    compare: q.get('compare') === '1',
    table: q.get('table') === '1',
    tabs,
    errors: oneOf(ERROR_KINDS, q.get('errors')),
    goal: q.get('goal') || undefined,
    funnel: q.get('funnel') || undefined,
    journey: q.get('journey') || undefined,
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
  if (s.table) q.set('table', '1')
  for (const d of DIMENSIONS) {
    const v = s.filters[d]
    if (v !== undefined) q.set(d, v)
  }
  if (s.heatmap) q.set('heatmap', s.heatmap)
  if (s.overlay) q.set('overlay', '1')
  for (const g of Object.keys(TAB_GROUPS) as TabGroup[]) {
    const d = s.tabs[g]
    if (d && d !== TAB_GROUPS[g][0]) q.set(g, d)
  }
  if (s.errors) q.set('errors', s.errors)
  if (s.goal) q.set('goal', s.goal)
  if (s.funnel) q.set('funnel', s.funnel)
  if (s.journey) q.set('journey', s.journey)
  const text = q.toString()
  return text ? `?${text}` : ''
}
