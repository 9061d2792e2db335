import { randomUUID } from 'node:crypto'
import { isEmbedded, type Db } from '../db/client.ts'
import { storeDayCounts } from '../export/count-days.ts'
import { createLease, withLease } from '../db/lease.ts'
import type { Logger } from '../log.ts'
import { GRID_COLUMNS, GRID_ROWS } from '../protocol.ts'
import { ratingThreshold } from '../stats/thresholds.ts'
import { refreshVisitPairs, TODAY_PAIRS_AGE_PER_COST } from './pairs.ts'
import { PER_VISIT_TABLES } from '../privacy/retention.ts'
import { addDays } from '../stats/range.ts'

/**
 * A gap longer than this between two events of one visitor starts a new visit. Gaps are compared in
 * milliseconds: the engine's `dateDiff('second', ...)` counts the second boundaries crossed, which
 * made a gap of 30:00.8 one of 30:00 when it crossed no boundary beyond the 1,800th.
 */
export const VISIT_GAP_SECONDS = 1800

const DIMENSIONS = [
  'source', 'referrer_host', 'utm_source', 'utm_medium', 'utm_campaign', 'country', 'browser', 'browser_version',
  'os', 'os_version', 'device', 'screen', 'timezone', 'language',
] as const

/**
 * The condition that keeps a row of `tellen.rollup_visits` that is a visit, not a tombstone (a
 * visit's old key after its start moved, with no page views). The column is named with its table:
 * a select list's `sum(pageviews) AS pageviews` would otherwise be read in WHERE.
 */
export const LIVE_VISIT = 'rollup_visits.pageviews > 0'

/**
 * A visit's trail (sql/160): its pageviews and custom events as (time, 1 for a custom event, path or
 * name), sorted by time (then the rest, so events of one millisecond keep one order).
 */
const TRAIL = `arraySort(groupArrayIf((ts, toUInt8(type = 'custom'), if(type = 'custom', toString(name), path)), type IN ('pageview', 'custom'))) AS trail`

/** The columns of `tellen.rollup_visits` but its version, in the order the visits job writes them. */
const VISIT_COLUMNS = [
  'site', 'hour', 'visitor', 'start', 'end', 'pageviews', 'customs', 'entry_page', 'exit_page', 'pages', 'events', ...DIMENSIONS,
  'trail_ms', 'trail_names', 'trail_custom',
] as const

/** The visitors with events of the days inserted at or after `{since}`: those whose visits a pass rewrites. */
const TOUCHED = `SELECT DISTINCT site, visitor FROM tellen.visit_events
    WHERE toDate(ts) IN {days:Array(Date)} AND inserted >= toDateTime({since:UInt32})`

/**
 * Cuts the events of whole UTC days into visits, for the visitors with an event inserted at or after
 * `touchedSince`, and writes all their visits of those days. Visitor hashes change at UTC midnight, so
 * no visit spans two days and a visitor's day can be recomputed on its own. A rewritten visit keeps
 * its key (site, start hour, visitor, start) and replaces the earlier row, so running it again never
 * counts a visit twice; a visit whose start moved (a late event came before it) leaves a row under its
 * old key, which is replaced by a tombstone: the same key with no page views, which readers skip.
 */
const SESSIONIZE = `
INSERT INTO tellen.rollup_visits (${VISIT_COLUMNS.join(', ')}, version)
WITH
    touched AS (${TOUCHED}),
    visits AS (
        SELECT site, toStartOfHour(start) AS hour, visitor, start, end, pageviews, customs, entry_page, exit_page, pages, events,
               ${DIMENSIONS.join(', ')},
               arrayMap(e -> toUInt32(dateDiff('millisecond', start, e.1)), trail) AS trail_ms, arrayMap(e -> e.3, trail) AS trail_names,
               arrayMap(e -> e.2, trail) AS trail_custom
        FROM
        (
            SELECT site, visitor, visit,
                   min(ts) AS start, max(ts) AS end,
                   toUInt32(countIf(type = 'pageview')) AS pageviews, toUInt32(countIf(type = 'custom')) AS customs,
                   argMinIf(path, ts, type = 'pageview') AS entry_page, argMaxIf(path, ts, type = 'pageview') AS exit_page,
                   groupUniqArrayIf(path, type = 'pageview') AS pages, groupUniqArrayIf(toString(name), type = 'custom') AS events,
                   ${DIMENSIONS.map((d) => `argMinIf(${d}, ts, type = 'pageview') AS ${d}`).join(', ')},
                   ${TRAIL}
            FROM
            (
                SELECT *, sum(gap) OVER (PARTITION BY site, visitor ORDER BY ts ROWS UNBOUNDED PRECEDING) AS visit
                FROM
                (
                    SELECT *, dateDiff('millisecond', lagInFrame(ts, 1, toDateTime64(0, 3, 'UTC')) OVER (PARTITION BY site, visitor ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), ts) > ${VISIT_GAP_SECONDS * 1000} AS gap
                    FROM tellen.visit_events
                    WHERE toDate(ts) IN {days:Array(Date)} AND (site, visitor) IN (SELECT site, visitor FROM touched)
                )
            )
            GROUP BY site, visitor, visit
        )
        WHERE pageviews > 0
    )
SELECT ${VISIT_COLUMNS.join(', ')}, {version:UInt64} AS version FROM visits
UNION ALL
SELECT ${VISIT_COLUMNS.map((c) => (c === 'pageviews' || c === 'customs' ? `0 AS ${c}` : c)).join(', ')}, {version:UInt64} AS version
FROM
(
    -- In a subquery: in the same SELECT, WHERE would read the replaced columns.
    SELECT * FROM tellen.rollup_visits FINAL
    WHERE toDate(hour, 'UTC') IN {days:Array(Date)} AND ${LIVE_VISIT}
      AND (site, visitor) IN (SELECT site, visitor FROM touched)
      AND (site, visitor, start) NOT IN (SELECT site, visitor, start FROM visits)
)`

/** The columns of `tellen.rollup_visit_pageviews` (sql/080) that carry the visit's own values. */
const VISIT_PAGEVIEW_COLUMNS = ['entry_page', 'exit_page', 'events', ...DIMENSIONS] as const

/**
 * Writes the pageviews of the rewritten visitors' visits per hour they fall in (sql/080): a zero row
 * under version `{zero}` for each row those visitors' days had, then a row per visit and hour under
 * `{version}`. A pageview belongs to the last visit of its visitor that started at or before it;
 * visits are cut from these same events, so every pageview has one and the hours add up to the
 * visit's pageviews.
 */
const VISIT_PAGEVIEWS = `
INSERT INTO tellen.rollup_visit_pageviews (site, hour, visitor, start, pageviews, ${VISIT_PAGEVIEW_COLUMNS.join(', ')}, version)
WITH touched AS (${TOUCHED})
SELECT site, hour, visitor, start, 0, ${VISIT_PAGEVIEW_COLUMNS.join(', ')}, {zero:UInt64}
FROM tellen.rollup_visit_pageviews FINAL
WHERE toDate(hour, 'UTC') IN {days:Array(Date)} AND rollup_visit_pageviews.pageviews > 0
  AND (site, visitor) IN (SELECT site, visitor FROM touched)
UNION ALL
SELECT v.site, toStartOfHour(p.ts) AS hour, v.visitor, v.start, toUInt32(count()),
       ${VISIT_PAGEVIEW_COLUMNS.map((c) => `any(v.${c})`).join(', ')}, {version:UInt64}
FROM (SELECT site, visitor, ts FROM tellen.visit_events
      WHERE toDate(ts) IN {days:Array(Date)} AND type = 'pageview' AND (site, visitor) IN (SELECT site, visitor FROM touched)) AS p
ASOF JOIN (SELECT site, visitor, start, ${VISIT_PAGEVIEW_COLUMNS.join(', ')} FROM tellen.rollup_visits FINAL
           WHERE toDate(hour, 'UTC') IN {days:Array(Date)} AND ${LIVE_VISIT} AND (site, visitor) IN (SELECT site, visitor FROM touched)) AS v
ON p.site = v.site AND p.visitor = v.visitor AND p.ts >= v.start
GROUP BY v.site, hour, v.visitor, v.start`

/**
 * The dimensions of a visit that `tellen.rollup_visit_totals` totals visits by, and the column of
 * `tellen.rollup_visits` each is read from; '' is the total of all visits.
 */
export const VISIT_TOTAL_DIMENSIONS = {
  '': "''",
  entry_page: 'entry_page',
  exit_page: 'exit_page',
  source: 'toString(source)',
  referrer: 'referrer_host',
  utm_source: 'toString(utm_source)',
  utm_medium: 'toString(utm_medium)',
  utm_campaign: 'utm_campaign',
} as const

/**
 * A zero row under version `{zero}` for every key the visit totals of the days have (sql/042): a key
 * the recomputed totals no longer have then counts 0. `day` is the table's UTC day of a row. It goes
 * into the same INSERT as the new totals, so no reader sees the zeros without them.
 */
const zeroTotals = (table: string, day: string) => `
SELECT * REPLACE (0 AS visits, 0 AS bounces, 0 AS pageviews, 0 AS duration_ms,
                  arrayReduce('uniqCombinedState(12)', emptyArrayUInt64()) AS visitors, {zero:UInt64} AS version)
FROM ${table} FINAL
WHERE ${day} IN {days:Array(Date)}`

/** Writes the visit totals per hour of whole UTC days, overall and by dimension, under version `{version}`. */
const VISIT_TOTALS = `
INSERT INTO tellen.rollup_visit_totals
${zeroTotals('tellen.rollup_visit_totals', "toDate(hour, 'UTC')")}
UNION ALL
SELECT site, hour, dv.1 AS dimension, dv.2 AS value, count(), countIf(pageviews = 1 AND customs = 0),
       sum(pageviews), sum(dateDiff('millisecond', start, end)), uniqCombinedState(12)(visitor),
       {version:UInt64} AS version
FROM tellen.rollup_visits FINAL
ARRAY JOIN [${Object.entries(VISIT_TOTAL_DIMENSIONS).map(([d, column]) => `('${d}', ${column})`).join(', ')}] AS dv
WHERE toDate(hour, 'UTC') IN {days:Array(Date)} AND ${LIVE_VISIT}
GROUP BY site, hour, dimension, value`

/** Writes the same totals per UTC day from the hourly rows just written. */
const VISIT_TOTALS_DAILY = `
INSERT INTO tellen.rollup_visit_totals_daily
${zeroTotals('tellen.rollup_visit_totals_daily', 'day')}
UNION ALL
SELECT site, toDate(hour, 'UTC') AS day, dimension, value, sum(visits), sum(bounces), sum(pageviews), sum(duration_ms),
       uniqCombinedMergeState(12)(visitors), {version:UInt64}
FROM tellen.rollup_visit_totals
WHERE toDate(hour, 'UTC') IN {days:Array(Date)} AND version = {version:UInt64}
GROUP BY site, day, dimension, value`

/** The visit dimensions that timings and interactions are kept by (sql/060): those of the totals but the total. */
export const DETAIL_DIMENSIONS = Object.keys(VISIT_TOTAL_DIMENSIONS).filter((d) => d !== '') as Exclude<keyof typeof VISIT_TOTAL_DIMENSIONS, ''>[]

/**
 * The days' timing, leave and click events (of `types`) with the dimensions of the visit each belongs
 * to, one row per dimension with a value (`dimension`, `dimension_value`). An event belongs to the
 * last visit of its visitor that started at or before it, if it came within the visit gap of that
 * visit's last event (a later one would have started a visit without a pageview, which is not kept).
 */
const detailsByVisit = (types: string) => `
SELECT site, toStartOfHour(ts) AS hour, dv.1 AS dimension, dv.2 AS dimension_value, type, name, value, scroll, cell_x, cell_y, target, grid
FROM
(
    SELECT d.site AS site, d.ts AS ts, d.type AS type, d.name AS name, d.value AS value, d.scroll AS scroll, d.cell_x AS cell_x,
           d.cell_y AS cell_y, d.target AS target, d.grid AS grid,
           [${DETAIL_DIMENSIONS.map((dim) => `('${dim}', v.of_${dim})`).join(', ')}] AS dims
    FROM (SELECT * FROM tellen.visit_details WHERE toDate(ts) IN {days:Array(Date)} AND type IN (${types})) AS d
    ASOF JOIN (SELECT site, visitor, start, end, ${DETAIL_DIMENSIONS.map((dim) => `${VISIT_TOTAL_DIMENSIONS[dim]} AS of_${dim}`).join(', ')}
               FROM tellen.rollup_visits FINAL WHERE toDate(hour, 'UTC') IN {days:Array(Date)} AND ${LIVE_VISIT}) AS v
    ON d.site = v.site AND d.visitor = v.visitor AND d.ts >= v.start
    WHERE d.ts <= v.end + INTERVAL ${VISIT_GAP_SECONDS} SECOND
)
ARRAY JOIN dims AS dv
WHERE dv.2 != ''`

const CELLS = GRID_COLUMNS * GRID_ROWS

/** Zero rows for the days' keys of a detail rollup, with `replace` the columns that become zeros. */
const zeroDetails = (table: string, replace: string) => `
SELECT * REPLACE (${replace}, {zero:UInt64} AS version) FROM ${table} FINAL WHERE toDate(hour, 'UTC') IN {days:Array(Date)}`

/** Writes timings, interactions and clicked elements by visit dimension for the days (sql/060). */
const DETAIL_ROLLUPS = [
  `INSERT INTO tellen.rollup_visit_timings
  ${zeroDetails('tellen.rollup_visit_timings', `0 AS samples, 0 AS good, 0 AS needs_improvement, 0 AS poor,
    arrayReduce('quantilesTDigestState(0.5, 0.75, 0.95)', emptyArrayFloat64()) AS quantiles`)}
  UNION ALL
  SELECT site, hour, dimension, dimension_value, toString(name) AS metric, count(),
         countIf(value <= good), countIf(value > good AND value <= poor), countIf(value > poor),
         quantilesTDigestState(0.5, 0.75, 0.95)(value), {version:UInt64}
  FROM (SELECT *, ${ratingThreshold(0)} AS good, ${ratingThreshold(1)} AS poor FROM (${detailsByVisit("'timing'")}))
  GROUP BY site, hour, dimension, dimension_value, metric`,
  `INSERT INTO tellen.rollup_visit_interactions
  ${zeroDetails('tellen.rollup_visit_interactions', `CAST([], 'Array(UInt64)') AS depths, CAST([], 'Array(UInt64)') AS moves, CAST([], 'Array(UInt64)') AS clicks`)}
  UNION ALL
  SELECT site, hour, dimension, dimension_value,
         sumForEachIf(arrayMap(i -> toUInt64(i = intDiv(scroll, 10)), range(11)), type = 'leave'),
         sumForEachIf(if(length(grid) = ${CELLS}, arrayMap(n -> toUInt64(n), grid), arrayResize(CAST([], 'Array(UInt64)'), ${CELLS}, toUInt64(0))), type = 'leave'),
         sumForEachIf(arrayMap(i -> toUInt64(i = cell_y * ${GRID_COLUMNS} + cell_x), range(${CELLS})), type = 'click'),
         {version:UInt64}
  FROM (${detailsByVisit("'leave', 'click'")})
  GROUP BY site, hour, dimension, dimension_value`,
  `INSERT INTO tellen.rollup_visit_elements
  ${zeroDetails('tellen.rollup_visit_elements', '0 AS clicks')}
  UNION ALL
  SELECT site, hour, dimension, dimension_value, target, count(), {version:UInt64}
  FROM (${detailsByVisit("'click'")})
  GROUP BY site, hour, dimension, dimension_value, target`,
]

/**
 * Recomputes the visits of the given UTC days of the visitors with events inserted since
 * `touchedSince` (seconds) and their pageviews per hour, then those days' visit totals per hour and
 * per day and their detail rollups by visit dimension (the pair totals follow, `refreshVisitPairs`).
 */
export async function sessionizeDays(db: Db, days: readonly string[], touchedSince = 0): Promise<void> {
  if (!days.length) return
  const version = Date.now()
  const statements = [SESSIONIZE, VISIT_PAGEVIEWS, VISIT_TOTALS, VISIT_TOTALS_DAILY, ...DETAIL_ROLLUPS]
  for (const query of statements) {
    await db.command({
      query,
      query_params: { days, since: touchedSince, version, zero: version - 1 },
      // A token of its own: the embedded engine's session may still hold the last insert's token.
      clickhouse_settings: { insert_deduplication_token: randomUUID() },
    })
  }
}

/** UTC days that hold events (of visits, or their details) inserted at or after `since` (epoch seconds). */
export async function touchedDays(db: Db, since: number): Promise<string[]> {
  const rs = await db.query({
    query: `SELECT DISTINCT toString(toDate(ts)) AS day
            FROM (SELECT ts FROM tellen.visit_events WHERE inserted >= toDateTime({since:UInt32})
                  UNION ALL SELECT ts FROM tellen.visit_details WHERE inserted >= toDateTime({since:UInt32}))
            ORDER BY day`,
    query_params: { since },
    format: 'JSONEachRow',
  })
  return (await rs.json<{ day: string }>()).map((r) => r.day)
}

/**
 * One pass of the visits job: finds the days with events inserted since `since` and rewrites their
 * changed visits, one day at a time, then the pair totals of the changed days (today's only once
 * they are `todayPairsMaxAgeMs` old; `onTodayPairsCost` hears how long they took, `onPairsWaiting`
 * how many changed days' pairs wait for a later pass). Returns the watermark for the next pass.
 */
export async function runVisitsJob(
  db: Db,
  since = 0,
  todayPairsMaxAgeMs = 0,
  onTodayPairsCost?: (ms: number) => void,
  onPairsWaiting?: (days: number) => void,
): Promise<number> {
  // `inserted` is the engine's now() when the rows went in, with one-second resolution: the next pass
  // starts a little before this one did, by the engine's clock (a server's may differ from ours).
  const rs = await db.query({ query: 'SELECT toUnixTimestamp(now()) AS t', format: 'JSONEachRow' })
  const next = Number((await rs.json<{ t: number | string }>())[0]!.t) - 5
  const days = await touchedDays(db, since)
  await holdingOldVisits(db, days, async () => {
    for (const day of days) await sessionizeDays(db, [day], since)
    await refreshVisitPairs(db, todayPairsMaxAgeMs, Date.now(), onTodayPairsCost, onPairsWaiting)
  })
  return next
}

/**
 * Runs `fn` (a pass over `days`) with the engine's TTL merges of the per-visit tables stopped when a
 * day is older than yesterday: visits of a day past the event retention (traffic inserted late, as
 * the demo fills months) would otherwise be merged away moments after they are written, before the
 * pass has read its totals, pairs and details from them. They go when the merges start again at the
 * end of the pass. Only on the embedded engine, whose merges cannot stay stopped after its process:
 * on a server such days get no visit totals.
 */
async function holdingOldVisits(db: Db, days: readonly string[], fn: () => Promise<void>): Promise<void> {
  const yesterday = addDays(new Date().toISOString().slice(0, 10), -1)
  if (!isEmbedded(db) || !days.some((day) => day < yesterday)) return fn()
  const ttlMerges = (verb: 'STOP' | 'START') => Promise.all(PER_VISIT_TABLES.map((table) => db.command({ query: `SYSTEM ${verb} TTL MERGES tellen.${table}` })))
  await ttlMerges('STOP')
  try {
    await fn()
  } finally {
    await ttlMerges('START')
  }
}

export interface VisitsJob {
  /** Runs a pass now (after the one in progress) and resolves when it is done. */
  runNow(): Promise<void>
  /**
   * Says that something a pass reads has changed (events written, a partner dataset defined or
   * removed): on the embedded engine, whose data only this process writes, passes with nothing new
   * since the last one are skipped.
   */
  touch(): void
  /**
   * Runs `fn` while no pass of the job writes, in this collector or any other on the same database:
   * between two passes of this collector when it holds the job's lease, else holding the lease
   * itself, which the holder gives up at its next pass. A forget so deletes rows that no pass
   * rewrites at the same time.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>
  stop(): Promise<void>
}

/** The lease of the visits job: its holder runs the passes; a forget takes it to run between two passes. */
export const VISITS_LEASE = 'visits'

/** How many intervals of the visits job a collector holds its lease without a pass: then another takes over. */
const VISITS_LEASE_INTERVALS = 5
/** How many times a lease is renewed within its time while a forget holds it. */
const LEASE_RENEWALS = 3
/** The shortest lease of the visits job, so a slow pass on a loaded server does not lose it. */
const VISITS_LEASE_MIN_MS = 30_000

/**
 * Runs the visits job every `intervalMs` in this collector, while it holds the `visits` lease in
 * ClickHouse: of several collectors on one server, one runs the passes. One that takes the lease
 * over starts with a pass over every day still in `tellen.visit_events`. Each pass then stores the
 * partner datasets' counts of the days that ended (storeDayCounts).
 */
export function startVisitsJob(db: Db, log: Logger, intervalMs = 60_000): VisitsJob {
  let since = 0
  /** How long the last rewrite of today's pair totals took. */
  let todayPairsCostMs = 0
  let running: Promise<void> = Promise.resolve()
  // The embedded engine's data directory belongs to one process: no other collector runs the job.
  const leaseMs = Math.max(VISITS_LEASE_MIN_MS, intervalMs * VISITS_LEASE_INTERVALS)
  const lease = isEmbedded(db) ? undefined : createLease(db, VISITS_LEASE, leaseMs)
  /** A pass that is queued and not started yet: a timer that fires meanwhile joins it. */
  let waiting: Promise<void> | undefined
  // On the embedded engine this process writes everything a pass reads, so a pass is skipped while
  // nothing was written since the last one began, its UTC day is the same (days end: their pairs and
  // the datasets' day counts are due) and no pairs wait for their time: an idle collector ran five
  // statements each interval (40 ms of CPU, bench/lib/idle-pass.ts), four times a second in tests.
  let touched = true
  let pairsWaiting = false
  let lastDay = ''
  const pass = () => {
    if (waiting) return waiting
    waiting = running = running.then(async () => {
      waiting = undefined
      const day = new Date().toISOString().slice(0, 10)
      if (!lease && !touched && !pairsWaiting && day === lastDay) return
      touched = false
      lastDay = day
      try {
        if (lease && !(await lease.acquire())) {
          since = 0
          return
        }
        if (lease && (await lease.queued())) {
          // Another process waits for the lease (a forget): it goes first, then any collector takes over.
          await lease.release()
          since = 0
          return
        }
        since = await runVisitsJob(
          db,
          since,
          todayPairsCostMs * TODAY_PAIRS_AGE_PER_COST,
          (ms) => (todayPairsCostMs = ms),
          (days) => (pairsWaiting = days > 0),
        )
      } catch (err) {
        touched = true
        log.error({ err: (err as Error).message }, 'visits job failed')
        return
      }
      // The partner datasets' counts of the days ended and still kept, before their visits go.
      await storeDayCounts(db).catch((err: Error) => {
        touched = true
        log.error({ err: err.message }, 'export day counts not written')
      })
    })
    return running
  }
  const timer = setInterval(() => void pass(), intervalMs)
  timer.unref()
  void pass()
  return {
    runNow() {
      touched = true
      return pass()
    },
    touch() {
      touched = true
    },
    exclusive(fn) {
      const turn = running.then(async () => {
        // What `fn` deletes or writes is for the next pass to see.
        touched = true
        if (!lease) return fn()
        if (!(await lease.acquire())) return withLease(db, VISITS_LEASE, fn, { ttlMs: leaseMs })
        // This collector runs the job: no pass writes anywhere while it keeps the lease.
        const renewing = setInterval(() => void lease.acquire().catch(() => undefined), leaseMs / LEASE_RENEWALS)
        try {
          return await fn()
        } finally {
          clearInterval(renewing)
        }
      })
      running = turn.then(
        () => undefined,
        () => undefined,
      )
      return turn
    },
    async stop() {
      clearInterval(timer)
      await running
      // Today's changes into the pair totals before it goes (a repeat of another collector's is harmless).
      await refreshVisitPairs(db, 0).catch((err: Error) => log.error({ err: err.message }, 'visit pairs not written'))
      await lease?.release().catch(() => undefined)
    },
  }
}
