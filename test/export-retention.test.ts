import type { Hono } from 'hono'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createApp } from '../collector/src/app.ts'
import { loadConfig } from '../collector/src/config.ts'
import type { Env } from '../collector/src/context.ts'
import { dataTables } from '../collector/src/db/migrate-to.ts'
import { storeDayCounts } from '../collector/src/export/count-days.ts'
import { createDatasetStore } from '../collector/src/export/datasets.ts'
import { boundedDayCountsParams, boundedDayCountsQuery, countedDays, dimensionsKey } from '../collector/src/export/day-counts.ts'
import { halfWidth } from '../collector/src/export/discrete-laplace.ts'
import { noiseScales } from '../collector/src/export/mechanism.ts'
import { nextPeriod, periodStart } from '../collector/src/export/periods.ts'
import { releaseCounts } from '../collector/src/export/release-counts.ts'
import { createLogger } from '../collector/src/log.ts'
import { forgetSite } from '../collector/src/privacy/forget.ts'
import { applyRetention, ttlOf } from '../collector/src/privacy/retention.ts'
import { startServer, type RunningServer } from '../collector/src/server.ts'
import { addDays } from '../collector/src/stats/range.ts'
import { rows } from './helpers/collector.ts'
import { seedVisits, visitorCode, type SeedVisit } from './helpers/export-visits.ts'
import { migratedDataDir } from './helpers/migrated-data-dir.ts'
import { buildFixture, fixtureDay, ingestFixture, SITE as FIXTURE_SITE } from './helpers/stats-fixture.ts'

/** A site whose week of visits is released after the visits are gone. */
const SITE = 'kept-counts.test'
/** A site whose dataset is defined once its early days are gone. */
const LATE_SITE = 'late-dataset.test'
const ADMIN = 'export-retention-admin-token-0123456789'
const K = 10
const DAY_MS = 86_400_000
/** Days on, past the event retention (30 days) of every visit the tests write. */
const DAYS_ON = 40
const TODAY = new Date().toISOString().slice(0, 10)
/** A closed ISO week whose days are all within the event retention today. */
const WEEK = periodStart(addDays(TODAY, -10), 'week')
const WEEK_DAYS = Array.from({ length: 7 }, (_, i) => addDays(WEEK, i))
/** Per day: visitors in one group only, and people whose first visit is in NL and a later one in DE with more pageviews than are counted. */
const NL = 300
const DE = 150
const TWO_GROUPS = 20
const TWO_GROUPS_PAGEVIEWS = 12
/** The bounded counts of the week: those of two groups count in NL only, with 10 of their 12 pageviews. */
const WEEK_TRUTH = [
  { groups: ['DE'], visitors: 7 * DE, pageviews: 7 * DE },
  { groups: ['NL'], visitors: 7 * (NL + TWO_GROUPS), pageviews: 7 * (3 * NL + 10 * TWO_GROUPS) },
]

let server: RunningServer
let app: Hono<Env>
const request = (path: string, init: RequestInit = {}) =>
  app.request(path, { ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...init.headers } })
const define = async (site: string, body: Record<string, unknown>) =>
  expect((await request('/api/admin/exports/datasets', { method: 'POST', body: JSON.stringify({ site, ...body }) })).status).toBe(201)
const download = (site: string, dataset: string, from: string, to: string) => request(`/api/export/${site}/${dataset}?${new URLSearchParams({ from, to, format: 'ndjson' })}`)
const ndjson = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string | number>)
/** Deletes a site's visits, as the TTL of the per-visit tables does once they are past the event retention. */
const expireVisits = (site: string) =>
  server.services.db.command({ query: 'ALTER TABLE tellen.rollup_visits DELETE WHERE site = {site:String}', query_params: { site }, clickhouse_settings: { mutations_sync: '2' } })

beforeAll(async () => {
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', DATA_DIR: migratedDataDir('tellen-export-retention-'), TELLEN_SITES: `${SITE},${LATE_SITE}`, TELLEN_ADMIN_TOKEN: ADMIN,
    TELLEN_EXPORT_MIN_VISITORS: String(K), TELLEN_EXPORT_EPSILON_BUDGET: '40', TELLEN_VISITS_INTERVAL_MS: '3600000', LOG_LEVEL: 'silent',
  })
  server = await startServer(config, createLogger('silent'))
  app = createApp(server.services)
  const visits: SeedVisit[] = []
  for (const day of WEEK_DAYS) {
    for (let i = 0; i < NL; i++) visits.push({ day, country: 'NL', device: 'desktop', pageviews: 3 })
    for (let i = 0; i < DE; i++) visits.push({ day, country: 'DE', device: 'mobile', pageviews: 1 })
    for (let i = 0; i < TWO_GROUPS; i++) {
      const visitor = visitorCode()
      visits.push({ day, visitor, minute: 0, country: 'NL', device: 'desktop', pageviews: TWO_GROUPS_PAGEVIEWS })
      visits.push({ day, visitor, minute: 120, country: 'DE', device: 'mobile', pageviews: TWO_GROUPS_PAGEVIEWS })
    }
  }
  await seedVisits(server.services.db, SITE, visits)
}, 60_000)
afterEach(() => {
  vi.useRealTimers()
})
afterAll(async () => {
  await server?.close(5000)
})

describe('releases of periods whose visits are past the event retention', () => {
  let whileKept: Awaited<ReturnType<typeof releaseCounts>>

  beforeAll(async () => {
    await define(SITE, { name: 'weekly-by-country', dimensions: 'country', period: 'week', epsilon: 20 })
    whileKept = await releaseCounts(server.services.db, SITE, ['country'], WEEK, nextPeriod(WEEK, 'week'))
    // A pass of the visits job stores the closed days of the new dataset, then the visits go.
    await server.services.visits.runNow()
    await expireVisits(SITE)
  })

  it('counts the week from its visits while they are kept, each visitor code in the group of its first visit with its pageviews capped', () => {
    expect(whileKept).toEqual(WEEK_TRUTH)
  })

  it('stores every ended day still kept of a newly defined dataset in a pass of the visits job, and no other', async () => {
    const counted = await countedDays(server.services.db, SITE, dimensionsKey(['country']), addDays(TODAY, -DAYS_ON), addDays(TODAY, 1))
    expect([...counted].sort()).toEqual(Array.from({ length: 29 }, (_, i) => addDays(TODAY, i - 29)))
  })

  it('counts the same figures once the visits are gone, now and 40 days on', async () => {
    const [rowsLeft] = await rows<{ n: string }>(server.services.db, 'SELECT count() AS n FROM tellen.rollup_visits WHERE site = {site:String}', { site: SITE })
    expect(Number(rowsLeft!.n)).toBe(0)
    expect(await releaseCounts(server.services.db, SITE, ['country'], WEEK, nextPeriod(WEEK, 'week'))).toEqual(whileKept)
    expect(await releaseCounts(server.services.db, SITE, ['country'], WEEK, nextPeriod(WEEK, 'week'), Date.now() + DAYS_ON * DAY_MS)).toEqual(whileKept)
  })

  it('downloads the week 40 days on with the counts of its visits, within the noise', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + DAYS_ON * DAY_MS)
    const res = await download(SITE, 'weekly-by-country', WEEK, addDays(WEEK, 6))
    expect(res.status).toBe(200)
    const released = ndjson(await res.text())
    const scales = noiseScales({ period: 'week', metrics: ['visitors', 'pageviews'], epsilonMilli: 20_000 })
    expect(released.map((r) => r.country)).toEqual(['DE', 'NL'])
    for (const r of released) {
      const truth = WEEK_TRUTH.find((t) => t.groups[0] === r.country)!
      expect(r.period).toBe(WEEK)
      expect(Math.abs(Number(r.visitors) - truth.visitors)).toBeLessThanOrEqual(halfWidth(scales.visitors, 1 - 1e-7))
      expect(Math.abs(Number(r.pageviews) - truth.pageviews)).toBeLessThanOrEqual(halfWidth(scales.pageviews, 1 - 1e-7))
    }
  })

  it('releases a day past the retention to a dataset defined later with the same dimensions, from the days already stored', async () => {
    await define(SITE, { name: 'daily-by-country', dimensions: 'country', period: 'day', epsilon: 20 })
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + DAYS_ON * DAY_MS)
    const res = await download(SITE, 'daily-by-country', WEEK, WEEK)
    expect(res.status).toBe(200)
    expect(ndjson(await res.text()).map((r) => r.country)).toEqual(['DE', 'NL'])
  })
})

describe('a dataset defined after its early days are gone', () => {
  const GONE = addDays(TODAY, -35)
  const KEPT = addDays(TODAY, -5)

  beforeAll(async () => {
    await seedVisits(server.services.db, LATE_SITE, Array.from({ length: 200 }, () => ({ day: KEPT, country: 'FR', device: 'desktop' })))
    await define(LATE_SITE, { name: 'by-device', dimensions: 'device', period: 'day', epsilon: 20 })
  })

  it('refuses a day whose visits were gone before it was defined with a 410 that names the day and why, counting nothing', async () => {
    for (const [from, to] of [[GONE, GONE], [GONE, KEPT]] as const) {
      const res = await download(LATE_SITE, 'by-device', from, to)
      expect(res.status).toBe(410)
      const { error } = (await res.json()) as { error: string }
      expect(error).toContain(`the day starting ${GONE} of the dataset "by-device" cannot be released: the visits of ${GONE} are no longer kept`)
      expect(error).toContain('TELLEN_EVENTS_RETENTION_DAYS')
    }
    const [frozen] = await rows<{ n: string }>(server.services.db, 'SELECT count() AS n FROM tellen.export_releases WHERE site = {site:String} AND period = {day:Date}', { site: LATE_SITE, day: GONE })
    expect(Number(frozen!.n)).toBe(0)
  })

  it('releases the days still kept when it was defined, also once their visits are gone', async () => {
    await server.services.visits.runNow()
    await expireVisits(LATE_SITE)
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + DAYS_ON * DAY_MS)
    const res = await download(LATE_SITE, 'by-device', KEPT, KEPT)
    expect(res.status).toBe(200)
    const [row] = ndjson(await res.text())
    expect(row?.device).toBe('desktop')
    expect(Math.abs(Number(row!.visitors) - 200)).toBeLessThanOrEqual(halfWidth(noiseScales({ period: 'day', metrics: ['visitors', 'pageviews'], epsilonMilli: 20_000 }).visitors, 1 - 1e-7))
  })
})

describe('stored day counts while the visits of the day are kept', () => {
  const day = fixtureDay()
  /** The day's counts as the visits now give them. */
  const fromVisits = async () =>
    (await rows<{ groups: string[]; visitors: string; pageviews: string }>(server.services.db, `SELECT groups, visitors, pageviews FROM (${boundedDayCountsQuery(['browser'])}) ORDER BY groups`, boundedDayCountsParams(FIXTURE_SITE, [day])))
      .map((r) => ({ groups: r.groups, visitors: Number(r.visitors), pageviews: Number(r.pageviews) }))
  const released = () => releaseCounts(server.services.db, FIXTURE_SITE, ['browser'], day, addDays(day, 1))

  it('are written again when late events change the day, so a release adds up what the visits say', async () => {
    const db = server.services.db
    await createDatasetStore(db, 40_000).define({ site: FIXTURE_SITE, name: 'by-browser', dimensions: ['browser'], metrics: ['visitors', 'pageviews'], period: 'day', epsilonMilli: 1000 })
    const fixture = buildFixture(12, 3)
    await ingestFixture(db, fixture)
    expect(await storeDayCounts(db)).toBeGreaterThan(0)
    const first = await fromVisits()
    expect(first.length).toBeGreaterThan(0)
    expect(await released()).toEqual(first)
    // Late events of other people reach the day; the visits job rewrites its visits.
    await ingestFixture(db, fixture.map((e) => ({ ...e, visitor: e.visitor + 12, batch: e.batch + fixture.length })))
    const later = await fromVisits()
    expect(later).not.toEqual(first)
    expect(await released()).toEqual(first)
    await storeDayCounts(db)
    expect(await released()).toEqual(later)
    // Nothing changed since: the next pass writes nothing.
    expect(await storeDayCounts(db)).toBe(0)
  })
})

describe('the stored day counts among the other tables', () => {
  it('are copied by migrate-to and kept as long as the rollups', async () => {
    expect((await dataTables(server.services.db)).map((t) => t.name)).toContain('rollup_export_counts_daily')
    await applyRetention(server.services.db, { eventsDays: 30, rollupDays: 400 })
    const [table] = await rows<{ engine_full: string }>(server.services.db, `SELECT engine_full FROM system.tables WHERE database = 'tellen' AND name = 'rollup_export_counts_daily'`)
    expect(ttlOf(table!.engine_full)).toMatch(/^day \+ toIntervalDay\((_CAST\()?400\b/)
  })

  it('are deleted with the rest of a forgotten site', async () => {
    const result = await forgetSite(server.services.db, { site: SITE })
    expect(result.tables.find((t) => t.table === 'rollup_export_counts_daily')?.rows).toBeGreaterThan(0)
    const [left] = await rows<{ n: string }>(server.services.db, 'SELECT count() AS n FROM tellen.rollup_export_counts_daily WHERE site = {site:String}', { site: SITE })
    expect(Number(left!.n)).toBe(0)
  })
})
