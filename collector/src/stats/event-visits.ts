import { LIVE_VISIT } from '../visits/sessionize.ts'
import { VISIT_SLOT_SECONDS, VISITS_OF_RANGE, visitsWhere, type Filters } from './dimensions.ts'
import { today } from './params.ts'
import { addDays } from './range.ts'

/** The event types of a visit, as the visits job cuts them. */
const VISIT_EVENT_TYPES = ['pageview', 'custom', 'leave', 'click', 'download', 'call'] as const

/** A visit counts in the range when it starts there, in the site's time zone, as visits do everywhere. */
const STARTS_IN_RANGE = `start >= toDateTime64({from:Date}, 3, {tz:String}) AND start < toDateTime64({to:Date} + 1, 3, {tz:String})`

/**
 * The events of the visits that start in the range: from the UTC midnight before its first instant to
 * the UTC midnight after its last (a visit never crosses UTC midnight, since the visitor code changes there).
 */
const EVENTS_OF_VISITS = `ts >= toStartOfDay(toDateTime({from:Date}, {tz:String}), 'UTC')
      AND ts < toStartOfDay(toDateTime({to:Date} + 1, {tz:String}) - 1, 'UTC') + INTERVAL 1 DAY`

const slot = (time: string) => `intDiv(toUInt32(${time}), ${VISIT_SLOT_SECONDS})`

/**
 * `FROM ...` one row per visit that starts in the range and matches the filters the way a visit does
 * (a page it viewed, a custom event it holds, its entry and exit page, and the source, place and
 * technology of its first pageview), with its events of `types` from the anonymised events. Visits
 * are the visits job's (`tellen.rollup_visits`, read with FINAL, so a visit whose start moved counts
 * once); an event belongs to the visit of its visitor whose half-hour slots hold it (see
 * `eventsWhere`), which is exactly the events from the visit's first to its last. Rows have `visitor`,
 * `start`, `source`, plus `extra`: the caller's aggregates over the visit's events (`ts`, `type`,
 * `path`, `name`), as `expression AS name`. Only events within the event retention are there to
 * read, and callers ask only for days within it.
 * @example `SELECT count() ${eventVisitsFrom(q.filters, ['pageview'], ['groupArray(path) AS paths'])}`
 */
export function eventVisitsFrom(filters: Filters, types: readonly (typeof VISIT_EVENT_TYPES)[number][], extra: readonly string[]): string {
  return `FROM (
    SELECT visit.visitor AS visitor, visit.start AS start, any(visit.source) AS source, ${extra.join(', ')}
    FROM (
      SELECT visitor, start, source, arrayJoin(range(${slot('start')}, ${slot('end')} + 1)) AS slot
      FROM tellen.rollup_visits FINAL
      WHERE ${VISITS_OF_RANGE} AND ${LIVE_VISIT} AND ${STARTS_IN_RANGE}${visitsWhere(filters)}
    ) AS visit
    INNER JOIN (
      SELECT visitor, ts, type, path, name, ${slot('ts')} AS slot FROM tellen.events
      WHERE site = {site:String} AND type IN (${types.map((t) => `'${t}'`).join(', ')}) AND ${EVENTS_OF_VISITS}
    ) AS event ON event.visitor = visit.visitor AND event.slot = visit.slot
    GROUP BY visit.visitor, visit.start
  ) AS visits`
}

/**
 * `FROM ...` the visits job's rows (`tellen.rollup_visits` with FINAL) of the visits that start in the
 * range and match the filters, the same visits as `eventVisitsFrom`, with `where` (` AND ...` on their
 * columns) besides. Each row has its trail (sql/160): `trail_ms`, `trail_names` and `trail_custom`,
 * the visit's pageviews and custom events in time order, cut from the same events the join would read.
 * @example `SELECT count() ${visitTrailsFrom(q.filters, ` AND has(events, 'signup')`)}`
 */
export function visitTrailsFrom(filters: Filters, where = ''): string {
  return `FROM tellen.rollup_visits FINAL
    WHERE ${VISITS_OF_RANGE} AND ${LIVE_VISIT} AND ${STARTS_IN_RANGE}${visitsWhere(filters)}${where}`
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
