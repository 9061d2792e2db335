/** Date ranges of the dashboard, cut in the site's time zone. Days are `YYYY-MM-DD` strings. */
import { FIRST_DAY, LAST_DAY } from '../../collector/src/stats/range.ts'

export const PERIODS = ['today', '7d', '30d', '90d', 'month', 'custom'] as const
export type Period = (typeof PERIODS)[number]

export const PERIOD_LABELS: Record<Period, string> = {
  today: 'Today',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  month: 'Month to date',
  custom: 'Custom range',
}

export const INTERVALS = ['hour', 'day', 'week', 'month'] as const
export type Interval = (typeof INTERVALS)[number]

export interface Range {
  from: string
  to: string
}

const DAY_MS = 86_400_000
const toMs = (day: string) => Date.parse(`${day}T00:00:00Z`)
const toDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** Adds days to a day. */
export const addDays = (day: string, days: number) => toDay(toMs(day) + days * DAY_MS)

/** Days in an inclusive range. */
export const rangeDays = (r: Range) => Math.round((toMs(r.to) - toMs(r.from)) / DAY_MS) + 1

/** A well-formed calendar day within the days the stats API answers for. */
export const isDay = (s: string | null | undefined): s is string =>
  !!s && /^\d{4}-\d{2}-\d{2}$/.test(s) && s >= FIRST_DAY && s <= LAST_DAY && Number.isFinite(toMs(s)) && toDay(toMs(s)) === s

/**
 * Today in a time zone (the site's: its days are cut there).
 * @example todayIn('Pacific/Auckland', new Date('2026-01-01T12:00:00Z')) // '2026-01-02'
 */
export function todayIn(timeZone: string, now = new Date()): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now)
  } catch {
    return now.toISOString().slice(0, 10)
  }
}

/** The days a period covers, up to and including `today`; a custom range is given by `custom`. */
export function periodRange(period: Period, today: string, custom?: Partial<Range>): Range {
  switch (period) {
    case 'today':
      return { from: today, to: today }
    case '7d':
      return { from: addDays(today, -6), to: today }
    case '30d':
      return { from: addDays(today, -29), to: today }
    case '90d':
      return { from: addDays(today, -89), to: today }
    case 'month':
      return { from: `${today.slice(0, 8)}01`, to: today }
    case 'custom': {
      const from = isDay(custom?.from) ? custom.from : addDays(today, -29)
      const to = isDay(custom?.to) ? custom.to : today
      return from <= to ? { from, to } : { from: to, to: from }
    }
  }
}

/** The period of equal length before a range, which the overview compares with. */
export function previousRange(r: Range): Range {
  const days = rangeDays(r)
  return { from: addDays(r.from, -days), to: addDays(r.from, -1) }
}

/** Intervals that make a readable chart for a range: hours up to a week, months from two months. */
export function intervalsFor(r: Range): Interval[] {
  const days = rangeDays(r)
  return INTERVALS.filter((i) => (i === 'hour' ? days <= 7 : i === 'week' ? days >= 14 : i === 'month' ? days >= 60 : true))
}

/** The interval a range is shown in unless the analyst picks another. */
export function defaultInterval(r: Range): Interval {
  const days = rangeDays(r)
  return days <= 2 ? 'hour' : days <= 92 ? 'day' : days <= 366 ? 'week' : 'month'
}

const short = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' })
const withYear = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })

/** `3 Nov – 2 Dec 2026`, or one day: `2 Dec 2026`. */
export function describeRange(r: Range): string {
  const from = new Date(toMs(r.from))
  const to = new Date(toMs(r.to))
  if (r.from === r.to) return withYear.format(to)
  return `${(r.from.slice(0, 4) === r.to.slice(0, 4) ? short : withYear).format(from)} – ${withYear.format(to)}`
}

/**
 * The current hour in a time zone, as the stats API labels hourly buckets.
 * @example hourIn('Europe/Amsterdam', new Date('2026-01-01T12:30:00Z')) // '2026-01-01 13:00'
 */
export function hourIn(timeZone: string, now = new Date()): string {
  let hour: string
  try {
    hour = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(now)
  } catch {
    hour = String(now.getUTCHours()).padStart(2, '0')
  }
  return `${todayIn(timeZone, now)} ${hour.padStart(2, '0')}:00`
}
