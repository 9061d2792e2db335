import { addDays } from '../stats/range.ts'

/** How a dataset cuts time: UTC days, ISO weeks (Monday to Sunday, UTC) or calendar months (UTC). */
export const PERIOD_KINDS = ['day', 'week', 'month'] as const
export type PeriodKind = (typeof PERIOD_KINDS)[number]

/**
 * The most UTC days a period of each kind holds. A visitor code lasts one UTC day, so one person can
 * be this many visitor codes in one period: the contribution bound, and so the noise, scales with it.
 */
export const MAX_DAYS_IN_PERIOD: Record<PeriodKind, number> = { day: 1, week: 7, month: 31 }

/**
 * Hours after a period's end before it is released: events may arrive up to a day late (a page
 * left open over midnight), and the visits job cuts a visit 30 minutes after its last event.
 */
export const RELEASE_DELAY_HOURS = 25

const HOUR_MS = 3_600_000
const DAYS_IN_WEEK = 7
const toMs = (day: string) => Date.parse(`${day}T00:00:00Z`)

/** The first day of the period of `kind` that holds `day`. */
export function periodStart(day: string, kind: PeriodKind): string {
  if (kind === 'day') return day
  if (kind === 'month') return `${day.slice(0, 7)}-01`
  const weekday = (new Date(toMs(day)).getUTCDay() + DAYS_IN_WEEK - 1) % DAYS_IN_WEEK
  return addDays(day, -weekday)
}

/** The day after the last day of the period that starts on `start`. */
export function nextPeriod(start: string, kind: PeriodKind): string {
  if (kind === 'day') return addDays(start, 1)
  if (kind === 'week') return addDays(start, DAYS_IN_WEEK)
  const date = new Date(toMs(start))
  date.setUTCMonth(date.getUTCMonth() + 1)
  return date.toISOString().slice(0, 10)
}

/**
 * The first moment (ms) at which the period starting on `start` may be released.
 * @example releasableAt('2026-12-01', 'day') // 2026-12-03T01:00:00Z
 */
export const releasableAt = (start: string, kind: PeriodKind) => toMs(nextPeriod(start, kind)) + RELEASE_DELAY_HOURS * HOUR_MS

/**
 * The starts of the periods from `from` to `to` (inclusive days), or a reason why the span is not
 * made of whole periods.
 * @example periodsOf('2026-11-02', '2026-11-15', 'week') // { starts: ['2026-11-02', '2026-11-09'] }
 */
export function periodsOf(from: string, to: string, kind: PeriodKind): { starts: string[] } | { problem: string } {
  if (periodStart(from, kind) !== from) return { problem: `from ${from} is not the first day of a ${kind} (a ${kind} starts on ${periodStart(from, kind)})` }
  const last = periodStart(to, kind)
  if (addDays(nextPeriod(last, kind), -1) !== to) return { problem: `to ${to} is not the last day of a ${kind} (that ${kind} ends on ${addDays(nextPeriod(last, kind), -1)})` }
  const starts: string[] = []
  for (let start = from; start <= last; start = nextPeriod(start, kind)) starts.push(start)
  return { starts }
}
