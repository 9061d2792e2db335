import { isDeepStrictEqual } from 'node:util'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb } from '../collector/src/db/client.ts'
import { readMigrations } from '../collector/src/db/migrate.ts'
import { ttlDays, ttlOf } from '../collector/src/privacy/retention.ts'
import { addDays, rangeDays } from '../collector/src/stats/range.ts'
import { startClickHouseHttp, type ClickHouseHttp } from './helpers/clickhouse-http.ts'
import { postEvents, rows, startCollector, tempDataDir, type Collector } from './helpers/collector.ts'
import { cutVisits, eventWindow, expectations, generateTraffic, localDay, overviewMetrics, pointsOf, rounded, rowsOf, type Filters, type Request } from './helpers/traffic-model.ts'

/**
 * Tellen on a ClickHouse server reached over HTTP, with two collectors on it: the test-only
 * stand-in (test/helpers/clickhouse-http.ts), or a real server when TELLEN_TEST_CLICKHOUSE_URL is
 * set (its `tellen` database is dropped first: use a server for tests only).
 */
const REAL_SERVER = process.env.TELLEN_TEST_CLICKHOUSE_URL
const SEED = 20261207
const SITES = [
  { domain: 'utc.server.test', tz: 'UTC' },
  { domain: 'tokyo.server.test', tz: 'Asia/Tokyo' },
]
const PEOPLE = 8
/** Migrating an empty server over HTTP takes a while on a loaded machine. */
const START_TIMEOUT_MS = 180_000
/**
 * Every collector polls the one server: the visits job's lease each interval, its sites and salts
 * each refresh; and the test polls for what it waits for. The stand-in runs one query at a time,
 * so shorter intervals queue the passes and the answers waited for behind the polls.
 */
const VISITS_INTERVAL_MS = 1000
const REFRESH_INTERVAL_MS = 2000
const POLL_MS = 500
const FILTERS: Filters[] = [{}, { page: '/pricing' }, { source: 'Google' }, { country: 'NL' }, { event: 'signup' }, { entry_page: '/' }, { exit_page: '/pricing' }, { device: 'mobile' }]
const BREAKDOWNS = ['page', 'entry_page', 'exit_page', 'source', 'country', 'browser', 'event'] as const
const SERIES = ['visitors', 'pageviews', 'visits', 'bounce_rate', 'visit_duration'] as const

let server: ClickHouseHttp | undefined
let url: string
let db: ClickHouseClient
let collectors: Collector[] = []
const requests: Request[] = []
const received: number[] = []
let generatedAt = 0

const env = (extra: Record<string, string> = {}) => ({
  CLICKHOUSE_URL: url,
  TRUST_PROXY: '1',
  TELLEN_RATE_LIMIT_PER_MINUTE: '0',
  TELLEN_VISITS_INTERVAL_MS: String(VISITS_INTERVAL_MS),
  TELLEN_REFRESH_INTERVAL_MS: String(REFRESH_INTERVAL_MS),
  TELLEN_EXPORT_MIN_VISITORS: '2',
  ...extra,
})
const rowsOfServer = async <T>(query: string, params: Record<string, unknown> = {}) =>
  (await db.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>()
const until = async (what: string, check: () => Promise<boolean>, ms = 30_000) => {
  const end = Date.now() + ms
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
}
const admin = (c: Collector, path: string, init: RequestInit = {}) =>
  fetch(`${c.url}${path}`, { ...init, headers: { authorization: `Bearer ${c.adminToken}`, 'content-type': 'application/json', ...init.headers } })
const get = async (c: Collector, site: string, path: string, params: Record<string, string | undefined>) => {
  const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined))
  const res = await admin(c, `/api/stats/${site}/${path}?${query}`)
  const json = (await res.json()) as any
  if (res.status !== 200) throw new Error(`${path}?${query}: ${res.status} ${JSON.stringify(json)}`)
  return json
}
/** True when the collector's own list of sites has every one of `domains`. */
const knows = async (c: Collector, domains: readonly string[]) => {
  const { sites } = (await (await admin(c, '/api/stats/sites')).json()) as { sites: { domain: string }[] }
  return domains.every((d) => sites.some((site) => site.domain === d))
}
const rangeOf = (tz: string) => {
  const w = eventWindow(generatedAt)
  return { from: localDay(tz, w.from), to: localDay(tz, w.to) }
}
const days = (from: string, to: string) => Array.from({ length: rangeDays(from, to) }, (_, i) => addDays(from, i))

beforeAll(async () => {
  if (REAL_SERVER) {
    url = REAL_SERVER
    db = createClient({ url })
    await db.command({ query: 'DROP DATABASE IF EXISTS tellen SYNC' })
  } else {
    server = await startClickHouseHttp(tempDataDir('tellen-ch-'))
    url = server.url
    db = createClient({ url })
  }
  // Two collectors starting at the same moment on an empty server.
  collectors = await Promise.all([startCollector(env(), tempDataDir(), [], START_TIMEOUT_MS), startCollector(env(), tempDataDir(), [], START_TIMEOUT_MS)])
}, 2 * START_TIMEOUT_MS)

afterAll(async () => {
  await Promise.all(collectors.map((c) => c.stop()))
  await db?.close()
  await server?.stop()
})

describe('the ClickHouse HTTP interface the collector is tested against', () => {
  it('binds query parameters with quotes, backslashes, tabs and newlines as given', async () => {
    const text = "it's a \\ back\tslash\nand a line"
    const [row] = await rowsOfServer<{ s: string; n: number }>('SELECT {s:String} AS s, {n:UInt8} + 1 AS n', { s: text, n: 41 })
    expect(row).toEqual({ s: text, n: 42 })
  })

  it('keeps a SET for the later queries of its session, and only of that session', async () => {
    const session = createClient({ url, session_id: `tellen-test-${Date.now()}` })
    try {
      await session.command({ query: 'SET max_threads = 3' })
      const setting = async (c: ClickHouseClient) => (await (await c.query({ query: "SELECT getSetting('max_threads') AS v", format: 'JSONEachRow' })).json<{ v: number }>())[0]!.v
      expect(await setting(session)).toBe(3)
      const other = createClient({ url, session_id: `tellen-other-${Date.now()}` })
      expect(await setting(other)).not.toBe(3)
      await other.close()
    } finally {
      await session.close()
    }
  })

  it('takes the settings of openDb (CLICKHOUSE_SETTINGS) with every statement', async () => {
    const configured = openDb({ url, dataDir: tempDataDir(), settings: { max_threads: 3, load_balancing: 'in_order' } })
    try {
      const [row] = await rows<{ threads: number; balancing: string }>(configured, "SELECT getSetting('max_threads') AS threads, getSetting('load_balancing') AS balancing")
      expect(row).toEqual({ threads: 3, balancing: 'in_order' })
    } finally {
      await configured.close()
    }
  })

  it('takes and answers gzip-compressed bodies when the client asks for them', async () => {
    const gz = createClient({ url, compression: { request: true, response: true } })
    try {
      await gz.command({ query: 'CREATE TABLE IF NOT EXISTS default.gz_test (x UInt32) ENGINE = MergeTree ORDER BY x' })
      await gz.insert({ table: 'default.gz_test', values: Array.from({ length: 1000 }, (_, x) => ({ x })), format: 'JSONEachRow' })
      const [row] = await (await gz.query({ query: 'SELECT count() AS n, sum(x) AS s FROM default.gz_test', format: 'JSONEachRow' })).json<{ n: number; s: number }>()
      expect(row).toEqual({ n: 1000, s: 499500 })
      await gz.command({ query: 'DROP TABLE default.gz_test SYNC' })
    } finally {
      await gz.close()
    }
  })

  it('answers a syntax error with 400 and an unknown table with 404, with ClickHouse’s code and text', async () => {
    const syntax = await fetch(`${url}/?query=${encodeURIComponent('SELEC 1')}`)
    expect(syntax.status).toBe(400)
    expect(syntax.headers.get('x-clickhouse-exception-code')).toBe('62')
    expect(await syntax.text()).toMatch(/^Code: 62\. DB::Exception: Syntax error/)
    const missing = await fetch(`${url}/?query=${encodeURIComponent('SELECT * FROM default.no_such_table')}`)
    expect(missing.status).toBe(404)
    expect(missing.headers.get('x-clickhouse-exception-code')).toBe('60')
    await expect(db.query({ query: 'SELECT * FROM default.no_such_table' })).rejects.toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' })
  })
})

describe('two collectors on one ClickHouse server', { timeout: 300_000 }, () => {
  it('apply the migrations once when they start at the same moment', async () => {
    const shipped = (await readMigrations()).map((m) => m.name)
    const appliedBy = collectors.map((c) => {
      const line = c.output().split('\n').find((l) => l.includes('"migrations applied"'))
      return line ? (JSON.parse(line) as { applied: string[] }).applied : []
    })
    expect(appliedBy.flat().sort()).toEqual(shipped)
    expect(appliedBy.filter((a) => a.length)).toHaveLength(1)
    const recorded = await rowsOfServer<{ name: string; n: number }>('SELECT name, toUInt32(count()) AS n FROM tellen.migrations GROUP BY name ORDER BY name')
    expect(recorded).toEqual(shipped.map((name) => ({ name, n: 1 })))
  })

  it('share sites and tokens: what one registers, the other accepts', async () => {
    const [a, b] = collectors as [Collector, Collector]
    for (const site of SITES) {
      const res = await admin(a, '/api/admin/sites', { method: 'POST', body: JSON.stringify({ domain: site.domain, timezone: site.tz }) })
      expect(res.status).toBe(200)
    }
    await until('the other collector to read the new sites', async () => (await knows(b, SITES.map((x) => x.domain))))
    const created = await admin(a, '/api/admin/tokens', { method: 'POST', body: JSON.stringify({ kind: 'read', site: SITES[0]!.domain }) })
    const { token } = (await created.json()) as { token: string }
    const read = await fetch(`${b.url}/api/stats/${SITES[0]!.domain}/overview`, { headers: { authorization: `Bearer ${token}` } })
    expect(read.status).toBe(200)
  })

  it('count traffic spread over both exactly as it was sent, with one of them cutting visits', async () => {
    generatedAt = Date.now()
    const all = generateTraffic(SITES, PEOPLE, generatedAt, SEED).sort((x, y) => (x.events[0]!.ts as number) - (y.events[0]!.ts as number))
    for (const [i, r] of all.entries()) {
      requests.push(r)
      received.push(Date.now())
      const res = await postEvents(
        collectors[i % 2]!.url,
        { v: 1, site: r.person.site, sw: r.person.sw, tz: r.person.timezone, lang: r.person.language, events: r.events },
        { 'x-forwarded-for': r.person.ip, 'user-agent': r.person.ua, ...r.headers },
      )
      expect(res.json.accepted, JSON.stringify(res.json)).toBe(r.dropped ? 0 : r.events.length)
    }
    const rows = rowsOf(requests, received)
    const visits = cutVisits(rows)
    for (const site of SITES) {
      const { from, to } = rangeOf(site.tz)
      const want = expectations(rows, visits, site.domain, site.tz).overview(from, to, {})
      let last: unknown
      // Every figure of the whole range, bounce rate and duration too: a pass that missed a late insert shows in them.
      await until(`${site.domain} to show every visit`, async () => {
        const got = (await get(collectors[1]!, site.domain, 'overview', { from, to })).current
        last = { got: overviewMetrics(got), want: overviewMetrics(want) }
        return isDeepStrictEqual(overviewMetrics(got), overviewMetrics(want))
      }, 60_000).catch((err: Error) => {
        const failures = collectors.flatMap((c) => c.output().split('\n').filter((l) => /"level":(40|50)/.test(l)))
        throw new Error(`${err.message}: ${JSON.stringify(last)}\n${failures.slice(0, 10).join('\n')}`)
      })
    }

    const models = new Map(SITES.map((site) => [site.domain, expectations(rows, visits, site.domain, site.tz)]))
    /** What one collector answers for `site` under filter `f`, each figure against the model's; the differences. */
    const compare = async (site: (typeof SITES)[number], i: number, f: Filters) => {
      const found: unknown[] = []
      const m = models.get(site.domain)!
      const { from, to } = rangeOf(site.tz)
      // Both collectors answer alike; each question goes to one of them.
      const c = collectors[i % 2]!
      for (const range of [{ from, to }, ...days(from, to).map((d) => ({ from: d, to: d }))]) {
        const got = await get(c, site.domain, 'overview', { ...range, ...f })
        const want = m.overview(range.from, range.to, f)
        if (!isDeepStrictEqual(overviewMetrics(got.current), overviewMetrics(want))) found.push({ site: site.domain, f, range, got: overviewMetrics(got.current), want: overviewMetrics(want) })
      }
      for (const metric of SERIES) {
        for (const interval of ['hour', 'day'] as const) {
          const got = await get(c, site.domain, 'timeseries', { from, to, metric, interval, ...f })
          const points = pointsOf(got)
          const want = rounded(m.timeseries(from, to, f, metric, interval))
          if (!isDeepStrictEqual(points, want)) found.push({ site: site.domain, f, metric, interval, got: points, want })
        }
      }
      for (const dimension of BREAKDOWNS) {
        const got = ((await get(c, site.domain, `breakdown/${dimension}`, { from, to, ...f, limit: '1000' })).rows as Record<string, unknown>[]).map(rounded)
        const want = m.breakdown(from, to, f, dimension).map(rounded)
        if (!isDeepStrictEqual(got, want)) found.push({ site: site.domain, f, dimension, got, want })
      }
      return found
    }
    // The filters are asked at once: the collectors and the test then work while the server answers another.
    const mismatches: unknown[] = (await Promise.all(SITES.flatMap((site) => FILTERS.map((f, i) => compare(site, i, f))))).flat()
    for (const site of SITES) {
      const m = models.get(site.domain)!
      const { from, to } = rangeOf(site.tz)
      const exits = ((await get(collectors[0]!, site.domain, 'exits', { from, to, limit: '1000' })).rows as Record<string, unknown>[]).map(rounded)
      if (!isDeepStrictEqual(exits, m.exits(from, to, {}).map(rounded))) mismatches.push({ site: site.domain, exits })
      const vitals = (await get(collectors[1]!, site.domain, 'vitals', { from, to })).metrics.map(({ metric, samples, good, needs_improvement, poor }: Record<string, unknown>) => ({ metric, samples, good, needs_improvement, poor }))
      if (!isDeepStrictEqual(vitals, m.vitals(from, to, {}))) mismatches.push({ site: site.domain, vitals })
    }
    expect(mismatches).toEqual([])

    // Of the two, one holds the lease of the visits job.
    const holders = await rowsOfServer<{ holder: string }>(`SELECT DISTINCT holder FROM tellen.leases FINAL WHERE name = 'visits' AND expires > now64(3)`)
    expect(holders).toHaveLength(1)
  }, 300_000)

  it('export the rows of at least k visitors from either collector alike', async () => {
    const site = SITES[0]!
    const { from, to } = rangeOf(site.tz)
    const rows = rowsOf(requests, received)
    const m = expectations(rows, cutVisits(rows), site.domain, site.tz)
    for (const [i, c] of collectors.entries()) {
      const dimensions = i === 0 ? ['day', 'country'] : ['source']
      const query = new URLSearchParams({ from, to, dimensions: dimensions.join(','), metrics: 'visitors,pageviews', format: 'ndjson', k: '2' })
      const res = await admin(c, `/api/export/${site.domain}?${query}`)
      expect(res.status).toBe(200)
      const got = (await res.text()).split('\n').filter(Boolean).map((line) =>
        Object.fromEntries(Object.entries(JSON.parse(line) as Record<string, unknown>).map(([key, v]) => [key, key === 'visitors' || key === 'pageviews' ? Number(v) : v])),
      )
      expect({ rows: got, suppressed: Number(res.headers.get('x-tellen-suppressed-rows')) }).toEqual(m.exportRows(from, to, dimensions, ['visitors', 'pageviews'], 2))
    }
  })

  // A visits pass under way in the other collector must not write rows of the site after its deletes.
  it('forget a site from either collector, everywhere on the server', async () => {
    const [a, b] = collectors as [Collector, Collector]
    const site = 'forget.server.test'
    expect((await admin(a, '/api/admin/sites', { method: 'POST', body: JSON.stringify({ domain: site, timezone: 'UTC' }) })).status).toBe(200)
    await until('the other collector to read the site', () => knows(b, [site]))
    const batch = { v: 1, site, events: Array.from({ length: 10 }, (_, i) => ({ type: 'pageview', url: `https://${site}/p${i}`, ts: Date.now() })) }
    expect((await postEvents(a.url, batch, { 'x-forwarded-for': '145.14.1.9' })).status).toBe(202)
    expect((await postEvents(b.url, batch, { 'x-forwarded-for': '145.14.1.10' })).status).toBe(202)
    const stored = async () => (await rowsOfServer<{ n: number }>('SELECT toUInt32(count()) AS n FROM tellen.events WHERE site = {site:String}', { site }))[0]!.n
    await until('both batches', async () => (await stored()) === 20)
    const res = await admin(b, '/api/admin/forget', { method: 'POST', body: JSON.stringify({ site }) })
    expect(res.status).toBe(200)
    const tables = await rowsOfServer<{ name: string }>(`SELECT name FROM system.tables WHERE database = 'tellen' AND engine LIKE '%MergeTree' AND name IN (SELECT table FROM system.columns WHERE database = 'tellen' AND name = 'site')`)
    for (const { name } of tables) {
      const [left] = await rowsOfServer<{ n: number }>(`SELECT toUInt32(count()) AS n FROM tellen.${name} WHERE site = {site:String}`, { site })
      expect({ table: name, rows: left!.n }).toEqual({ table: name, rows: 0 })
    }
  })

  it('replay a killed collector’s spool once, and apply its retention for every collector', async () => {
    const site = SITES[0]!.domain
    const dataDir = tempDataDir()
    // Batches wait in the spool for a minute: the kill comes before any insert.
    const slow = await startCollector(env({ TELLEN_FLUSH_INTERVAL_MS: '60000', TELLEN_EVENTS_RETENTION_DAYS: '12' }), dataDir, [], START_TIMEOUT_MS)
    const batch = { v: 1, site, events: Array.from({ length: 25 }, (_, i) => ({ type: 'pageview', url: `https://${site}/killed/${i}`, ts: Date.now() })) }
    expect((await postEvents(slow.url, batch, { 'x-forwarded-for': '145.14.1.20' })).status).toBe(202)
    expect(await slow.stop('SIGKILL')).toBeNull()
    const again = await startCollector(env({ TELLEN_EVENTS_RETENTION_DAYS: '12' }), dataDir, [], START_TIMEOUT_MS)
    try {
      const stored = async () => (await rowsOfServer<{ n: number }>("SELECT toUInt32(count()) AS n FROM tellen.events WHERE site = {site:String} AND path LIKE '/killed/%'", { site }))[0]!.n
      await until('the replayed spool', async () => (await stored()) === 25)
      await new Promise((r) => setTimeout(r, 500))
      expect(await stored()).toBe(25)
      const [events] = await rowsOfServer<{ q: string }>("SELECT engine_full AS q FROM system.tables WHERE database = 'tellen' AND name = 'events'")
      // Set with a query parameter, the server prints the days as `_CAST(12, 'UInt32')`.
      expect(ttlDays(ttlOf(events!.q), 'toDateTime(ts)')).toBe(12)
    } finally {
      await again.stop()
    }
  }, 3 * START_TIMEOUT_MS)
})
