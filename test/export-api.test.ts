import { parse as parseCsv } from 'csv-parse/sync'
import fc from 'fast-check'
import type { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../collector/src/app.ts'
import { loadConfig } from '../collector/src/config.ts'
import type { Env } from '../collector/src/context.ts'
import { createLogger } from '../collector/src/log.ts'
import { startServer, type RunningServer } from '../collector/src/server.ts'
import { buildFixture, fixtureDay, fixtureVisits, ingestFixture, SITE, type SentEvent } from './helpers/stats-fixture.ts'
import { randomBytes, randomUUID } from 'node:crypto'
import { insertLines } from '../collector/src/ingest/writer.ts'
import { parseIp } from '../collector/src/ingest/ip.ts'
import { processBatch } from '../collector/src/ingest/pipeline.ts'
import { runVisitsJob } from '../collector/src/visits/sessionize.ts'
import { UA } from './helpers/collector.ts'
import { migratedDataDir } from './helpers/migrated-data-dir.ts'
import { seedVisits, type SeedVisit } from './helpers/export-visits.ts'
import { freezeRelease } from '../collector/src/export/release.ts'
import { createDatasetStore } from '../collector/src/export/datasets.ts'
import { addDays } from '../collector/src/stats/range.ts'
import { halfWidth } from '../collector/src/export/discrete-laplace.ts'
import { noiseScales, releaseThreshold } from '../collector/src/export/mechanism.ts'

const OTHER = 'other-export.test'
/** A site whose closed days partners download as datasets. */
const PARTNER_SITE = 'partner-export.test'
/** A site where one person comes back every day and ten people come on one day. */
const RETURNING = 'returning-export.test'
const ADMIN = 'export-admin-token-0123456789abcdef'
const K = 10
const DAY = fixtureDay()
/** Visitors whose first visit came with a campaign name a spreadsheet would run as a formula. */
const CAMPAIGN = '=1+2'
const CAMPAIGNERS = 12

/** 90 fixture visitors: enough for some rows to reach k and others not. */
const events: SentEvent[] = buildFixture(90, 7)
// The first pageview of each campaigner's first visit carries the campaign.
{
  const seen = new Set<number>()
  for (const e of events) {
    if (e.type !== 'pageview' || e.visit !== 0 || e.visitor >= CAMPAIGNERS || seen.has(e.visitor)) continue
    seen.add(e.visitor)
    const url = String(e.wire.url)
    e.wire = { ...e.wire, url: `${url}${url.includes('?') ? '&' : '?'}utm_campaign=${encodeURIComponent(CAMPAIGN)}` }
  }
}

/** What the test knows of every pageview: its own fields and those of its visit. */
const pageviews = (() => {
  const visits = new Map(fixtureVisits(events).map((v) => [`${v.visitor}:${v.first.visit}`, v]))
  return events
    .filter((e) => e.type === 'pageview')
    .map((e) => {
      const v = visits.get(`${e.visitor}:${e.visit}`)!
      const fields: Record<string, string> = {
        day: DAY, page: e.path, country: e.country, browser: e.browser, os: e.os, device: e.device, screen: e.screen,
        timezone: e.timezone, language: e.language, entry_page: v.entry, exit_page: v.exit, source: v.first.source,
        referrer: v.first.referrer, utm_source: v.first.utm_source,
      }
      return { visitor: e.visitor, visit: `${e.visitor}:${e.visit}`, fields }
    })
})()
const KNOWN = ['day', 'page', 'country', 'browser', 'os', 'device', 'screen', 'timezone', 'language', 'entry_page', 'exit_page', 'source', 'referrer', 'utm_source'] as const

type Row = Record<string, string | number>
/** Every group of the pageviews by `dims`, with its counts, sorted as the export sorts. */
function groups(dims: readonly string[]): Row[] {
  const out = new Map<string, { key: string[]; visitors: Set<number>; visits: Set<string>; pageviews: number }>()
  for (const p of pageviews) {
    const key = dims.map((d) => p.fields[d]!)
    const id = JSON.stringify(key)
    const g = out.get(id) ?? { key, visitors: new Set(), visits: new Set(), pageviews: 0 }
    g.visitors.add(p.visitor)
    g.visits.add(p.visit)
    g.pageviews++
    out.set(id, g)
  }
  return [...out.values()]
    .sort((a, b) => {
      for (let i = 0; i < dims.length; i++) if (a.key[i] !== b.key[i]) return a.key[i]! < b.key[i]! ? -1 : 1
      return 0
    })
    .map((g) => ({ ...Object.fromEntries(dims.map((d, i) => [d, g.key[i]!])), visitors: g.visitors.size, pageviews: g.pageviews, visits: g.visits.size }))
}
/** The rows an export must hold at k, with only the metrics asked for, and how many it must leave out. */
function expected(dims: readonly string[], metrics: readonly string[], k = K) {
  const all = groups(dims)
  const pick = (r: Row) => Object.fromEntries([...dims, ...metrics].map((c) => [c, r[c]!]))
  return { rows: all.filter((r) => Number(r.visitors) >= k).map(pick), suppressed: all.filter((r) => Number(r.visitors) < k).length }
}

let server: RunningServer
let app: Hono<Env>
const tokens: Record<string, string> = {}

/** A GET with a bearer token (the admin's by default; '' for none). */
const get = (path: string, token = tokens.admin!) => app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} })
const url = (q: Record<string, string>, site = SITE) => `/api/export/${site}?${new URLSearchParams({ from: DAY, to: DAY, ...q })}`

/**
 * The rows of an exported Parquet file, read back by ClickHouse itself. A file without rows still
 * holds its schema (ClickHouse's reader refuses to select from one, so only its columns are read).
 */
async function readParquet(res: Response, columns: string[]): Promise<Row[]> {
  const data = Buffer.from(await res.arrayBuffer()).toString('hex')
  const described = await server.services.db.query({ query: 'DESCRIBE format(Parquet, unhex({data:String}))', query_params: { data }, format: 'JSONEachRow' })
  expect((await described.json<{ name: string }>()).map((c) => c.name)).toEqual(columns)
  if (res.headers.get('x-tellen-rows') === '0') return []
  const rs = await server.services.db.query({ query: 'SELECT * FROM format(Parquet, unhex({data:String}))', query_params: { data }, format: 'JSONEachRow' })
  return rs.json<Row>()
}
const ndjson = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row)

beforeAll(async () => {
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', DATA_DIR: migratedDataDir('tellen-export-'), TELLEN_SITES: `${SITE},${OTHER},${RETURNING},${PARTNER_SITE}`, TELLEN_ADMIN_TOKEN: ADMIN,
    TELLEN_EXPORT_MIN_VISITORS: String(K), TELLEN_VISITS_INTERVAL_MS: '3600000', LOG_LEVEL: 'silent',
  })
  server = await startServer(config, createLogger('silent'))
  app = createApp(server.services)
  await ingestFixture(server.services.db, events)
  tokens.admin = ADMIN
  for (const [name, kind, site] of [['partner', 'partner', undefined], ['scoped', 'partner', SITE], ['otherPartner', 'partner', OTHER], ['read', 'read', undefined]] as const) {
    tokens[name] = (await server.services.tokens.create(kind, site)).token
  }
})
afterAll(async () => {
  await server?.close(5000)
})

describe('the owner\'s ad-hoc export at GET /api/export/:site', () => {
  it('exports pages by day as CSV with only the rows of at least k visitors', async () => {
    const want = expected(['day', 'page'], ['visitors', 'pageviews'])
    expect(want.rows.length).toBeGreaterThan(0)
    expect(want.suppressed).toBeGreaterThanOrEqual(0)
    const res = await get(url({ dimensions: 'day,page', metrics: 'visitors,pageviews', format: 'csv' }))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/)
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${SITE}_${DAY}_${DAY}.csv"`)
    expect(res.headers.get('x-tellen-suppressed-rows')).toBe(String(want.suppressed))
    const text = await res.text()
    expect(text.startsWith('"day","page","visitors","pageviews"\r\n')).toBe(true)
    expect(text.endsWith('\r\n')).toBe(true)
    const records = parseCsv(text, { columns: true, record_delimiter: '\r\n', cast: (v, ctx) => (ctx.header || ctx.column === 'day' || ctx.column === 'page' ? v : Number(v)) })
    expect(records).toEqual(want.rows)
  })

  it('leaves out the country and entry page cells below k and says how many', async () => {
    const want = expected(['country', 'entry_page'], ['visitors', 'visits', 'pageviews'])
    expect(want.suppressed).toBeGreaterThan(0)
    expect(want.rows.length).toBeGreaterThan(0)
    const res = await get(url({ dimensions: 'country,entry_page', metrics: 'visitors,visits,pageviews', format: 'ndjson' }))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/)
    expect(res.headers.get('x-tellen-suppressed-rows')).toBe(String(want.suppressed))
    expect(res.headers.get('x-tellen-rows')).toBe(String(want.rows.length))
    expect(ndjson(await res.text())).toEqual(want.rows)
  })

  it('exports Parquet that ClickHouse reads back to the same rows', async () => {
    const want = expected(['day', 'source'], ['visitors', 'visits'])
    const res = await get(url({ dimensions: 'day,source', metrics: 'visitors,visits', format: 'parquet' }))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet')
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${SITE}_${DAY}_${DAY}.parquet"`)
    expect(res.headers.get('x-tellen-suppressed-rows')).toBe(String(want.suppressed))
    expect(Buffer.from(await res.clone().arrayBuffer()).subarray(0, 4).toString()).toBe('PAR1')
    expect(await readParquet(res, ['day', 'source', 'visitors', 'visits'])).toEqual(want.rows)
  })

  it('gives every format the same rows for the same question', async () => {
    const q = { dimensions: 'entry_page,device', metrics: 'visitors,pageviews,visits' }
    const want = expected(['entry_page', 'device'], ['visitors', 'pageviews', 'visits'])
    const csv = parseCsv(await (await get(url({ ...q, format: 'csv' }))).text(), { columns: true, cast: (v, ctx) => (ctx.header || typeof ctx.column !== 'string' || ['entry_page', 'device'].includes(ctx.column) ? v : Number(v)) })
    expect(csv).toEqual(want.rows)
    expect(ndjson(await (await get(url({ ...q, format: 'ndjson' }))).text())).toEqual(want.rows)
    expect(await readParquet(await get(url({ ...q, format: 'parquet' })), ['entry_page', 'device', 'visitors', 'pageviews', 'visits'])).toEqual(want.rows)
  })

  it('answers one thresholded row for the whole range when no dimension is asked for', async () => {
    const res = await get(url({ dimensions: '', metrics: 'visitors,pageviews', format: 'ndjson' }))
    expect(ndjson(await res.text())).toEqual([{ visitors: 90, pageviews: pageviews.length }])
    const higher = await get(url({ dimensions: '', metrics: 'visitors', format: 'ndjson', k: '91' }))
    expect(await higher.text()).toBe('')
    expect(higher.headers.get('x-tellen-suppressed-rows')).toBe('1')
  })

  it('guards CSV cells a spreadsheet would run as a formula, and only in CSV', async () => {
    const csv = await (await get(url({ dimensions: 'utm_campaign', metrics: 'visitors', format: 'csv' }))).text()
    const rows = parseCsv(csv, { columns: true }) as Record<string, string>[]
    expect(rows).toContainEqual({ utm_campaign: `'${CAMPAIGN}`, visitors: String(CAMPAIGNERS) })
    expect(csv).not.toMatch(/(^|,)"?=/m)
    const json = ndjson(await (await get(url({ dimensions: 'utm_campaign', metrics: 'visitors', format: 'ndjson' }))).text())
    expect(json).toContainEqual({ utm_campaign: CAMPAIGN, visitors: CAMPAIGNERS })
  })

  it('lets a higher k leave out more rows, and refuses a k below the configured one', async () => {
    const want = expected(['country'], ['visitors'], 31)
    const res = await get(url({ dimensions: 'country', metrics: 'visitors', format: 'ndjson', k: '31' }))
    expect(ndjson(await res.text())).toEqual(want.rows)
    expect(res.headers.get('x-tellen-suppressed-rows')).toBe(String(want.suppressed))
    for (const token of [tokens.admin]) {
      const low = await get(url({ dimensions: 'country', k: String(K - 1) }), token)
      expect(low.status).toBe(400)
      expect(await low.json()).toEqual({ error: `k must be at least ${K}: no export may describe fewer visitors in a row` })
    }
  })

  it.each([
    [{ dimensions: 'day,planet' }, /dimensions: unknown dimension "planet"; one of day, page/],
    [{ metrics: 'visitors,bounces' }, /metrics: unknown metric "bounces"/],
    [{ metrics: '' }, /metrics must name 1 to 3/],
    [{ dimensions: 'day,day' }, /dimensions names a dimension twice/],
    [{ dimensions: 'day,page,country' }, /no rollup keeps page with country/],
    [{ dimensions: 'page', metrics: 'visits' }, /no rollup keeps page with visits/],
    [{ dimensions: 'country,browser,os,device,screen' }, /dimensions must name 0 to 4/],
    [{ from: '2026-02-30' }, /from is not a calendar date/],
    [{ from: '2026-01-01', to: '2500-01-01' }, /to must be a day from 2000-01-01 to 2099-12-31/],
    [{ to: 'yesterday' }, /to must be a date as YYYY-MM-DD/],
    [{ from: '2020-01-01', to: '2026-01-01' }, /at most 731 may be asked at once/],
    [{ from: '2026-01-02', to: '2026-01-01' }, /is after to/],
    [{ format: 'xlsx' }, /format must be one of csv, ndjson, parquet/],
    [{ k: 'ten' }, /k must be a whole number/],
    [{ k: '-5' }, /k must be a whole number/],
    [{ k: '9999999' }, /k must be at most 1000000/],
    [{ site_id: '1' }, /unknown parameter "site_id"/],
  ])('refuses %o with a clear 400', async (q, message) => {
    const res = await get(`/api/export/${SITE}?${new URLSearchParams({ from: DAY, to: DAY, ...q })}`)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toMatch(message)
  })

  it('holds a day filled in from the other one to the same bounds', async () => {
    const res = await get(`/api/export/${SITE}?to=2000-01-05`)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toMatch(/the range 1999-12-07 to 2000-01-05 must lie within 2000-01-01 to 2099-12-31/)
  })

  it('refuses an unregistered site with a 400', async () => {
    const res = await get(url({}, 'unknown.test'), tokens.admin)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toMatch(/not registered/)
  })

  it('is the owner\'s alone: partner and read tokens get a 403, since any query differenced with another undoes its threshold', async () => {
    expect((await get(url({}), '')).status).toBe(401)
    expect((await get(url({}), 'tln_not-a-real-token-0123456789')).status).toBe(401)
    for (const t of [tokens.read, tokens.partner, tokens.scoped, tokens.otherPartner]) {
      const res = await get(url({}), t)
      expect(res.status).toBe(403)
      expect(((await res.json()) as { error: string }).error).toMatch(/^a (read|partner) token may not use this API$/)
    }
    expect((await get(url({}), tokens.admin)).status).toBe(200)
  })
})

describe('k-anonymity of exports', () => {
  const dimension = fc.constantFrom(...KNOWN, 'browser_version', 'os_version', 'utm_medium', 'utm_campaign')
  it('never exports a row of fewer than k visitors, for any dimensions, metrics and k', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(dimension, { maxLength: 3 }),
        fc.subarray(['pageviews', 'visits'] as const),
        fc.integer({ min: K, max: 40 }),
        fc.constantFrom('ndjson', 'parquet'),
        async (dims, extra, k, format) => {
          const metrics = ['visitors', ...extra]
          const res = await get(url({ dimensions: dims.join(','), metrics: metrics.join(','), format, k: String(k) }))
          const others = dims.filter((d) => d !== 'day')
          const answerable = !dims.includes('page') || (others.length === 1 && !extra.includes('visits'))
          if (!answerable) {
            expect(res.status).toBe(400)
            return
          }
          expect(res.status).toBe(200)
          const rows = format === 'ndjson' ? ndjson(await res.text()) : await readParquet(res, [...dims, ...metrics])
          for (const r of rows) expect(Number(r.visitors)).toBeGreaterThanOrEqual(k)
          // Where the test knows every field, it knows the exact rows and what was left out.
          if (dims.every((d) => (KNOWN as readonly string[]).includes(d))) {
            const want = expected(dims, metrics, k)
            expect(rows).toEqual(want.rows)
            expect(res.headers.get('x-tellen-suppressed-rows')).toBe(String(want.suppressed))
          }
        },
      ),
      { numRuns: 60 },
    )
  })
})

describe('k-anonymity over several days', () => {
  const DAY_MS = 86_400_000
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS
  const days = 12
  const from = new Date(today - days * DAY_MS).toISOString().slice(0, 10)
  const to = new Date(today).toISOString().slice(0, 10)

  beforeAll(async () => {
    // Each UTC day has its own random salt, as the salt store makes them.
    const salts = new Map<number, Buffer>()
    const saltFor = (now: number) => {
      const day = Math.floor(now / DAY_MS)
      if (!salts.has(day)) salts.set(day, randomBytes(32))
      return salts.get(day)!
    }
    const deps = { site: (d: string) => (d === RETURNING ? { domain: RETURNING, timezone: 'UTC', queryAllowlist: new Set<string>() } : undefined), saltFor, ipv4Prefix: 24, ipv6Prefix: 48 }
    const visit = (ip: string, ua: string, path: string, now: number) => {
      const r = processBatch({ v: 1, site: RETURNING, events: [{ type: 'pageview', url: `https://${RETURNING}${path}`, ts: now }] }, { ip: parseIp(ip), userAgent: ua, origin: undefined, now: now + 1000 }, deps)
      if (!r.ok || r.rows.length !== 1) throw new Error(`refused: ${JSON.stringify(r)}`)
      return r.rows[0]!
    }
    const lines: string[] = []
    // One person, one address and browser, on /rare at noon of each of the last 12 days.
    for (let d = days; d >= 1; d--) lines.push(visit('145.14.1.77', UA.firefoxWindows, '/rare', today - d * DAY_MS + 12 * 3_600_000))
    // Ten people on /popular, all on one day.
    for (let i = 0; i < 10; i++) lines.push(visit(`203.0.113.${10 + i}`, UA.chromeMac, '/popular', today - 3 * DAY_MS + 9 * 3_600_000 + i * 60_000))
    await insertLines(server.services.db, 'tellen.events_in', lines, randomUUID())
    await runVisitsJob(server.services.db)
  })

  it('holds the threshold against the visitors of one day, so one person back every day is not k visitors', async () => {
    const res = await get(`/api/export/${RETURNING}?${new URLSearchParams({ from, to, dimensions: 'page', metrics: 'visitors,pageviews', format: 'ndjson' })}`)
    expect(res.status).toBe(200)
    // Over the range the daily codes of the one person are 12 visitors; on any one day, one.
    expect(ndjson(await res.text())).toEqual([{ page: '/popular', visitors: 10, pageviews: 10 }])
    expect(res.headers.get('x-tellen-suppressed-rows')).toBe('1')
  })

  it('does the same for dimensions of visits and for an export without dimensions', async () => {
    const byEntry = await get(`/api/export/${RETURNING}?${new URLSearchParams({ from, to, dimensions: 'entry_page', metrics: 'visitors,visits', format: 'ndjson' })}`)
    expect(byEntry.status).toBe(200)
    expect(ndjson(await byEntry.text())).toEqual([{ entry_page: '/popular', visitors: 10, visits: 10 }])
    expect(byEntry.headers.get('x-tellen-suppressed-rows')).toBe('1')
    // The whole site: eleven people on the busiest day, so the row is shown, with every daily visitor.
    const whole = await get(`/api/export/${RETURNING}?${new URLSearchParams({ from, to, dimensions: '', metrics: 'visitors,pageviews', format: 'ndjson' })}`)
    expect(ndjson(await whole.text())).toEqual([{ visitors: 22, pageviews: 22 }])
    // A higher k than any day reached leaves it out.
    const strict = await get(`/api/export/${RETURNING}?${new URLSearchParams({ from, to, dimensions: '', metrics: 'visitors', format: 'ndjson', k: '12' })}`)
    expect(ndjson(await strict.text())).toEqual([])
  })
})

describe('partner downloads at GET /api/export/:site/:dataset', () => {
  const TODAY = new Date().toISOString().slice(0, 10)
  const DAYS = [addDays(TODAY, -5), addDays(TODAY, -4), addDays(TODAY, -3)]
  /** Visitors a day by source: one whose name a spreadsheet would run, a large one, and a tiny one. */
  const SOURCES = { '=cmd|calc': 40, Google: 200, Rare: 2 }
  const partnerTokens: Record<string, string> = {}
  let tokenId = ''
  const download = (dataset: string, q: Record<string, string>, token = partnerTokens.both!) =>
    get(`/api/export/${PARTNER_SITE}/${dataset}?${new URLSearchParams({ from: DAYS[0]!, to: DAYS[2]!, ...q })}`, token)
  const define = (body: Record<string, unknown>) =>
    app.request('/api/admin/exports/datasets', { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ site: PARTNER_SITE, ...body }) })
  const auditLog = async () => ((await (await get(`/api/admin/exports?site=${PARTNER_SITE}`)).json()) as { downloads: Record<string, unknown>[] }).downloads

  beforeAll(async () => {
    const visits: SeedVisit[] = []
    for (const day of DAYS) for (const [source, n] of Object.entries(SOURCES)) for (let i = 0; i < n; i++) visits.push({ day, country: 'NL', device: 'desktop', source, pageviews: 3 })
    await seedVisits(server.services.db, PARTNER_SITE, visits)
    expect((await define({ name: 'by-source', dimensions: 'source', epsilon: 1 })).status).toBe(201)
    expect((await define({ name: 'totals', dimensions: [], metrics: ['visitors'], epsilon: 1 })).status).toBe(201)
    for (const [name, datasets] of [['both', ['by-source', 'totals']], ['totalsOnly', ['totals']]] as const) {
      const created = await server.services.tokens.create('partner', PARTNER_SITE, { datasets })
      partnerTokens[name] = created.token
      if (name === 'both') tokenId = created.info.id
    }
    partnerTokens.otherSite = (await server.services.tokens.create('partner', OTHER, { datasets: ['by-source'] })).token
  })

  it('serves one CSV row per day and group, with formula cells neutralised, and says how many rows were withheld', async () => {
    const res = await download('by-source', { format: 'csv' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/)
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${PARTNER_SITE}_by-source_${DAYS[0]}_${DAYS[2]}.csv"`)
    // At epsilon 1 the noise is wide enough that the threshold rises above k (see releaseThreshold).
    expect(res.headers.get('x-tellen-min-visitors')).toBe(String(releaseThreshold({ period: 'day', metrics: ['visitors', 'pageviews'], epsilonMilli: 1000 }, K)))
    expect(Number(res.headers.get('x-tellen-min-visitors'))).toBe(24)
    const text = await res.text()
    expect(text.startsWith('"period","source","visitors","pageviews"\r\n')).toBe(true)
    const records = parseCsv(text, { columns: true, record_delimiter: '\r\n' }) as Record<string, string>[]
    expect(records.map((r) => `${r.period} ${r.source}`)).toEqual(DAYS.flatMap((d) => [`${d} '=cmd|calc`, `${d} Google`]))
    expect(Number(res.headers.get('x-tellen-rows'))).toBe(records.length)
    expect(Number(res.headers.get('x-tellen-withheld-rows'))).toBeGreaterThanOrEqual(0)
    // The noise stays within the bounds of the mechanism (holding all but once in 10^7), and the tiny source never shows.
    const scales = noiseScales({ period: 'day', metrics: ['visitors', 'pageviews'], epsilonMilli: 1000 })
    for (const r of records) {
      const truth = r.source === 'Google' ? SOURCES.Google : SOURCES['=cmd|calc']
      expect(Math.abs(Number(r.visitors) - truth)).toBeLessThanOrEqual(halfWidth(scales.visitors, 1 - 1e-7))
      expect(Math.abs(Number(r.pageviews) - 3 * truth)).toBeLessThanOrEqual(halfWidth(scales.pageviews, 1 - 1e-7))
    }
  })

  it('gives NDJSON and Parquet the same rows as CSV, the formula cell unguarded there', async () => {
    const csv = parseCsv(await (await download('by-source', { format: 'csv' })).text(), { columns: true, record_delimiter: '\r\n' }) as Record<string, string>[]
    const want = csv.map((r) => ({ period: r.period!, source: r.source!.replace(/^'/, ''), visitors: Number(r.visitors), pageviews: Number(r.pageviews) }))
    const nd = await download('by-source', { format: 'ndjson' })
    expect(nd.headers.get('content-type')).toMatch(/^application\/x-ndjson/)
    expect(ndjson(await nd.text())).toEqual(want)
    const pq = await download('by-source', { format: 'parquet' })
    expect(pq.headers.get('content-type')).toBe('application/vnd.apache.parquet')
    const rows = await readParquet(pq, ['period', 'source', 'visitors', 'pageviews'])
    expect(rows.map((r) => ({ ...r, visitors: Number(r.visitors), pageviews: Number(r.pageviews) }))).toEqual(want)
    // A dataset without pageviews has no such column.
    expect(Object.keys(ndjson(await (await download('totals', { format: 'ndjson' })).text())[0]!)).toEqual(['period', 'visitors'])
  })

  it('keeps each token to its site and its datasets, and other tokens out', async () => {
    expect((await download('by-source', {}, '')).status).toBe(401)
    const read = await download('by-source', {}, tokens.read)
    expect(read.status).toBe(403)
    const narrow = await download('by-source', {}, partnerTokens.totalsOnly)
    expect(narrow.status).toBe(403)
    expect(((await narrow.json()) as { error: string }).error).toBe('this token may not download the dataset "by-source"; it may download totals')
    const otherSite = await download('by-source', {}, partnerTokens.otherSite)
    expect(otherSite.status).toBe(403)
    expect(((await otherSite.json()) as { error: string }).error).toBe(`this token may only download datasets of ${OTHER}`)
    expect((await download('by-source', {}, tokens.partner)).status).toBe(403)
    expect((await download('totals', {}, partnerTokens.totalsOnly)).status).toBe(200)
    expect((await download('by-source', {}, ADMIN)).status).toBe(200)
    const unknown = await download('by-browser', {}, ADMIN)
    expect(unknown.status).toBe(404)
    expect(((await unknown.json()) as { error: string }).error).toBe(`unknown dataset "by-browser" of ${PARTNER_SITE}`)
  })

  it('freezes a release: traffic that reaches a released day later changes no download', async () => {
    const before = await (await download('by-source', { format: 'ndjson' })).text()
    await seedVisits(server.services.db, PARTNER_SITE, Array.from({ length: 50 }, () => ({ day: DAYS[1]!, country: 'NL', device: 'desktop', source: 'Google' })))
    expect(await (await download('by-source', { format: 'ndjson' })).text()).toBe(before)
  })

  it('keeps one release when two collectors freeze the same period at once', async () => {
    const dataset = (await createDatasetStore(server.services.db, 4000).get(PARTNER_SITE, 'totals'))!
    const day = addDays(TODAY, -6)
    await seedVisits(server.services.db, PARTNER_SITE, Array.from({ length: 300 }, () => ({ day, country: 'NL', device: 'desktop' })))
    await Promise.all([freezeRelease(server.services.db, dataset, day, K), freezeRelease(server.services.db, dataset, day, K), freezeRelease(server.services.db, dataset, day, K)])
    const bodies = new Set<string>()
    for (let i = 0; i < 3; i++) bodies.add(await (await get(`/api/export/${PARTNER_SITE}/totals?from=${day}&to=${day}&format=ndjson`, partnerTokens.totalsOnly)).text())
    expect(bodies.size).toBe(1)
    // The deduplication token let only one of the racing inserts in.
    const stored = await server.services.db.query({
      query: 'SELECT uniqExact(release_id) AS releases FROM tellen.export_releases WHERE dataset_id = {id:String} AND period = {day:Date}',
      query_params: { id: dataset.id, day }, format: 'JSONEachRow',
    })
    expect((await stored.json<{ releases: number }>())[0]?.releases).toBe(1)
    // Even a second release written beside the first (no deduplication) is not what readers get.
    await server.services.db.insert({
      table: 'tellen.export_releases',
      values: [{ site: PARTNER_SITE, dataset_id: dataset.id, period: day, release_id: '0', is_seal: 0, groups: [], visitors: 1, pageviews: 0, withheld: 0 }, { site: PARTNER_SITE, dataset_id: dataset.id, period: day, release_id: '0', is_seal: 1, groups: [], visitors: 0, pageviews: 0, withheld: 0 }],
      format: 'JSONEachRow',
    })
    expect(await (await get(`/api/export/${PARTNER_SITE}/totals?from=${day}&to=${day}&format=ndjson`, partnerTokens.totalsOnly)).text()).toBe([...bodies][0])
  })

  it('records every download with the token id, dataset, span, rows and time, and nothing else', async () => {
    const before = (await auditLog()).length
    const res = await download('by-source', { from: DAYS[1]!, to: DAYS[1]!, format: 'ndjson' })
    const rows = Number(res.headers.get('x-tellen-rows'))
    const [newest, ...rest] = await auditLog()
    expect(rest.length).toBe(before)
    expect(Object.keys(newest!).sort()).toEqual(['at', 'dataset', 'from', 'rows', 'site', 'to', 'tokenId'])
    expect(newest).toMatchObject({ tokenId, site: PARTNER_SITE, dataset: 'by-source', from: DAYS[1], to: DAYS[1], rows })
    expect(Date.now() - Date.parse(`${String(newest!.at).replace(' ', 'T')}Z`)).toBeLessThan(600_000)
    const all = (await (await get('/api/admin/exports?limit=1')).json()) as { downloads: unknown[] }
    expect(all.downloads).toHaveLength(1)
    expect((await get('/api/admin/exports', partnerTokens.both)).status).toBe(403)
  })

  it('logs no request line for a download, only the audit record', async () => {
    const lines: string[] = []
    const log = createLogger('info', { write: (line: string) => lines.push(line) })
    const logged = createApp({ ...server.services, log })
    const res = await logged.request(`/api/export/${PARTNER_SITE}/totals?from=${DAYS[0]}&to=${DAYS[0]}`, { headers: { authorization: `Bearer ${partnerTokens.both}`, 'x-forwarded-for': '203.0.113.9' } })
    expect(res.status).toBe(200)
    await res.text()
    expect((await logged.request('/healthz')).status).toBeLessThan(500)
    expect(lines.join('')).toContain('/healthz')
    expect(lines.join('')).not.toContain('/api/export/')
  })

  it('refuses a dataset past the epsilon budget, or badly defined, with a 400 that says why, and writes nothing', async () => {
    const listed = async () => ((await (await get(`/api/admin/exports/datasets?site=${PARTNER_SITE}`)).json()) as { datasets: unknown[]; ledgers: { spentMilli: number; budgetMilli: number }[] })
    const before = await listed()
    expect(before.ledgers).toEqual([{ site: PARTNER_SITE, spentMilli: 2000, budgetMilli: 4000 }])
    expect(before.datasets).toContainEqual(expect.objectContaining({ name: 'by-source', epsilonMilli: 1000, minVisitors: 24 }))
    const over = await define({ name: 'by-country', dimensions: 'country', epsilon: 2.5 })
    expect(over.status).toBe(400)
    expect(((await over.json()) as { error: string }).error).toBe(
      `epsilon: defining "by-country" with epsilon 2.5 would bring the epsilon spent on each day of ${PARTNER_SITE} to 4.5, past the budget of 4 (TELLEN_EXPORT_EPSILON_BUDGET): ` +
        "every dataset's releases cover every day, so their epsilons add up (2 is spent already, removed datasets that were released included)",
    )
    for (const [body, message] of [
      [{ name: 'x', dimensions: 'country,planet' }, /dimensions: unknown dimension "planet"/],
      [{ name: 'x', period: 'year' }, /period: must be one of day, week, month/],
      [{ name: 'x', epsilon: 0 }, /epsilon: must be more than 0/],
      [{ name: 'x', epsilon: '1e3' }, /epsilon: must be a number/],
      [{ name: 'x', metrics: 'pageviews' }, /metrics: must include visitors/],
      [{ name: 'X Y' }, /name: must be 1 to 63 lowercase/],
      [{ name: 'by-source' }, /already has a dataset named "by-source"/],
      [{ name: 'x', filter: 'country=LU' }, /unknown field "filter"/],
    ] as const) {
      const res = await define(body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(((await res.json()) as { error: string }).error).toMatch(message)
    }
    expect(await listed()).toEqual(before)
  })

  it('names the datasets partners receive in the privacy statement', async () => {
    const statement = await (await get('/api/admin/privacy-statement?lang=en')).text()
    expect(statement).toMatch(/^# Website statistics\n/)
    expect(statement).toContain(`- \`by-source\` (${PARTNER_SITE}): visitors and pageviews per day, by source; ε = 1; rows of fewer than 24 visitors (after noise) are left out`)
    expect(statement).toContain(`- \`totals\` (${PARTNER_SITE}): visitors per day; ε = 1; rows of fewer than 16 visitors (after noise) are left out`)
  })

  it('stops downloads of a removed dataset, whose releases keep counting against the budget', async () => {
    expect((await define({ name: 'short-lived', epsilon: 1 })).status).toBe(201)
    const res = await app.request(`/api/admin/exports/datasets/${PARTNER_SITE}/short-lived`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } })
    expect(res.status).toBe(200)
    const ledger = (await (await get(`/api/admin/exports/datasets?site=${PARTNER_SITE}`)).json()) as { ledgers: { spentMilli: number }[] }
    // Never released: its epsilon is given back.
    expect(ledger.ledgers[0]!.spentMilli).toBe(2000)
    const store = createDatasetStore(server.services.db, 4000)
    expect((await define({ name: 'released', epsilon: 1 })).status).toBe(201)
    expect((await download('released', {}, ADMIN)).status).toBe(200)
    expect(await store.remove(PARTNER_SITE, 'released')).toBe(true)
    expect((await download('released', {}, ADMIN)).status).toBe(404)
    expect((await store.ledger(PARTNER_SITE)).spentMilli).toBe(3000)
  })
})
