/**
 * Shapes of the stats API's answers: the collector's own result types, so that the dashboard and the
 * API cannot drift apart without `tsc` saying so. Type imports only: nothing of the server is bundled.
 */
import type { BreakdownResult, BreakdownRow } from '../../collector/src/stats/queries/breakdown.ts'
import type { Goal } from '../../collector/src/goals/goals.ts'
import type { Share } from '../../collector/src/routes/shares.ts'
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
export type { PageFrameResult } from '../../collector/src/routes/page-frame.ts'

/** True when two unions hold the same members. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
// The dashboard's lists of dimensions, metrics and intervals are the API's.
export const SAME_LISTS: [Same<Dimension, ApiDimension>, Same<SeriesMetric, TimeseriesMetric>, Same<Interval, ApiInterval>] = [true, true, true]
export type { SecurityResult } from '../../collector/src/stats/queries/security.ts'


export type { Goal } from '../../collector/src/goals/goals.ts'
export type { GoalRow, GoalsResult } from '../../collector/src/stats/queries/goals.ts'
export type { FunnelResult, FunnelStepRow } from '../../collector/src/stats/queries/funnel.ts'
export type { JourneysResult, NextRow, PreviousRow } from '../../collector/src/stats/queries/journeys.ts'
export type { EventSpan } from '../../collector/src/stats/event-visits.ts'
export type { Share } from '../../collector/src/routes/shares.ts'

/** `GET /api/admin/goals?site=...`. */
export interface GoalsList {
  goals: Goal[]
}

/** `POST /api/admin/shares`: the link as listed, with its URL, which holds the secret and is shown only now. */
export interface CreatedShare extends Share {
  /** `/dashboard/?site=example.com#share=<secret>`. */
  url: string
}

/** `GET /api/admin/shares?site=...`: never the secrets. */
export interface SharesList {
  shares: Share[]
}

/** The columns a breakdown row gains when a goal is chosen (`?goal=<id>`). */
export interface GoalColumns {
  /** The goal's converted visitors with the row's value as one more filter. */
  conversions: number
  /** Conversions / the row's visitors, 0 to 1. */
  conversion_rate: number
}

/** `GET /api/stats/:site/breakdown/:dimension?goal=<id>`: the breakdown, each row with the goal's conversions, read from the events. */
export interface GoalBreakdownResult extends BreakdownResult {
  rows: (BreakdownRow & GoalColumns)[]
  conversions_source: 'events'
}

export type { SiteStatus } from '../../collector/src/routes/sites.ts'
