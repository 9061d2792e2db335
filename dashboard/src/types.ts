/**
 * Shapes of the stats API's answers: the collector's own result types, so that the dashboard and the
 * API cannot drift apart without `tsc` saying so. Type imports only: nothing of the server is bundled.
 */
import type { Dimension as ApiDimension } from '../../collector/src/stats/dimensions.ts'
import type { Interval as ApiInterval, TimeseriesMetric } from '../../collector/src/stats/queries/timeseries.ts'
import type { Interval } from './period.ts'
import type { Dimension, SeriesMetric } from './state.ts'

export type { AnswerSource } from '../../collector/src/stats/dimensions.ts'
export type { BreakdownResult, BreakdownRow } from '../../collector/src/stats/queries/breakdown.ts'
export type { CallsResult } from '../../collector/src/stats/queries/calls.ts'
export type { ErrorsResult } from '../../collector/src/stats/queries/errors.ts'
export type { ExitsResult } from '../../collector/src/stats/queries/exits.ts'
export type { HonouredResult } from '../../collector/src/stats/queries/honoured.ts'
export type { InteractionsResult } from '../../collector/src/stats/queries/interactions.ts'
export type { OverviewMetrics, OverviewResult } from '../../collector/src/stats/queries/overview.ts'
export type { PropertiesResult } from '../../collector/src/stats/queries/properties.ts'
export type { RealtimeResult } from '../../collector/src/stats/queries/realtime.ts'
export type { TimeseriesResult } from '../../collector/src/stats/queries/timeseries.ts'
export type { VitalsResult, VitalsRow } from '../../collector/src/stats/queries/vitals.ts'
export type { SiteInfo, SitesResult } from '../../collector/src/routes/stats-sites.ts'

/** True when two unions hold the same members. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
// The dashboard's lists of dimensions, metrics and intervals are the API's.
export const SAME_LISTS: [Same<Dimension, ApiDimension>, Same<SeriesMetric, TimeseriesMetric>, Same<Interval, ApiInterval>] = [true, true, true]
export type { SecurityResult } from '../../collector/src/stats/queries/security.ts'

/*
 * The goals, funnel, journeys and shared-link endpoints, as their contract says they answer. They are
 * declared here rather than imported, so the dashboard is built and type-checked on its own.
 */

/** A goal: a page pattern (`/signup/*`) or a custom event, optionally with one property value. */
export interface Goal {
  id: string
  site: string
  name: string
  page?: string
  event?: string
  property?: { key: string; value: string }
}

export interface GoalsList {
  goals: Goal[]
}

/** `GET /api/stats/:site/goals`: each goal's converted visitors, conversion rate and events. */
export interface GoalsResult {
  source: string
  visitors: number
  goals: { id: string; name: string; page?: string; event?: string; visitors: number; conversion_rate: number; events: number }[]
}

/** `GET /api/stats/:site/funnel?steps=...`: visitors reaching each step, in order. */
export interface FunnelResult {
  source: string
  steps: { step: string; visitors: number; drop_off: number; conversion_rate: number; median_seconds_from_previous: number | null }[]
}

/** `GET /api/stats/:site/journeys?page=...`: where visitors came from and went next. */
export interface JourneysResult {
  source: string
  page: string
  previous: { kind: 'page' | 'entry'; value: string; visitors: number }[]
  next: { kind: 'page' | 'exit'; value: string; visitors: number }[]
}

/** A shared read-only link of one site. */
export interface Share {
  id: string
  site: string
  expires_at: string | null
  /** `/dashboard/?site=example.com#share=<secret>`: only in the answer that creates it. */
  url?: string
}

export interface SharesList {
  shares: Share[]
}

/** A breakdown row with a goal chosen: converted visitors and their share of the row's visitors. */
export interface GoalColumns {
  conversions?: number
  conversion_rate?: number
}
export type { SiteStatus } from '../../collector/src/routes/sites.ts'
