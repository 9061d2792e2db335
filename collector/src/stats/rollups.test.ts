import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rows } from '../../../test/helpers/collector.ts'
import { buildFixture, openStatsDb, type StatsDb } from '../../../test/helpers/stats-fixture.ts'
import { insertLines } from '../ingest/writer.ts'

/** The rollups with a daily twin, and a sum column of each. */
const SUMS = {
  rollup_site: 'pageviews', rollup_pages: 'pageviews', rollup_technology: 'pageviews', rollup_locations: 'pageviews',
  rollup_timings: 'samples', rollup_timings_site: 'samples', rollup_errors: 'count', rollup_scroll: 'views', rollup_clicks: 'clicks', rollup_leaving: 'leaves', rollup_calls: 'calls', rollup_custom: 'events',
}
const DAILY = Object.keys(SUMS)

let s: StatsDb
beforeAll(async () => {
  s = await openStatsDb()
})
afterAll(() => s?.close())

describe('rollup tables', () => {
  it('each have an hour bucket, a TTL on it and a deduplication window; visits one by one are kept as the events', async () => {
    const tables = await rows<{ name: string; create_table_query: string }>(
      s.db,
      `SELECT name, create_table_query FROM system.tables WHERE database = 'tellen' AND name LIKE 'rollup\\_%' AND engine != 'MaterializedView'`,
    )
    const hourly = [
      'rollup_calls', 'rollup_clicks', 'rollup_custom', 'rollup_errors', 'rollup_honoured', 'rollup_leaving', 'rollup_locations', 'rollup_pages',
      'rollup_scroll', 'rollup_scroll_audience', 'rollup_site', 'rollup_technology', 'rollup_timings', 'rollup_timings_site', 'rollup_visit_elements',
      'rollup_visit_interactions', 'rollup_visit_pageviews', 'rollup_visit_timings', 'rollup_visit_totals', 'rollup_visits',
    ]
    const daily = [...DAILY, 'rollup_visit_totals', 'rollup_visit_pairs', 'rollup_export_counts'].map((t) => `${t}_daily`)
    const perVisit = ['rollup_visits', 'rollup_visit_pageviews']
    expect(tables.map((t) => t.name).sort()).toEqual([...hourly, ...daily].sort())
    for (const t of tables) {
      const time = t.name.endsWith('_daily') ? { column: /`?day`? Date/, ttl: 'day' } : { column: /`?hour`? DateTime\('UTC'\)/, ttl: 'hour' }
      expect(t.create_table_query, t.name).toMatch(time.column)
      const days = perVisit.includes(t.name) ? 30 : 760
      expect(t.create_table_query, t.name).toMatch(new RegExp(`TTL ${time.ttl} \\+ (toIntervalDay\\(${days}\\)|INTERVAL ${days} DAY)`))
      expect(t.create_table_query, t.name).toMatch(/non_replicated_deduplication_window = 10000/)
    }
  })

  it('do not count a batch replayed with the same deduplication token twice', async () => {
    const { processBatch } = await import('../ingest/pipeline.ts')
    const { parseIp } = await import('../ingest/ip.ts')
    const events = buildFixture(3, 7).filter((e) => e.batch <= 3)
    const lines = events.flatMap((e) => {
      const r = processBatch(
        { v: 1, site: 'example.com', events: [e.wire] },
        { ip: parseIp('145.14.1.9'), userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0', origin: undefined, now: e.ts + 1000 },
        { site: () => ({ domain: 'example.com', timezone: 'UTC', queryAllowlist: new Set() }), saltFor: () => Buffer.alloc(32, 1), ipv4Prefix: 24, ipv6Prefix: 48 },
      )
      return r.ok ? r.rows : []
    })
    const token = randomUUID()
    await insertLines(s.db, 'tellen.events_in', lines, token)
    await insertLines(s.db, 'tellen.events_in', lines, token)
    const count = async (table: string, column: string) =>
      Number((await rows<{ n: number }>(s.db, `SELECT sum(${column}) AS n FROM tellen.${table}`))[0]!.n)
    const pageviews = events.filter((e) => e.type === 'pageview').length
    expect(pageviews).toBeGreaterThan(0)
    expect(await count('rollup_site', 'pageviews')).toBe(pageviews)
    expect(await count('rollup_pages', 'pageviews')).toBe(pageviews)
    expect(await count('rollup_timings', 'samples')).toBe(events.filter((e) => e.type === 'timing').length)
    expect(await count('rollup_leaving', 'leaves')).toBe(events.filter((e) => e.type === 'leave').length)
    for (const [table, column] of Object.entries(SUMS)) {
      expect(await count(`${table}_daily`, column), table).toBe(await count(table, column))
    }
  })
})
