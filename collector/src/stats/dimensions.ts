import { LIVE_VISIT } from '../visits/sessionize.ts'

/**
 * The dimensions a breakdown can group by and a filter can select, and which table holds which
 * dimension: every SQL fragment here comes from these fixed lists, every value from a query parameter.
 */
export const DIMENSIONS = [
  'page', 'entry_page', 'exit_page', 'source', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign',
  'country', 'browser', 'browser_version', 'os', 'os_version', 'device', 'screen', 'timezone', 'language', 'event',
] as const
export type Dimension = (typeof DIMENSIONS)[number]

/** Filter values by dimension, e.g. `{ country: 'NL', device: 'mobile' }`. */
export type Filters = Partial<Record<Dimension, string>>

/** Where an answer came from: the aggregates, or the anonymised events (within their retention). */
export type AnswerSource = 'rollup' | 'events'

/** A pageview rollup and the column that holds each of its dimensions. */
export interface TrafficRollup {
  table: DailyRollup
  columns: Partial<Record<Dimension, string>>
}

/** Pageview rollups, smallest first: a question goes to the first one that holds all its dimensions. */
export const TRAFFIC_ROLLUPS: readonly TrafficRollup[] = [
  { table: 'tellen.rollup_site', columns: {} },
  { table: 'tellen.rollup_locations', columns: { country: 'country', timezone: 'timezone', language: 'language' } },
  { table: 'tellen.rollup_pages', columns: { page: 'path' } },
  {
    table: 'tellen.rollup_technology',
    columns: { browser: 'browser', browser_version: 'browser_version', os: 'os', os_version: 'os_version', device: 'device', screen: 'screen' },
  },
]

/** Columns of `tellen.events` (and of `tellen.rollup_visits`) named differently from their dimension. */
const COLUMN: Partial<Record<Dimension, string>> = { page: 'path', referrer: 'referrer_host' }
/**
 * Dimensions of a visit: where it came from (taken from its first pageview, since later pageviews have
 * an internal referrer), where it entered and left, and the custom events it holds.
 */
export const VISIT_DIMENSIONS: readonly Dimension[] = [
  'entry_page', 'exit_page', 'source', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'event',
]

/** The column of a dimension in `tellen.events`, or undefined for the dimensions of a visit. */
export function eventColumn(d: Dimension): string | undefined {
  return VISIT_DIMENSIONS.includes(d) ? undefined : (COLUMN[d] ?? d)
}

/** The pageview rollup holding every one of `dims`, if any. */
export function trafficRollupFor(dims: readonly Dimension[]): TrafficRollup | undefined {
  return TRAFFIC_ROLLUPS.find((r) => dims.every((d) => r.columns[d] !== undefined))
}

export const filterDims = (filters: Filters) => DIMENSIONS.filter((d) => filters[d] !== undefined)

const param = (d: Dimension) => `{f_${d}:String}`

/** Query parameters for the filters: `f_<dimension>`. */
export function filterParams(filters: Filters): Record<string, string> {
  const out: Record<string, string> = {}
  for (const d of filterDims(filters)) out[`f_${d}`] = filters[d]!
  return out
}

/** The condition of one filter on a row of `tellen.rollup_visits`. */
function visitCondition(d: Dimension): string {
  if (d === 'page') return `has(pages, ${param(d)})`
  if (d === 'event') return `has(events, ${param(d)})`
  return `${COLUMN[d] ?? d} = ${param(d)}`
}

/** `AND ...` conditions for the filters on `tellen.rollup_visits` (or `tellen.rollup_visit_pageviews`, without a page filter). */
export function visitsWhere(filters: Filters): string {
  return filterDims(filters).map((d) => ` AND ${visitCondition(d)}`).join('')
}

/** `AND ...` conditions for the filters on a pageview rollup that holds them all. */
export function rollupWhere(rollup: TrafficRollup, filters: Filters): string {
  return filterDims(filters)
    .map((d) => {
      const column = rollup.columns[d]
      if (!column) throw new Error(`${rollup.table} has no ${d}`)
      return ` AND ${column} = ${param(d)}`
    })
    .join('')
}

/**
 * Length in seconds of the slots that place an event in its visit: a visit holds the slots from its
 * start's to its end's, and since two visits of a visitor are more than 30 minutes apart, no slot of
 * one visitor holds events of two visits.
 */
export const VISIT_SLOT_SECONDS = 1800

/**
 * `AND ...` conditions for the filters on `tellen.events` (or another table of events with `visitor`
 * and `ts`). Dimensions of a visit (entry and exit page, source, referrer, UTM tags, custom event)
 * keep the events of the matching visits from `tellen.rollup_visits`: an event matches when its
 * visitor and half-hour slot are among those of a matching visit (`VISIT_SLOT_SECONDS`), which is
 * exactly the events between the visit's first and last event. The pair is tested as one 64-bit hash
 * (a false match about once in 10^13 events at a million pairs); `identity` keeps the engine from
 * preparing the set for index analysis (the hash is in no index), which cost more than testing
 * every row.
 *
 * A visit row not yet replaced by its rewrite carries the same visitor, start, source and entry page,
 * an earlier end and a subset of the custom events, so for those the set is the same without FINAL;
 * only the exit page can differ (a visit that went on exits elsewhere), so FINAL is kept for an exit
 * page filter. The rare visit whose start moved (a late event came before it) keeps its old row
 * beside its tombstone until a merge replaces it: until then its events in the old row's slots may
 * also match the old row's values.
 */
export function eventsWhere(filters: Filters): string {
  const dims = filterDims(filters)
  const own = dims.filter((d) => eventColumn(d)).map((d) => ` AND ${eventColumn(d)} = ${param(d)}`)
  const visitDims = dims.filter((d) => !eventColumn(d))
  if (visitDims.length) {
    const final = visitDims.includes('exit_page') ? ' FINAL' : ''
    const slot = (time: string) => `intDiv(toUInt32(${time}), ${VISIT_SLOT_SECONDS})`
    own.push(
      ` AND identity(cityHash64(visitor, ${slot('ts')})) IN (SELECT cityHash64(visitor, arrayJoin(range(${slot('start')}, ${slot('end')} + 1)))` +
        ` FROM tellen.rollup_visits${final} WHERE ${VISITS_OF_RANGE} AND ${LIVE_VISIT}${visitDims.map((d) => ` AND ${visitCondition(d)}`).join('')})`,
    )
  }
  return own.join('')
}

/**
 * The visits that may have events in the range: those that start from the UTC midnight before the
 * range's first instant (a visit never crosses UTC midnight, so one that began earlier ended before
 * the range) up to the range's end. A visit that began before the first local midnight of the range
 * and went on after it has events in the range; the caller's own time condition keeps only those.
 */
export const VISITS_OF_RANGE = `site = {site:String} AND hour >= toStartOfDay(toDateTime({from:Date}, {tz:String}), 'UTC') AND hour < toDateTime({to:Date} + 1, {tz:String})`

/**
 * The site and date range condition on a time column, with days cut in the site's time zone: the time
 * (an event's, or the start of an hour bucket) lies between the first instants of the first day and
 * of the day after the last. The same rows as `toDate(time, tz) BETWEEN from AND to` (a test checks it
 * across time zones and their clock changes), without converting each row's time to a local date
 * (about a third of the time of reading 22 million timing events of 30 days), and as bounds the
 * primary key can use.
 */
export const rangeWhere = (time: 'hour' | 'ts') =>
  time === 'ts'
    ? `site = {site:String} AND ts >= toDateTime64({from:Date}, 3, {tz:String}) AND ts < toDateTime64({to:Date} + 1, 3, {tz:String})`
    : `site = {site:String} AND hour >= toDateTime({from:Date}, {tz:String}) AND hour < toDateTime({to:Date} + 1, {tz:String})`

/** The rollups with a daily twin (`<table>_daily`, sql/041): the same keys and aggregates per UTC day. */
export const DAILY_ROLLUPS = [
  'tellen.rollup_site', 'tellen.rollup_pages', 'tellen.rollup_technology', 'tellen.rollup_locations',
  'tellen.rollup_timings', 'tellen.rollup_timings_site', 'tellen.rollup_errors',
  'tellen.rollup_scroll', 'tellen.rollup_clicks', 'tellen.rollup_leaving', 'tellen.rollup_calls', 'tellen.rollup_custom',
] as const
export type DailyRollup = (typeof DAILY_ROLLUPS)[number]

const FIRST_WHOLE_DAY = `toDate(toDateTime({from:Date}, {tz:String}) + 86399, 'UTC')`
const LAST_WHOLE_DAY = `(toDate(toDateTime({to:Date} + 1, {tz:String}), 'UTC') - 1)`

/**
 * The UTC days that lie whole inside the range of days in the site's time zone: from the first UTC
 * midnight at or after the range's start to the day before the UTC day of the range's end.
 */
export const WHOLE_UTC_DAYS = `BETWEEN ${FIRST_WHOLE_DAY} AND ${LAST_WHOLE_DAY}`

/**
 * The hourly rows of the range outside its whole UTC days, as bounds on `hour` that the primary key
 * can use (none for a UTC site). An hour bucket belongs to the local day its start falls on, the same
 * as `rangeWhere('hour')`, which it narrows.
 */
export const EDGE_HOURS = `${rangeWhere('hour')}
    AND (hour < toDateTime(${FIRST_WHOLE_DAY}, 'UTC') OR hour >= toDateTime(${LAST_WHOLE_DAY} + 1, 'UTC'))`

/**
 * A rollup's rows over the range, without their time column, as a `FROM` source: the whole UTC days
 * of the range from its daily twin, and from the hourly table only the hours that the site's time
 * zone cuts from a UTC day at either end (none for UTC). A 30-day answer then merges about 30 states
 * per key instead of 720, and hours count for the same local days as in the hourly table alone.
 * `where` (` AND ...` on the rollup's own columns) applies to both.
 * @example `SELECT path, sum(pageviews) FROM ${rollupSpan('tellen.rollup_pages')} GROUP BY path`
 */
export function rollupSpan(table: DailyRollup, where = ''): string {
  if (!DAILY_ROLLUPS.includes(table)) throw new Error(`${table} has no daily twin`)
  return `(SELECT * EXCEPT hour FROM ${table} WHERE ${EDGE_HOURS}${where}
    UNION ALL SELECT * EXCEPT day FROM ${table}_daily WHERE site = {site:String} AND day ${WHOLE_UTC_DAYS}${where})`
}

/**
 * A rollup's rows over the range (see `rollupSpan`), only those of the keys on one page of an answer
 * sorted by a sum (`total` DESC, then the keys; `{limit}` and `{offset}` parameters). Merging visitor
 * states is what such an answer costs, and this way only the states of the rows shown are merged;
 * the caller groups and sorts the same way, without LIMIT and OFFSET.
 */
export function pageOfSpan(table: DailyRollup, where: string, keys: readonly string[], total: string): string {
  const span = rollupSpan(table, where)
  const k = keys.join(', ')
  return `(SELECT * FROM ${span} WHERE (${k}) IN (SELECT ${k} FROM ${span} GROUP BY ${k} ORDER BY ${total} DESC, ${k} LIMIT {limit:UInt32} OFFSET {offset:UInt32}))`
}

/** A query's `... LIMIT ... OFFSET ...` ending without its page, for rows already cut to one page by `pageOfSpan`. */
export const withoutPage = (order: string) => order.replace(/\s*LIMIT \{limit:UInt32\} OFFSET \{offset:UInt32\}\s*$/, '')

/** The column of a dimension on a row of `tellen.rollup_visits` (all but `page` and `event`). */
export function visitColumn(d: Dimension): string | undefined {
  return d === 'page' || d === 'event' ? undefined : (COLUMN[d] ?? d)
}

/** True when a rollup keyed by page alone can answer: no filter, or only a page filter. */
export const onlyPageFilter = (filters: Filters) => filterDims(filters).every((d) => d === 'page')

/** `AND path = ...` when a page filter is set: the condition on a rollup keyed by page. */
export const pageWhere = (filters: Filters) => (filters.page !== undefined ? ` AND path = {f_page:String}` : '')
