import { VISIT_GAP_SECONDS } from '../visits/sessionize.ts'
import { filterDims, visitsWhere, type Filters } from './dimensions.ts'
import { today } from './params.ts'
import { addDays } from './range.ts'

/** The event types that make up a visit and mark its start and end, as the visits job cuts them. */
const VISIT_EVENT_TYPES = ['pageview', 'custom', 'leave', 'click', 'download', 'call'] as const

/** Columns of a visit taken from its first pageview (the source of a visit, and its place and technology). */
const FIRST_PAGEVIEW_COLUMNS = [
  'source', 'referrer_host', 'utm_source', 'utm_medium', 'utm_campaign', 'country', 'browser', 'browser_version',
  'os', 'os_version', 'device', 'screen', 'timezone', 'language',
] as const

/** The column a filter on each dimension reads on a visit row (as on `tellen.rollup_visits`). */
const FILTER_COLUMN: Record<string, string> = { page: 'pages', event: 'events', referrer: 'referrer_host' }

/** A visit counts in the range when it starts there, in the site's time zone, as visits do everywhere. */
const STARTS_IN_RANGE = `start >= toDateTime64({from:Date}, 3, {tz:String}) AND start < toDateTime64({to:Date} + 1, 3, {tz:String})`

/**
 * The events read to cut the visits that start in the range: from the UTC midnight before its first
 * instant to the UTC midnight after its last (a visit never crosses UTC midnight, since the visitor
 * code changes there), so a visit that started before the range is not taken for a new one.
 */
const EVENTS_AROUND_RANGE = `site = {site:String} AND type IN (${VISIT_EVENT_TYPES.map((t) => `'${t}'`).join(', ')})
      AND ts >= toStartOfDay(toDateTime({from:Date}, {tz:String}), 'UTC')
      AND ts < toStartOfDay(toDateTime({to:Date} + 1, {tz:String}) - 1, 'UTC') + INTERVAL 1 DAY`

/**
 * `FROM ...` one row per visit cut from the anonymised events, as the visits job cuts them (a run of
 * one visitor's events on one UTC day without a gap over 30 minutes, holding a pageview), for the
 * visits that start in the range and match the filters the way a visit does (a page it viewed, a
 * custom event it holds, its entry and exit page, and the source, place and technology of its first
 * pageview). Rows have `visitor`, `start`, `end`, `source` and the columns the filters read, plus
 * `extra`: the caller's aggregates over the visit's events (`ts`, `type`, `path`, `name`), as
 * `expression AS name`. Only events within the event retention are there to read.
 * @example `SELECT count() ${eventVisitsFrom(q.filters, ['groupArray(path) AS paths'])}`
 */
export function eventVisitsFrom(filters: Filters, extra: readonly string[]): string {
  const dims = filterDims(filters)
  const firstColumns = FIRST_PAGEVIEW_COLUMNS.filter((c) => c === 'source' || dims.some((d) => (FILTER_COLUMN[d] ?? d) === c))
  const perVisit = [
    'visitor', 'min(ts) AS start', 'max(ts) AS end',
    ...firstColumns.map((c) => `argMinIf(${c}, ts, type = 'pageview') AS ${c}`),
    ...(dims.includes('entry_page') ? [`argMinIf(path, ts, type = 'pageview') AS entry_page`] : []),
    ...(dims.includes('exit_page') ? [`argMaxIf(path, ts, type = 'pageview') AS exit_page`] : []),
    ...(dims.includes('page') ? [`groupUniqArrayIf(path, type = 'pageview') AS pages`] : []),
    ...(dims.includes('event') ? [`groupUniqArrayIf(toString(name), type = 'custom') AS events`] : []),
    ...extra,
  ]
  const partition = `PARTITION BY visitor, toDate(ts, 'UTC') ORDER BY ts`
  return `FROM (
    SELECT ${perVisit.join(', ')}
    FROM (
      SELECT *, sum(gap) OVER (${partition} ROWS UNBOUNDED PRECEDING) AS visit_number
      FROM (
        SELECT visitor, ts, type, path, name, ${firstColumns.join(', ')},
               dateDiff('millisecond', lagInFrame(ts) OVER (${partition} ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), ts) > ${VISIT_GAP_SECONDS * 1000} AS gap
        FROM tellen.events WHERE ${EVENTS_AROUND_RANGE}
      )
    )
    GROUP BY visitor, toDate(ts, 'UTC'), visit_number
    HAVING countIf(type = 'pageview') > 0
  ) AS visits
  WHERE ${STARTS_IN_RANGE}${visitsWhere(filters)}`
}

/** The days an answer read from the anonymised events covers: the range, cut to the event retention. */
export interface EventSpan {
  from: string
  to: string
}

/**
 * The part of the range within the event retention (events are kept `retentionDays` days, so the
 * first whole day kept is the one `retentionDays - 1` days before today), or null when none of it is.
 * @example retainedSpan({ from: '2026-10-01', to: '2026-12-07', tz: 'UTC' }, 30, Date.parse('2026-12-07T12:00:00Z')) // { from: '2026-11-08', to: '2026-12-07' }
 */
export function retainedSpan(range: { from: string; to: string; tz: string }, retentionDays: number, now = Date.now()): EventSpan | null {
  if (retentionDays <= 0) return null
  const first = addDays(today(range.tz, now), -(retentionDays - 1))
  const from = range.from > first ? range.from : first
  return from > range.to ? null : { from, to: range.to }
}
