import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyRetention, ttlOf } from '../collector/src/privacy/retention.ts'
import { rows } from './helpers/collector.ts'
import { buildFixture, openStatsDb, type SentEvent, type StatsDb } from './helpers/stats-fixture.ts'

/** The default event retention, as the collector applies it at start. */
const EVENTS_DAYS = 30
const ROLLUP_DAYS = 760
/**
 * Added to a fixture visitor's number, it gives another address in the same place with the same
 * browser (the fixture cycles three browsers and three places), so its visits share every attribute.
 */
const TWIN_OFFSET = 9

interface Kept {
  name: string
  engine: string
  ttlDays: number | undefined
}

/** Days of the TTL a table prints (`<column> + toIntervalDay(N)`), undefined without one. */
const daysOf = (engineFull: string) => {
  const m = /toIntervalDay\((?:_CAST\()?(\d+)/.exec(ttlOf(engineFull))
  return m ? Number(m[1]) : undefined
}

/**
 * Plays a reader of the database a year on: every table of `tellen` that keeps rows longer than the
 * event retention (or without end) is found from system.tables, so a table added later is looked at too.
 */
async function keptBeyondEvents(db: StatsDb['db']): Promise<Kept[]> {
  const tables = await rows<{ name: string; engine: string; engine_full: string }>(
    db,
    `SELECT name, engine, engine_full FROM system.tables WHERE database = 'tellen' AND engine LIKE '%MergeTree' ORDER BY name`,
  )
  return tables
    .map((t) => ({ name: t.name, engine: t.engine, ttlDays: daysOf(t.engine_full) }))
    .filter((t) => t.ttlDays === undefined || t.ttlDays > EVENTS_DAYS)
}

/** Rows of each table once merged (a replaced row or a version of an aggregate then counts once). */
async function rowCounts(db: StatsDb['db'], tables: readonly Kept[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const t of tables) {
    await db.command({ query: `OPTIMIZE TABLE tellen.\`${t.name}\` FINAL` })
    out[t.name] = Number((await rows<{ n: string }>(db, `SELECT count() AS n FROM tellen.\`${t.name}\``))[0]!.n)
  }
  return out
}

describe('only aggregates outlive the event retention', () => {
  let s: StatsDb
  let kept: Kept[]
  let fixture: SentEvent[]
  beforeAll(async () => {
    s = await openStatsDb()
    await applyRetention(s.db, { eventsDays: EVENTS_DAYS, rollupDays: ROLLUP_DAYS })
    fixture = buildFixture(9, 11)
    await s.ingest(fixture)
    kept = await keptBeyondEvents(s.db)
  })
  afterAll(() => s?.close())

  it('finds the rollups among the tables kept beyond the event retention', () => {
    const names = kept.map((t) => t.name)
    expect(names).toContain('rollup_visit_totals_daily')
    expect(names).toContain('sites')
    expect(names).not.toContain('events')
  })

  it('keeps no visitor code in a table kept beyond the event retention, in any column', async () => {
    const codes = (await rows<{ visitor: string }>(s.db, 'SELECT DISTINCT toString(visitor) AS visitor FROM tellen.visit_events')).map((r) => r.visitor)
    expect(codes.length).toBe(9)
    const found: { table: string; column: string; rows: number }[] = []
    for (const t of kept) {
      const columns = await rows<{ name: string; type: string }>(s.db, `SELECT name, type FROM system.columns WHERE database = 'tellen' AND table = {table:String}`, { table: t.name })
      for (const c of columns) {
        if (/AggregateFunction/.test(c.type)) continue
        const asText = /Array/.test(c.type) ? `arrayMap(x -> toString(x), \`${c.name}\`)` : `[toString(\`${c.name}\`)]`
        const [hit] = await rows<{ n: string }>(s.db, `SELECT count() AS n FROM tellen.\`${t.name}\` WHERE hasAny(${asText}, {codes:Array(String)})`, { codes })
        if (Number(hit!.n) > 0 || c.name === 'visitor') found.push({ table: t.name, column: c.name, rows: Number(hit!.n) })
      }
    }
    expect(found).toEqual([])
  })

  it('keeps no row per visit beyond the event retention: visits that share every attribute add no row', async () => {
    const before = await rowCounts(s.db, kept)
    // The same visits again from other addresses in the same places with the same browsers.
    const twins = fixture.map((e) => ({ ...e, visitor: e.visitor + TWIN_OFFSET, batch: e.batch + fixture.length }))
    await s.ingest(twins)
    const after = await rowCounts(s.db, kept)
    const grown = Object.keys(after).filter((name) => after[name] !== before[name]).map((name) => ({ name, before: before[name], after: after[name] }))
    expect(grown).toEqual([])
  })
})
