import type { Db } from '../db/client.ts'
import { configuredCluster, dataTableOf, renderForDeployment } from '../db/cluster.ts'

export interface RetentionSettings {
  /** Days anonymised events are kept; 0: never stored. */
  eventsDays: number
  /** Days rollups are kept; 0: kept until deleted. */
  rollupDays: number
}

/** What `applyRetention` changed, for the start-up log. */
export interface RetentionChange {
  table: string
  change: string
}

const EVENTS_TTL_COLUMN = 'toDateTime(ts)'
/** The view that stores events, as sql/070_events_without_prefix.sql made it: every column but the address prefix. */
const EVENTS_STORE_VIEW = 'CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.events_store_mv TO tellen.events AS SELECT * EXCEPT (ip_prefix) FROM tellen.events_in'
/** The time column a rollup's TTL is on: `day` in the daily rollups, `hour` in the others. */
const rollupTtlColumn = (table: string) => (table.endsWith('_daily') ? 'day' : 'hour')
/** Rollup tables are discovered by name; a name must look like this before it goes into SQL. */
const ROLLUP_NAME = /^rollup_[a-z0-9_]+$/
/**
 * The tables of one row per visit (with the day's visitor code), written by the visits job: kept as
 * long as the events, not as the rollups; the aggregates of sql/042 and sql/120 outlive them.
 */
export const PER_VISIT_TABLES = ['rollup_visits', 'rollup_visit_pageviews'] as const
/**
 * The fewest days visits are kept, whatever the event retention: the visits job recomputes a day's
 * visits from `tellen.visit_events`, which keeps events two days after insert (sql/022).
 */
export const VISITS_MIN_DAYS = 2

/** Days the per-visit tables are kept under an event retention of `eventsDays`. */
export const visitsRetentionDays = (eventsDays: number) => Math.max(eventsDays, VISITS_MIN_DAYS)

/** The TTL expression of a table as ClickHouse prints it in engine_full, or '' when it has none. */
export function ttlOf(engineFull: string): string {
  const m = / TTL (.+?)(?: SETTINGS |$)/.exec(engineFull)
  return m ? m[1]!.trim() : ''
}

/**
 * The days of a `column + INTERVAL N DAY` TTL, as ClickHouse prints it (`toIntervalDay(30)`, or
 * `toIntervalDay(_CAST(30, 'UInt32'))` when it was set with a query parameter); undefined otherwise.
 */
export function ttlDays(ttl: string, column: string): number | undefined {
  const prefix = `${column} + toIntervalDay(`
  if (!ttl.startsWith(prefix)) return undefined
  const m = /^(?:_CAST\()?(\d+)/.exec(ttl.slice(prefix.length))
  return m ? Number(m[1]) : undefined
}

/**
 * The statements that set the TTL of `table` to `ttl` (an expression; it may use `{days:UInt32}`),
 * or remove it when `ttl` is undefined: on one node an ALTER of the table; on a cluster an ALTER ON
 * CLUSTER of each node's part, which holds the rows (a Distributed table has no TTL).
 * @example ttlStatements('events', 'toDateTime(ts) + INTERVAL {days:UInt32} DAY')
 * // ['ALTER TABLE tellen.`events` MODIFY TTL toDateTime(ts) + INTERVAL {days:UInt32} DAY']
 */
export function ttlStatements(table: string, ttl: string | undefined, cluster: string | undefined = configuredCluster()): string[] {
  return renderForDeployment(`ALTER TABLE tellen.\`${table}\` ${ttl === undefined ? 'REMOVE TTL' : `MODIFY TTL ${ttl}`}`, [table], cluster)
}

/** The tables of the migrations whose name is `wanted`, with the engine of the table that holds their rows. */
async function tables(db: Db, wanted: (name: string) => boolean): Promise<{ name: string; engine_full: string }[]> {
  const rs = await db.query({
    query: `SELECT name, engine_full FROM system.tables WHERE database = 'tellen' AND engine LIKE '%MergeTree' ORDER BY name`,
    format: 'JSONEachRow',
  })
  // On a cluster the rows and the TTL are in each node's part of a table (`<name>_local`).
  return (await rs.json<{ name: string; engine_full: string }>()).flatMap((t) => {
    const name = dataTableOf(t.name)
    return name !== undefined && wanted(name) ? [{ ...t, name }] : []
  })
}

/**
 * Makes the schema follow the configured retention, at every start after migrations:
 * - events: `TTL ts + N days` on `tellen.events`; with 0 the view `events_store_mv` is dropped, so
 *   events only pass through `tellen.events_in` into the rollups, and it is created again when N > 0;
 * - per-visit tables (`PER_VISIT_TABLES`): `TTL hour + N days` with the event retention (at least
 *   `VISITS_MIN_DAYS`), whatever the rollup retention;
 * - rollups: `TTL hour + N days` on every other `tellen.rollup_*` table (`day` in the daily ones), or no TTL for 0.
 * A table whose TTL already matches is left alone.
 * @example await applyRetention(db, { eventsDays: 30, rollupDays: 760 })
 */
export async function applyRetention(db: Db, settings: RetentionSettings): Promise<RetentionChange[]> {
  const changes: RetentionChange[] = []
  if (settings.eventsDays === 0) {
    const [view] = await (await db.query({ query: `SELECT name FROM system.tables WHERE database = 'tellen' AND name = 'events_store_mv'`, format: 'JSONEachRow' })).json<{ name: string }>()
    if (view) {
      for (const query of renderForDeployment('DROP VIEW IF EXISTS tellen.events_store_mv', [])) await db.command({ query })
      changes.push({ table: 'events_store_mv', change: 'dropped: events are not stored' })
    }
  } else {
    const [events] = await tables(db, (name) => name === 'events')
    if (events && ttlDays(ttlOf(events.engine_full), EVENTS_TTL_COLUMN) !== settings.eventsDays) {
      for (const query of ttlStatements('events', `${EVENTS_TTL_COLUMN} + INTERVAL {days:UInt32} DAY`)) await db.command({ query, query_params: { days: settings.eventsDays } })
      changes.push({ table: 'events', change: `TTL ${settings.eventsDays} days` })
    }
    const [view] = await (await db.query({ query: `SELECT name FROM system.tables WHERE database = 'tellen' AND name = 'events_store_mv'`, format: 'JSONEachRow' })).json<{ name: string }>()
    if (!view) {
      for (const query of renderForDeployment(EVENTS_STORE_VIEW, ['events', 'events_in'])) await db.command({ query })
      changes.push({ table: 'events_store_mv', change: 'created: events are stored again' })
    }
  }
  for (const rollup of await tables(db, (name) => name.startsWith('rollup_'))) {
    if (!ROLLUP_NAME.test(rollup.name)) continue
    const current = ttlOf(rollup.engine_full)
    if ((PER_VISIT_TABLES as readonly string[]).includes(rollup.name)) {
      const days = visitsRetentionDays(settings.eventsDays)
      if (ttlDays(current, 'hour') === days) continue
      for (const query of ttlStatements(rollup.name, 'hour + INTERVAL {days:UInt32} DAY')) await db.command({ query, query_params: { days } })
      changes.push({ table: rollup.name, change: `TTL ${days} days, as the events` })
    } else if (settings.rollupDays === 0) {
      if (!current) continue
      for (const query of ttlStatements(rollup.name, undefined)) await db.command({ query })
      changes.push({ table: rollup.name, change: 'TTL removed: kept until deleted' })
    } else if (ttlDays(current, rollupTtlColumn(rollup.name)) !== settings.rollupDays) {
      for (const query of ttlStatements(rollup.name, `${rollupTtlColumn(rollup.name)} + INTERVAL {days:UInt32} DAY`)) await db.command({ query, query_params: { days: settings.rollupDays } })
      changes.push({ table: rollup.name, change: `TTL ${settings.rollupDays} days` })
    }
  }
  return changes
}
