import fs from 'node:fs'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RELEASE_DELAY_HOURS } from '../collector/src/export/periods.ts'
import { collectorSecretFile } from '../collector/src/collector-secret.ts'
import type { Db } from '../collector/src/db/client.ts'
import { ttlDays, ttlOf } from '../collector/src/privacy/retention.ts'
import { startClickHouseHttp, type ClickHouseHttp } from './helpers/clickhouse-http.ts'
import { postEvents, rows, startCollector, tempDataDir, UA, withDataDir, type Collector } from './helpers/collector.ts'
import { migratedDataDir } from './helpers/migrated-data-dir.ts'
import { tellen } from './helpers/programs.ts'
import { cutVisits, eventWindow, expectations, generateTraffic, localDay, rowsOf, type Request } from './helpers/traffic-model.ts'

/**
 * `tellen migrate-to`: an embedded DATA_DIR filled by a real collector is copied into a ClickHouse
 * server (the test-only stand-in, test/helpers/clickhouse-http.ts), and a collector on that server
 * answers as the embedded one did.
 */
const SITE = { domain: 'moving.test', tz: 'Europe/Amsterdam' }
const SEED = 20261208
const PEOPLE = 6
/** A retention other than the defaults, which the server's tables must take over. */
const RETENTION = { TELLEN_EVENTS_RETENTION_DAYS: '45', TELLEN_ROLLUP_RETENTION_DAYS: '1000' }
/**
 * The visits job's interval: each pass reads the engine, which on the server the stand-in runs one
 * query at a time, so a shorter one queues the test's and the command's queries behind it.
 */
const VISITS_INTERVAL_MS = '1000'
/** How often a wait asks again: each question is a query that the visits pass waited for queues behind. */
const POLL_MS = 500
/** A visitor of today, who comes back after the move: the same salt must give the same visitor. */
const RETURNING = { 'x-forwarded-for': '145.14.1.77', 'user-agent': UA.firefoxWindows }


let server: ClickHouseHttp
let db: ClickHouseClient
let dataDir: string
let embedded: Collector
let moved: Collector | undefined
let generatedAt = 0
/** The stats API's answers of the embedded collector, by path, before the move. */
const answers = new Map<string, unknown>()

const admin = (c: Collector, p: string, body?: unknown) =>
  fetch(`${c.url}${p}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${c.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
const json = async (c: Collector, p: string) => {
  const res = await admin(c, p)
  const payload = (await res.json()) as Record<string, unknown>
  if (res.status !== 200) throw new Error(`${p}: ${res.status} ${JSON.stringify(payload)}`)
  return payload
}
const until = async (what: string, check: () => Promise<boolean>, ms = 60_000) => {
  const end = Date.now() + ms
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
}
const range = () => {
  const w = eventWindow(generatedAt)
  return { from: localDay(SITE.tz, w.from), to: localDay(SITE.tz, Date.now()) }
}
/** The questions whose answers must not change with the move. */
const questions = () => {
  const q = new URLSearchParams(range()).toString()
  const stats = `/api/stats/${SITE.domain}`
  return [
    `${stats}/overview?${q}`,
    `${stats}/timeseries?${q}&metric=visitors&interval=day`,
    `${stats}/timeseries?${q}&metric=visit_duration&interval=hour`,
    ...['page', 'entry_page', 'exit_page', 'source', 'country', 'browser', 'event'].map((d) => `${stats}/breakdown/${d}?${q}&limit=1000`),
    `${stats}/exits?${q}`,
    `${stats}/vitals?${q}`,
    `${stats}/goals?${q}`,
    `${stats}/interactions?${q}`,
    `/api/admin/goals?site=${SITE.domain}`,
    '/api/admin/tokens',
    '/api/admin/exports/datasets',
  ]
}

/** Every table's rows as read (FINAL where the engine merges rows) and the sum of each summed column. */
async function figures(reader: Db): Promise<Record<string, Record<string, string>>> {
  const tables = await rows<{ name: string; engine: string }>(
    reader,
    `SELECT name, engine FROM system.tables WHERE database = 'tellen' AND engine LIKE '%MergeTree' AND name NOT IN ('leases', 'migrations') ORDER BY name`,
  )
  const out: Record<string, Record<string, string>> = {}
  for (const { name, engine } of tables) {
    const sums = await rows<{ name: string }>(reader, `SELECT name FROM system.columns WHERE database = 'tellen' AND table = {name:String} AND type LIKE 'SimpleAggregateFunction(sum, UInt%'`, { name })
    const totals = sums.map((c) => `toString(sum(${c.name})) AS ${c.name}`)
    const [counted] = await rows<Record<string, string>>(reader, `SELECT toString(count()) AS rows FROM tellen.${name}${engine === 'MergeTree' ? '' : ' FINAL'}`)
    const [summed] = totals.length ? await rows<Record<string, string>>(reader, `SELECT ${totals.join(', ')} FROM tellen.${name}`) : [{}]
    out[name] = { ...counted, ...summed }
  }
  return out
}

beforeAll(async () => {
  server = await startClickHouseHttp(tempDataDir('tellen-ch-'))
  db = createClient({ url: server.url })
  dataDir = migratedDataDir()
  embedded = await startCollector({ ...RETENTION, TRUST_PROXY: '1', TELLEN_RATE_LIMIT_PER_MINUTE: '0', TELLEN_VISITS_INTERVAL_MS: VISITS_INTERVAL_MS, TELLEN_EXPORT_MIN_VISITORS: '2' }, dataDir)
  expect((await admin(embedded, '/api/admin/sites', { domain: SITE.domain, timezone: SITE.tz })).status).toBe(200)
  expect((await admin(embedded, '/api/admin/goals', { site: SITE.domain, name: 'priced', page: '/pricing' })).status).toBe(201)
  expect((await admin(embedded, '/api/admin/tokens', { kind: 'read', site: SITE.domain })).status).toBe(201)
  expect((await admin(embedded, '/api/admin/exports/datasets', { site: SITE.domain, name: 'daily', dimensions: ['country'] })).status).toBe(201)
  const partner = (await (await admin(embedded, '/api/admin/tokens', { kind: 'partner', site: SITE.domain, datasets: ['daily'] })).json()) as { token: string }

  // Traffic of every kind over the last days, a returning visitor of today, a bot and a DNT request.
  generatedAt = Date.now()
  const requests: Request[] = generateTraffic([SITE], PEOPLE, generatedAt, SEED).sort((x, y) => (x.events[0]!.ts as number) - (y.events[0]!.ts as number))
  const received: number[] = []
  for (const r of requests) {
    received.push(Date.now())
    const res = await postEvents(embedded.url, { v: 1, site: SITE.domain, sw: r.person.sw, tz: r.person.timezone, lang: r.person.language, events: r.events }, { 'x-forwarded-for': r.person.ip, 'user-agent': r.person.ua, ...r.headers })
    expect(res.json.accepted, JSON.stringify(res.json)).toBe(r.dropped ? 0 : r.events.length)
  }
  expect((await postEvents(embedded.url, { v: 1, site: SITE.domain, events: [{ type: 'pageview', url: `https://${SITE.domain}/` }] }, RETURNING)).status).toBe(202)
  expect((await postEvents(embedded.url, { v: 1, site: SITE.domain, events: [{ type: 'pageview', url: `https://${SITE.domain}/` }] }, { 'x-forwarded-for': '145.14.1.78', 'user-agent': UA.googlebot })).status).toBe(202)
  expect((await postEvents(embedded.url, { v: 1, site: SITE.domain, events: [{ type: 'pageview', url: `https://${SITE.domain}/` }] }, { 'x-forwarded-for': '145.14.1.79', dnt: '1' })).status).toBe(202)

  // Every visit cut, then a partner download of yesterday: a release and an audited download.
  const want = expectations(rowsOf(requests, received), cutVisits(rowsOf(requests, received)), SITE.domain, SITE.tz).overview('2000-01-01', '2099-12-31', {})
  await until('every visit to be cut', async () => {
    const got = (await json(embedded, `/api/stats/${SITE.domain}/overview?${new URLSearchParams(range())}`)).current as { pageviews: number; visits: number }
    return got.pageviews === want.pageviews + 1 && got.visits === want.visits + 1
  })
  // Periods are UTC days, released RELEASE_DELAY_HOURS after they end: the newest released one.
  const closed = new Date(Date.now() - (24 + RELEASE_DELAY_HOURS) * 3_600_000).toISOString().slice(0, 10)
  const download = await fetch(`${embedded.url}/api/export/${SITE.domain}/daily?from=${closed}&to=${closed}`, { headers: { authorization: `Bearer ${partner.token}` } })
  const downloaded = await download.text()
  expect(download.status, downloaded).toBe(200)
  for (const q of questions()) answers.set(q, await json(embedded, q))
}, 300_000)

afterAll(async () => {
  await embedded?.stop()
  await moved?.stop()
  await db?.close()
  await server?.stop()
})

describe('tellen migrate-to --clickhouse-url', () => {
  it('refuses while a collector holds DATA_DIR, and says to stop it', async () => {
    const r = await tellen(['migrate-to', '--clickhouse-url', server.url], { DATA_DIR: dataDir })
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/^tellen: DATA_DIR \S+ is in use by another collector \(process \d+ on .*\)[^\n]*Stop that collector first: migrate-to copies a database that nothing writes to\n$/)
    expect(await rows(db, "SELECT name FROM system.databases WHERE name = 'tellen'")).toEqual([])
  })

  it('copies every table once, so every count and total is equal on the server, daily rollups included', async () => {
    expect(await embedded.stop()).toBe(0)
    const r = await tellen(['migrate-to', '--clickhouse-url', server.url], { DATA_DIR: dataDir })
    expect(r.err).not.toMatch(/^tellen:/m)
    expect(r.code).toBe(0)
    const checks = r.out.split('\n').filter((l) => /^(events|rollup_|visit_|sites|tokens|goals|salts|export_|rejections)/.test(l))
    expect(checks.length).toBeGreaterThan(40)
    for (const line of checks) expect(line).toMatch(/ equal$/)
    expect(r.err).toMatch(/^copying rollup_pages_daily: [\d,]+ of [\d,]+ rows, done$/m)
    // How to carry the collector key over, without the key.
    const key = fs.readFileSync(collectorSecretFile(dataDir), 'utf8').trim()
    expect(r.out).toContain(`TELLEN_SECRET="$(cat ${collectorSecretFile(dataDir)})"`)
    expect(r.out + r.err).not.toContain(key)
    // The server keeps what DATA_DIR kept, and says how to keep it so.
    expect(r.out).toContain('TELLEN_EVENTS_RETENTION_DAYS=45 TELLEN_ROLLUP_RETENTION_DAYS=1000')
    const ttl = async (name: string) => ttlOf((await rows<{ e: string }>(db, "SELECT engine_full AS e FROM system.tables WHERE database = 'tellen' AND name = {name:String}", { name }))[0]!.e)
    expect(ttlDays(await ttl('events'), 'toDateTime(ts)')).toBe(45)
    expect(ttlDays(await ttl('rollup_pages'), 'hour')).toBe(1000)
    expect(ttlDays(await ttl('rollup_pages_daily'), 'day')).toBe(1000)

    const before = await withDataDir(dataDir, figures)
    const after = await figures(db)
    expect(after).toEqual(before)
    for (const table of ['events', 'rollup_pages', 'rollup_pages_daily', 'rollup_visits', 'visit_events', 'sites', 'tokens', 'goals', 'salts', 'export_datasets', 'export_releases', 'export_downloads', 'rollup_export_counts_daily', 'rejections', 'rollup_honoured']) {
      expect({ table, rows: Number(after[table]?.rows) }).not.toEqual({ table, rows: 0 })
    }
  })

  it('lets a collector on the server answer as the embedded one did, with the same visitors and working views', async () => {
    const secret = fs.readFileSync(collectorSecretFile(dataDir), 'utf8').trim()
    moved = await startCollector({ ...RETENTION, CLICKHOUSE_URL: server.url, TELLEN_SECRET: secret, TRUST_PROXY: '1', TELLEN_RATE_LIMIT_PER_MINUTE: '0', TELLEN_VISITS_INTERVAL_MS: VISITS_INTERVAL_MS, TELLEN_EXPORT_MIN_VISITORS: '2' }, tempDataDir())
    for (const [q, answer] of answers) expect({ q, answer: await json(moved, q) }).toEqual({ q, answer })

    // The visitor of today comes back: the same salt (opened with the carried key) gives the same visitor.
    const today = new URLSearchParams({ from: localDay(SITE.tz, Date.now()), to: localDay(SITE.tz, Date.now()) })
    const was = (await json(moved, `/api/stats/${SITE.domain}/overview?${today}`)).current as { visitors: number; pageviews: number }
    expect((await postEvents(moved.url, { v: 1, site: SITE.domain, events: [{ type: 'pageview', url: `https://${SITE.domain}/docs` }] }, RETURNING)).status).toBe(202)
    await until('the new pageview', async () => ((await json(moved!, `/api/stats/${SITE.domain}/overview?${today}`)).current as { pageviews: number }).pageviews === was.pageviews + 1)
    expect(((await json(moved, `/api/stats/${SITE.domain}/overview?${today}`)).current as { visitors: number }).visitors).toBe(was.visitors)
    // The views are attached again: the new pageview reached the daily rollup too.
    const [daily] = await rows<{ n: number }>(db, "SELECT toUInt32(sum(pageviews)) AS n FROM tellen.rollup_pages_daily WHERE site = {site:String} AND path = '/docs'", { site: SITE.domain })
    const [hourly] = await rows<{ n: number }>(db, "SELECT toUInt32(sum(pageviews)) AS n FROM tellen.rollup_pages WHERE site = {site:String} AND path = '/docs'", { site: SITE.domain })
    expect(daily).toEqual(hourly)
    // Done with it: the server then answers the next command alone.
    expect(await moved.stop()).toBe(0)
  })

  it('refuses a server that already holds Tellen data, naming what it holds', async () => {
    const r = await tellen(['migrate-to', '--clickhouse-url', server.url], { DATA_DIR: dataDir })
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/^tellen: the target already holds Tellen data \(events: \d+ rows, [^)]*\); migrate-to copies into a server without Tellen data only/m)
  })
})
