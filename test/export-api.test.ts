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

const OTHER = 'other-export.test'
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

/** A GET with a bearer token (the unscoped partner's by default; '' for none). */
const get = (path: string, token = tokens.partner!) => app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} })
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
    PORT: '0', HOST: '127.0.0.1', DATA_DIR: migratedDataDir('tellen-export-'), TELLEN_SITES: `${SITE},${OTHER},${RETURNING}`, TELLEN_ADMIN_TOKEN: ADMIN,
    TELLEN_EXPORT_MIN_VISITORS: String(K), TELLEN_VISITS_INTERVAL_MS: '3600000', LOG_LEVEL: 'silent',
  })
  server = await startServer(config, createLogger('silent'))
  app = createApp(server.services)
  await ingestFixture(server.services.db, events)
  tokens.admin = ADMIN
  for (const [name, kind, site] of [['partner', 'partner', undefined], ['scoped', 'partner', SITE], ['otherPartner', 'partner', OTHER], ['read', 'read', undefined]] as const) {
    tokens[name] = (await server.services.tokens.create(kind, site)).token
  }
}, 60_000)
afterAll(async () => {
  await server?.close(5000)
})

describe('GET /api/export/:site', () => {
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
    for (const token of [tokens.partner, tokens.admin]) {
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

  it('needs a partner or the admin token, on the partner token\'s own site', async () => {
    expect((await get(url({}), '')).status).toBe(401)
    expect((await get(url({}), 'tln_not-a-real-token-0123456789')).status).toBe(401)
    const read = await get(url({}), tokens.read)
    expect(read.status).toBe(403)
    expect(await read.json()).toEqual({ error: 'a read token may not use this API' })
    const other = await get(url({}), tokens.otherPartner)
    expect(other.status).toBe(403)
    expect(await other.json()).toEqual({ error: `this token may only export the site ${OTHER}` })
    for (const t of [tokens.partner, tokens.scoped, tokens.admin]) expect((await get(url({}), t)).status).toBe(200)
    expect((await get(url({}, OTHER), tokens.scoped)).status).toBe(403)
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
  }, 60_000)
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
  }, 60_000)

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
