import { afterAll, describe, expect, it } from 'vitest'
import { migrate } from '../collector/src/db/migrate.ts'
import { postEvents, rows, startCollector, tempDataDir, withDataDir, type Collector } from './helpers/collector.ts'
import { migratedDataDir } from './helpers/migrated-data-dir.ts'

const SITE = 'example.com'

const engines = (dataDir: string) =>
  withDataDir(dataDir, async (db) => {
    const list = await rows<{ name: string; engine_full: string }>(db, `SELECT name, engine_full FROM system.tables WHERE database = 'tellen'`)
    return Object.fromEntries(list.map((t) => [t.name, t.engine_full]))
  })

const counts = (dataDir: string, path: string) =>
  withDataDir(dataDir, async (db) => ({
    events: (await rows<{ n: number }>(db, 'SELECT toUInt32(count()) AS n FROM tellen.events WHERE path = {path:String}', { path }))[0]!.n,
    rollup: (await rows<{ n: number }>(db, 'SELECT toUInt32(sum(views)) AS n FROM tellen.rollup_test_pages WHERE path = {path:String}', { path }))[0]!.n,
  }))

describe('retention follows TELLEN_EVENTS_RETENTION_DAYS and TELLEN_ROLLUP_RETENTION_DAYS at every start', () => {
  const dataDir = migratedDataDir()
  let c: Collector | undefined
  const run = async (env: Record<string, string>, path: string) => {
    c = await startCollector({ TELLEN_SITES: SITE, ...env }, dataDir)
    const res = await postEvents(c.url, { v: 1, site: SITE, events: [{ type: 'pageview', url: `https://${SITE}${path}` }] })
    expect(res.status).toBe(202)
    expect(await c.stop()).toBe(0)
    return c.output()
  }

  afterAll(async () => {
    await c?.stop('SIGKILL')
  })

  it('starts with 30 days of events and visits and 760 days of rollups by default', async () => {
    // A rollup fed from events_in as the analytics rollups are, so that its TTL and its rows can be followed.
    await withDataDir(dataDir, async (db) => {
      await migrate(db)
      await db.command({
        query: `CREATE TABLE tellen.rollup_test_pages (site LowCardinality(String), hour DateTime('UTC'), path String, views UInt64)
                ENGINE = SummingMergeTree(views) ORDER BY (site, hour, path) TTL hour + INTERVAL 760 DAY
                SETTINGS non_replicated_deduplication_window = 10000`,
      })
      await db.command({
        query: `CREATE MATERIALIZED VIEW tellen.rollup_test_pages_mv TO tellen.rollup_test_pages AS
                SELECT site, toStartOfHour(ts) AS hour, path, toUInt64(count()) AS views FROM tellen.events_in GROUP BY site, hour, path`,
      })
    })
    const out = await run({}, '/default')
    expect(out).not.toContain('retention applied')
    const e = await engines(dataDir)
    expect(e.events).toContain('TTL toDateTime(ts) + toIntervalDay(30)')
    expect(e.rollup_test_pages).toContain('TTL hour + toIntervalDay(760)')
    expect(e.rollup_honoured).toContain('TTL hour + toIntervalDay(760)')
    expect(e.rollup_pages_daily).toContain('TTL day + toIntervalDay(760)')
    // Visits one by one are kept as long as the events, not as the rollups.
    expect(e.rollup_visits).toContain('TTL hour + toIntervalDay(30)')
    expect(e.rollup_visit_pageviews).toContain('TTL hour + toIntervalDay(30)')
    expect(await counts(dataDir, '/default')).toEqual({ events: 1, rollup: 1 })
  })

  it('changes the TTLs when the values change and the collector restarts', async () => {
    const out = await run({ TELLEN_EVENTS_RETENTION_DAYS: '7', TELLEN_ROLLUP_RETENTION_DAYS: '400' }, '/changed')
    expect(out).toContain('retention applied')
    const e = await engines(dataDir)
    expect(e.events).toMatch(/TTL toDateTime\(ts\) \+ toIntervalDay\((_CAST\()?7\b/)
    expect(e.rollup_test_pages).toMatch(/TTL hour \+ toIntervalDay\((_CAST\()?400\b/)
    expect(e.rollup_honoured).toMatch(/TTL hour \+ toIntervalDay\((_CAST\()?400\b/)
    expect(e.rollup_pages_daily).toMatch(/TTL day \+ toIntervalDay\((_CAST\()?400\b/)
    expect(e.rollup_visits).toMatch(/TTL hour \+ toIntervalDay\((_CAST\()?7\b/)
    expect(e.rollup_visit_pageviews).toMatch(/TTL hour \+ toIntervalDay\((_CAST\()?7\b/)
    // The same values again change nothing.
    expect(await run({ TELLEN_EVENTS_RETENTION_DAYS: '7', TELLEN_ROLLUP_RETENTION_DAYS: '400' }, '/same')).not.toContain('retention applied')
  })

  it('with event retention 0 stores no event but still feeds the rollups, and keeps rollups forever with 0', async () => {
    const out = await run({ TELLEN_EVENTS_RETENTION_DAYS: '0', TELLEN_ROLLUP_RETENTION_DAYS: '0' }, '/zero')
    expect(out).toContain('retention applied')
    const e = await engines(dataDir)
    expect(e.events_store_mv).toBeUndefined()
    expect(e.rollup_test_pages).not.toContain('TTL')
    expect(e.rollup_honoured).not.toContain('TTL')
    expect(e.rollup_pages_daily).not.toContain('TTL')
    // The visits job still cuts visits from the two days of visit_events, and keeps them no longer.
    expect(e.rollup_visits).toMatch(/TTL hour \+ toIntervalDay\((_CAST\()?2\b/)
    expect(e.rollup_visit_pageviews).toMatch(/TTL hour \+ toIntervalDay\((_CAST\()?2\b/)
    expect(await counts(dataDir, '/zero')).toEqual({ events: 0, rollup: 1 })
    const anywhere = await withDataDir(dataDir, async (db) => {
      // Rollups aggregate by page by design; visit_events holds events two days, only to cut visits.
      const tables = await rows<{ name: string }>(db, `SELECT name FROM system.tables WHERE database = 'tellen' AND engine NOT IN ('Null', 'MaterializedView') AND name NOT LIKE 'rollup\\_%' AND name != 'visit_events'`)
      return JSON.stringify(await Promise.all(tables.map((t) => rows(db, `SELECT * FROM tellen.${t.name}`))))
    })
    expect(anywhere).not.toContain('/zero')
  })

  it('stores events again when retention becomes more than 0', async () => {
    await run({ TELLEN_EVENTS_RETENTION_DAYS: '14' }, '/again')
    const e = await engines(dataDir)
    expect(e.events_store_mv).toBeDefined()
    expect(e.events).toMatch(/toIntervalDay\((_CAST\()?14\b/)
    expect(e.rollup_test_pages).toMatch(/TTL hour \+ toIntervalDay\((_CAST\()?760\b/)
    expect(e.rollup_visits).toMatch(/TTL hour \+ toIntervalDay\((_CAST\()?14\b/)
    expect(await counts(dataDir, '/again')).toEqual({ events: 1, rollup: 1 })
  })

  it('refuses a retention that is not a whole number of days', async () => {
    await expect(startCollector({ TELLEN_EVENTS_RETENTION_DAYS: '-1' }, tempDataDir())).rejects.toThrow(/TELLEN_EVENTS_RETENTION_DAYS="-1" must be at least 0/)
    await expect(startCollector({ TELLEN_ROLLUP_RETENTION_DAYS: 'forever' }, tempDataDir())).rejects.toThrow(/TELLEN_ROLLUP_RETENTION_DAYS="forever" must be a whole number/)
  })
})
