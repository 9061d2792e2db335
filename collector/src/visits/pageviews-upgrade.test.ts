import { afterAll, describe, expect, it } from 'vitest'
import { buildFixture, fixtureQuery, fixtureVisits, openStatsDb, type StatsDb } from '../../../test/helpers/stats-fixture.ts'
import { migrate } from '../db/migrate.ts'
import { overview } from '../stats/queries/overview.ts'
import { timeseries } from '../stats/queries/timeseries.ts'

describe('upgrading to pageviews of visits per hour (sql/080)', () => {
  let u: StatsDb
  afterAll(() => u?.close())

  it('fills them from the visits, at the hour each visit started, when their events have expired', async () => {
    u = await openStatsDb()
    const fixture = buildFixture(12, 7)
    await u.ingest(fixture)
    const google = fixtureQuery({ filters: { source: 'Google' } })
    const before = (await overview(u.db, google)).current
    expect(before.pageviews).toBeGreaterThan(0)
    // The database as it was before 080, with the day's visit events gone after their two days.
    await u.db.command({ query: 'DROP TABLE tellen.rollup_visit_pageviews' })
    await u.db.command({ query: 'TRUNCATE TABLE tellen.visit_events' })
    await u.db.command({ query: `ALTER TABLE tellen.migrations DELETE WHERE name = '080_visit_pageviews'`, clickhouse_settings: { mutations_sync: '2' } })

    expect(await migrate(u.db)).toEqual(['080_visit_pageviews'])
    const after = (await overview(u.db, google)).current
    expect([after.pageviews, after.visitors]).toEqual([before.pageviews, before.visitors])
    const atStart = new Map<string, number>()
    for (const v of fixtureVisits(fixture).filter((v) => v.first.source === 'Google')) {
      const hour = `${new Date(v.start).toISOString().slice(0, 13).replace('T', ' ')}:00`
      atStart.set(hour, (atStart.get(hour) ?? 0) + v.pageviews)
    }
    const hours = (await timeseries(u.db, google, 'pageviews', 'hour')).points.filter((p) => p.value > 0)
    expect(hours).toEqual([...atStart].sort().map(([bucket, value]) => ({ bucket, value })))
  })
})
