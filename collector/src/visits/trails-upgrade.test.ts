import { afterAll, describe, expect, it } from 'vitest'
import { rows } from '../../../test/helpers/collector.ts'
import { buildFixture, fixtureQuery, openStatsDb, type StatsDb } from '../../../test/helpers/stats-fixture.ts'
import { migrate } from '../db/migrate.ts'
import { funnel, parseSteps } from '../stats/queries/funnel.ts'

/** Each live visit's key and trail, in key order. */
const trails = (db: StatsDb['db']) =>
  rows(db, `SELECT toString(visitor) AS visitor, toString(start) AS start, trail_ms, trail_names, trail_custom
            FROM tellen.rollup_visits FINAL WHERE pageviews > 0 ORDER BY visitor, start`)

describe('upgrading to visit trails (sql/160)', () => {
  let u: StatsDb
  afterAll(() => u?.close())

  it('fills the trail of every visit stored before it from the kept events, the same as the visits job writes it', async () => {
    u = await openStatsDb()
    await u.ingest(buildFixture(30, 11))
    const written = await trails(u.db)
    expect(written.length).toBeGreaterThan(20)
    expect(written.some((t) => (t.trail_custom as number[]).includes(1))).toBe(true)
    const day = fixtureQuery().from
    const span = { from: day, to: day }
    const steps = parseSteps('/,/pricing,/docs,event:signup')
    const before = await funnel(u.db, fixtureQuery(), steps, span)
    expect(before.steps[1]!.visitors).toBeGreaterThan(0)

    // The database as it was before 160, with the day's visit events gone after their two days.
    await u.db.command({
      query: 'ALTER TABLE tellen.rollup_visits DROP COLUMN trail_ms, DROP COLUMN trail_names, DROP COLUMN trail_custom',
      clickhouse_settings: { mutations_sync: '2' },
    })
    await u.db.command({ query: 'TRUNCATE TABLE tellen.visit_events' })
    await u.db.command({ query: `ALTER TABLE tellen.migrations DELETE WHERE name = '160_visit_trails'`, clickhouse_settings: { mutations_sync: '2' } })

    expect(await migrate(u.db)).toEqual(['160_visit_trails'])
    expect(await trails(u.db)).toEqual(written)
    // Merged at once: no visit is left with its row from before beside the new one.
    expect(await rows(u.db, 'SELECT count() AS n FROM tellen.rollup_visits')).toEqual(await rows(u.db, 'SELECT count() AS n FROM tellen.rollup_visits FINAL'))
    expect(await funnel(u.db, fixtureQuery(), steps, span)).toEqual(before)
  })
})
