import { afterAll, describe, expect, it } from 'vitest'
import { rows } from '../../../test/helpers/collector.ts'
import { buildFixture, fixtureQuery, openStatsDb, type StatsDb } from '../../../test/helpers/stats-fixture.ts'
import { migrate } from '../db/migrate.ts'
import { interactions } from '../stats/queries/interactions.ts'
import { vitals } from '../stats/queries/vitals.ts'
import { runVisitsJob } from './sessionize.ts'

describe('upgrading to timings and interactions by visit dimension (sql/060)', () => {
  let u: StatsDb
  afterAll(() => u?.close())

  it('fills them from the kept events, also for days whose visit events have expired', async () => {
    u = await openStatsDb()
    const fixture = buildFixture(12, 7)
    await u.ingest(fixture)
    const fixtureDayQuery = fixtureQuery({ filters: { source: 'Google' } })
    const before = await vitals(u.db, fixtureDayQuery)
    expect(before.metrics.length).toBeGreaterThan(0)
    // The database as it was before 060, with the day's visit events gone after their two days.
    await u.db.command({ query: 'DROP VIEW tellen.visit_details_mv' })
    for (const table of ['visit_details', 'visit_events', 'rollup_visit_timings', 'rollup_visit_interactions', 'rollup_visit_elements']) {
      await u.db.command({ query: `TRUNCATE TABLE tellen.${table}` })
    }
    await u.db.command({ query: `ALTER TABLE tellen.migrations DELETE WHERE name = '060_visit_detail_rollups'`, clickhouse_settings: { mutations_sync: '2' } })
    expect((await vitals(u.db, fixtureDayQuery)).metrics).toEqual([])

    expect(await migrate(u.db)).toEqual(['060_visit_detail_rollups'])
    await runVisitsJob(u.db)
    expect(await vitals(u.db, fixtureDayQuery)).toEqual(before)
    const interactionsBefore = await interactions(u.db, fixtureQuery({ filters: { referrer: 'google.com' } }))
    expect(interactionsBefore.elements.length).toBeGreaterThan(0)
    // Fed by its view again.
    const [n] = await rows<{ n: number }>(u.db, 'SELECT toUInt32(count()) AS n FROM tellen.visit_details')
    await u.ingest(buildFixture(2, 8))
    const [m] = await rows<{ n: number }>(u.db, 'SELECT toUInt32(count()) AS n FROM tellen.visit_details')
    expect(m!.n).toBeGreaterThan(n!.n)
  })
})
