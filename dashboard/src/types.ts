/** Shapes of the stats API's answers, as the dashboard reads them. */
import type { Dimension, SeriesMetric } from './state.ts'
import type { Interval } from './period.ts'

export type AnswerSource = 'rollup' | 'events'

export interface SiteInfo {
  domain: string
  timezone: string
}
export interface SitesResult {
  sites: SiteInfo[]
}

export interface OverviewMetrics {
  visitors: number
  visits: number
  pageviews: number
  pages_per_visit: number
  bounce_rate: number
  visit_duration: number
}
export interface OverviewResult {
  source: AnswerSource
  current: OverviewMetrics
  previous: OverviewMetrics
  /** Requests not tracked in the range because of DNT or GPC; not filterable. */
  honoured?: HonouredCounts
}

export interface TimeseriesResult {
  source: AnswerSource
  metric: SeriesMetric
  interval: Interval
  points: { bucket: string; value: number }[]
}

export interface BreakdownRow {
  value: string
  visitors: number
  pageviews?: number
  visits?: number
  bounce_rate?: number
  events?: number
}
export interface BreakdownResult {
  source: AnswerSource
  dimension: Dimension
  rows: BreakdownRow[]
}

export interface VitalsRow {
  metric: string
  samples: number
  p50: number
  p75: number
  p95: number
  good: number
  needs_improvement: number
  poor: number
}
export interface VitalsResult {
  source: AnswerSource
  metrics: VitalsRow[]
}

export interface ErrorRow {
  page: string
  kind: string
  resource: string
  count: number
  visitors: number
}
export interface ErrorsResult {
  source: AnswerSource
  rows: ErrorRow[]
}

export interface ExitRow {
  page: string
  kind: string
  target: string
  leaves: number
  visitors: number
  engaged_seconds: number
}
export interface ExitsResult {
  source: AnswerSource
  rows: ExitRow[]
}

export interface CallRow {
  page: string
  number: string
  calls: number
  visitors: number
}
export interface CallsResult {
  source: AnswerSource
  rows: CallRow[]
}

export interface InteractionsResult {
  source: AnswerSource
  /** Page views by maximum scroll depth, in buckets of 10 percent (0, 10, ... 100). */
  scroll: { depth: number; views: number }[]
  /** Clicks per cell of the 10x10 page grid, row-major (`clicks[y][x]`). */
  clicks: number[][]
  /** Mouse-movement counts per cell, row-major (`moves[y][x]`). */
  moves: number[][]
  elements: { element: string; clicks: number }[]
}

export interface PropertyRow {
  event: string
  prop: string
  value: string
  events: number
  visitors: number
}
export interface PropertiesResult {
  source: AnswerSource
  rows: PropertyRow[]
}

/** Requests not tracked because of DNT or GPC, by signal (or in all). */
export interface HonouredCounts {
  dnt?: number
  gpc?: number
  requests?: number
}

export interface RealtimeResult {
  source: AnswerSource
  visitors: number
}
