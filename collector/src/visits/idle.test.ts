import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONDITION_DEADLINE_MS, rows } from '../../../test/helpers/collector.ts'
import { fixtureRows, openStatsDb, SITE, type SentEvent, type StatsDb } from '../../../test/helpers/stats-fixture.ts'
import { insertLines } from '../ingest/writer.ts'
import { createLogger } from '../log.ts'
import { startVisitsJob, type VisitsJob } from './sessionize.ts'

const INTERVAL_MS = 100
let s: StatsDb
let job: VisitsJob

const event = (visitor: number, ts: number): SentEvent => ({
  batch: visitor, visitor, visit: 0, type: 'pageview', ts, path: '/', country: 'NL', browser: 'Chrome', os: 'Mac OS', device: 'desktop', screen: 'desktop',
  timezone: 'UTC', language: 'en', source: 'Direct', referrer: '', utm_source: '', wire: { type: 'pageview', url: `https://${SITE}/`, ts, referrer: '' },
})
const visits = async () => Number((await rows<{ n: string }>(s.db, 'SELECT count() AS n FROM tellen.rollup_visits FINAL WHERE site = {site:String}', { site: SITE }))[0]!.n)
const until = async (condition: () => Promise<boolean>) => {
  const deadline = Date.now() + CONDITION_DEADLINE_MS
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the visits job did not cut the visits in time')
    await new Promise((r) => setTimeout(r, INTERVAL_MS))
  }
}

beforeAll(async () => {
  s = await openStatsDb()
  job = startVisitsJob(s.db, createLogger('silent'), INTERVAL_MS)
  await job.runNow()
})
afterAll(async () => {
  await job?.stop()
  await s?.close()
})

describe('the visits job on the embedded engine', () => {
  it('skips its passes while nothing is written, and reads what was written at the next pass once told', async () => {
    const now = Date.now() - 60_000
    // Rows written behind the job's back (the collector's writer tells it of each insert).
    await insertLines(s.db, 'tellen.events_in', fixtureRows([event(1, now), event(2, now + 1000)]), randomUUID())
    // Ten intervals: a pass that ran would have cut the two visits.
    await new Promise((r) => setTimeout(r, 10 * INTERVAL_MS))
    expect(await visits()).toBe(0)
    job.touch()
    await until(async () => (await visits()) === 2)
  })

  it('runs a pass when asked, written or not', async () => {
    await insertLines(s.db, 'tellen.events_in', fixtureRows([event(3, Date.now() - 30_000)]), randomUUID())
    await job.runNow()
    expect(await visits()).toBe(3)
  })
})
