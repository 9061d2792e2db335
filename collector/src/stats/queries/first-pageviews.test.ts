import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, openStatsDb, SITE, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
import { firstPageviews } from './first-pageviews.ts'

const events = buildFixture(6)
let s: StatsDb

beforeAll(async () => {
  s = await openStatsDb()
  await s.ingest(events)
})
afterAll(() => s?.close())

const hourOf = (ts: number) => `${new Date(ts).toISOString().slice(0, 13).replace('T', ' ')}:00:00`

describe('first pageviews of sites', () => {
  it('names the hours of the first and the latest pageview of a site that had some', async () => {
    const pageviews = events.filter((e) => e.type === 'pageview').map((e) => e.ts)
    const arrivals = await firstPageviews(s.db, [SITE, 'waiting.test'])
    expect(arrivals.get(SITE)).toEqual({ first_pageview_hour: hourOf(Math.min(...pageviews)), last_pageview_hour: hourOf(Math.max(...pageviews)) })
  })

  it('leaves out a site that is still waiting for its first event', async () => {
    expect((await firstPageviews(s.db, ['waiting.test'])).has('waiting.test')).toBe(false)
    expect((await firstPageviews(s.db, [])).size).toBe(0)
  })
})
