/** A question's site, its time zone, the inclusive date range and the filters. */
import type { Filters } from './dimensions.ts'

export interface StatsQuery {
  site: string
  /** IANA time zone in which days are cut. */
  tz: string
  /** Inclusive first and last day, `YYYY-MM-DD`. */
  from: string
  to: string
  filters: Filters
  /**
   * The first day whose visits are still kept one by one (the event retention): a range that starts
   * before it is answered from visit aggregates where they can. Undefined: every day's visits are.
   */
  visitsKeptFrom?: string
}

/**
 * The days a question may name. Outside them the engine's dates and times overflow (Date ends in
 * 2149, DateTime in 2106) and answers would be wrong or fail; no site has data before 2000.
 */
export const FIRST_DAY = '2000-01-01'
export const LAST_DAY = '2099-12-31'

const DAY_MS = 86_400_000
const toMs = (day: string) => Date.parse(`${day}T00:00:00Z`)
const toDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** Number of days in an inclusive range. */
export const rangeDays = (from: string, to: string) => Math.round((toMs(to) - toMs(from)) / DAY_MS) + 1

/** Adds days to a `YYYY-MM-DD` day. */
export const addDays = (day: string, days: number) => toDay(toMs(day) + days * DAY_MS)

/** The period of equal length that ends the day before `from`. */
export function previousPeriod(q: StatsQuery): StatsQuery {
  const days = rangeDays(q.from, q.to)
  return { ...q, from: addDays(q.from, -days), to: addDays(q.from, -1) }
}

/** Query parameters shared by every stats query. */
export const baseParams = (q: StatsQuery) => ({ site: q.site, tz: q.tz, from: q.from, to: q.to })
