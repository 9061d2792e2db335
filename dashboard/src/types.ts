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
