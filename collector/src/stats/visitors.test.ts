import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rows, tempDataDir } from '../../../test/helpers/collector.ts'
import { openDb, type Db } from '../db/client.ts'
import { migrate, SQL_DIR } from '../db/migrate.ts'
import { VISITORS_COUNTED, VISITORS_MERGED } from './visitors.ts'

/** The rollups whose visitor states sql/040 rebuilds, with the sum column each keeps. */
const ROLLUPS = {
  rollup_site: 'pageviews',
  rollup_pages: 'pageviews',
  rollup_technology: 'pageviews',
  rollup_locations: 'pageviews',
  rollup_errors: 'count',
  rollup_leaving: 'leaves',
  rollup_calls: 'calls',
  rollup_custom: 'events',
} as const
type Rollup = keyof typeof ROLLUPS

/** The event types each rollup counts (custom events: the row of the event itself, prop ''). */
const TYPES: Record<Rollup, string[]> = {
  rollup_site: ['pageview'],
  rollup_pages: ['pageview'],
  rollup_technology: ['pageview'],
  rollup_locations: ['pageview'],
  rollup_errors: ['error', 'download'],
  rollup_leaving: ['leave'],
  rollup_calls: ['call'],
  rollup_custom: ['custom'],
}

const HOUR = 3_600_000
const now = Date.now()
const oldHour = Math.floor((now - 20 * 24 * HOUR) / HOUR) * HOUR
const keptHour = Math.floor((now - 5 * 24 * HOUR) / HOUR) * HOUR
const newHour = Math.floor((now - 2 * HOUR) / HOUR) * HOUR

interface Ev {
  type: string
  visitor: number
  ts: number
}

/** Every kind of event the rebuilt rollups count, for `visitors` visitors (ids from `first`) in one hour. */
function eventsOf(hour: number, first: number, visitors: number): Ev[] {
  const out: Ev[] = []
  for (let v = first; v < first + visitors; v++) {
    for (const type of ['pageview', 'pageview', 'error', 'download', 'leave', 'call', 'custom']) out.push({ type, visitor: v, ts: hour + (v % 50) * 60_000 })
  }
  return out
}

async function insert(db: Db, events: Ev[]): Promise<void> {
  await db.insert({
    table: 'tellen.events_in',
    format: 'JSONEachRow',
    values: events.map((e) => ({
      site: 'example.com', type: e.type, ts: e.ts, visitor: e.visitor, path: '/', name: e.type === 'leave' ? 'hidden' : e.type === 'error' ? 'img' : e.type === 'custom' ? 'signup' : '',
      target: e.type === 'call' ? '+31201234567' : '', country: 'NL', browser: 'Firefox', device: 'desktop', props: e.type === 'custom' ? { plan: 'pro' } : {},
    })),
  })
}

const sumOf = async (db: Db, table: Rollup, where = '') =>
  Number((await rows<{ n: number }>(db, `SELECT sum(${ROLLUPS[table]}) AS n FROM tellen.${table} WHERE 1${where}${table === 'rollup_custom' ? ` AND prop = ''` : ''}`))[0]!.n)
const visitorsOf = async (db: Db, table: Rollup, where = '') =>
  Number((await rows<{ n: number }>(db, `SELECT ${VISITORS_MERGED} AS n FROM tellen.${table} WHERE 1${where}${table === 'rollup_custom' ? ` AND prop = ''` : ''}`))[0]!.n)

describe('upgrading the rollups from uniq to uniqCombined visitor states (sql/040)', () => {
  let db: Db
  const old = eventsOf(oldHour, 0, 30)
  const kept = eventsOf(keptHour, 1000, 40)
  const later = eventsOf(newHour, 2000, 25)

  beforeAll(async () => {
    // The database as the migrations before 040 left it, with traffic in two hours, the older of
    // which has already left tellen.events (as the event retention would have removed it).
    const before = tempDataDir('tellen-sql-')
    for (const f of fs.readdirSync(SQL_DIR).filter((f) => f < '040')) fs.copyFileSync(path.join(SQL_DIR, f), path.join(before, f))
    db = openDb({ dataDir: tempDataDir() })
    await migrate(db, before)
    await insert(db, [...old, ...kept])
    await db.command({ query: `ALTER TABLE tellen.events DELETE WHERE ts < {cut:DateTime64(3)}`, query_params: { cut: new Date(keptHour - HOUR).toISOString().replace('T', ' ').replace('Z', '') }, clickhouse_settings: { mutations_sync: '2' } })
    expect(await migrate(db)).toContain('040_visitor_states')
    await insert(db, later)
  }, 60_000)
  afterAll(() => db?.close())

  const count = (events: Ev[], table: Rollup) => events.filter((e) => TYPES[table].includes(e.type)).length
  const hourIs = (ms: number) => ` AND hour = toDateTime(${ms / 1000}, 'UTC')`

  it.each(Object.keys(ROLLUPS) as Rollup[])('%s keeps every sum, older hours included', async (table) => {
    expect(await sumOf(db, table, hourIs(oldHour))).toBe(count(old, table))
    expect(await sumOf(db, table, hourIs(keptHour))).toBe(count(kept, table))
    expect(await sumOf(db, table)).toBe(count([...old, ...kept, ...later], table))
  })

  it.each(Object.keys(ROLLUPS) as Rollup[])('%s has visitor states rebuilt from the kept events and fed by its view again', async (table) => {
    expect(await visitorsOf(db, table, hourIs(keptHour))).toBe(40)
    expect(await visitorsOf(db, table, hourIs(newHour))).toBe(25)
    expect(await visitorsOf(db, table)).toBe(65)
  })

  it('holds uniqCombined(12) states in every rebuilt rollup and no table is left behind', async () => {
    const types = await rows<{ table: string; type: string }>(db, `SELECT table, type FROM system.columns WHERE database = 'tellen' AND name = 'visitors' AND table LIKE 'rollup\\_%' AND table NOT LIKE '%\\_mv' ORDER BY table`)
    const withVisitors = [...Object.keys(ROLLUPS).flatMap((t) => [t, `${t}_daily`]), 'rollup_visit_pairs_daily', 'rollup_visit_totals', 'rollup_visit_totals_daily'].sort()
    // The partner datasets' day counts hold counted visitor codes, bounded per visitor, not states.
    const counted = { table: 'rollup_export_counts_daily', type: 'UInt64' }
    expect(types).toEqual([...withVisitors.map((table) => ({ table, type: 'AggregateFunction(uniqCombined(12), UInt64)' })), counted].sort((a, b) => a.table.localeCompare(b.table)))
    const leftovers = await rows(db, `SELECT name FROM system.tables WHERE database = 'tellen' AND name LIKE '%\\_next'`)
    expect(leftovers).toEqual([])
  })

  it('counts visitors from events with the function the rollups merge', async () => {
    const [r] = await rows<{ events: number; rollup: number }>(db, `SELECT
      (SELECT ${VISITORS_COUNTED} FROM tellen.events WHERE type = 'pageview') AS events,
      (SELECT ${VISITORS_MERGED} FROM tellen.rollup_site WHERE hour >= toDateTime(${keptHour / 1000}, 'UTC')) AS rollup`)
    expect(Number(r!.events)).toBe(65)
    expect(Number(r!.rollup)).toBe(65)
  })
})
