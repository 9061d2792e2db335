import fc from 'fast-check'
import type { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../collector/src/app.ts'
import { loadConfig } from '../collector/src/config.ts'
import type { Env } from '../collector/src/context.ts'
import { EXPORT_DIMENSIONS, EXPORT_FORMATS, EXPORT_METRICS } from '../collector/src/export/params.ts'
import { createDatasetStore } from '../collector/src/export/datasets.ts'
import { parseDefinition } from '../collector/src/export/definition.ts'
import { createLogger } from '../collector/src/log.ts'
import { startServer, type RunningServer } from '../collector/src/server.ts'
import { UA } from './helpers/collector.ts'
import { migratedDataDir } from './helpers/migrated-data-dir.ts'

const SITES = ['export-fuzz.test', 'other.fuzz']
const ADMIN = 'export-fuzz-admin-token-0123456789'
// Every `npm test` runs this count; EXPORT_FUZZ_RUNS sets more for a deeper run.
const RUNS = Number(process.env.EXPORT_FUZZ_RUNS ?? 1_500)
const CONCURRENCY = 8

// ---- generators -------------------------------------------------------------------------------

const today = new Date().toISOString().slice(0, 10)
const NASTY = [
  "'; DROP TABLE tellen.events; --", "1' OR '1'='1", 'visitors) OR (1=1', '{k:UInt64}', '{site:String}', 'day FORMAT TSV', "\\'", '`',
  '<script>alert(1)</script>', '\u0000', '\uD800', '\u202e', '🙂', '__proto__', 'constructor', 'toString', '../../etc/passwd',
  '%', '%00', 'null', 'NaN', 'Infinity', '[]', '{}', ' ', '\t\n', '', ',', ',,', 'day,', ',day', ' day', 'DAY', 'day\u0000',
]
const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }).map((n) => 'x'.repeat(n * 1_000)) },
)
const names = <T extends string>(xs: readonly T[]) =>
  fc.array(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...xs) }, { weight: 1, arbitrary: text }), { maxLength: 6 }).map((a) => a.join(','))
const dates = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -800, max: 5 }).map((d) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10)) },
  { weight: 2, arbitrary: fc.constantFrom('2026-02-30', '2026-13-01', '9999-99-99', '0000-00-00', '1970-01-01', '2026-1-1', 'yesterday', `${today}T00:00:00Z`, ` ${today}`) },
)
/** Whole closed days and weeks, so that partner downloads reach the releases. */
const closedDay = fc.integer({ min: 3, max: 20 }).map((d) => new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10))
const numbers = fc.oneof(
  fc.integer({ min: -5, max: 50 }).map(String),
  fc.constantFrom('0', '1', '2', '9', '10', '-0', '1.5', '1e3', '1e400', '0x10', ' 5', '+5', '010', '9007199254740993', '18446744073709551616', 'NaN', ''),
  fc.bigInt().map(String),
)
const pair = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constant('dimensions'), names(EXPORT_DIMENSIONS)) },
  { weight: 3, arbitrary: fc.tuple(fc.constant('metrics'), names(EXPORT_METRICS)) },
  { weight: 2, arbitrary: fc.tuple(fc.constant('format'), fc.oneof(fc.constantFrom(...EXPORT_FORMATS, 'CSV', 'json', 'Parquet', 'TabSeparated'), text)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('from', 'to'), fc.oneof({ weight: 4, arbitrary: dates }, { weight: 3, arbitrary: closedDay }, { weight: 1, arbitrary: text })) },
  { weight: 2, arbitrary: fc.tuple(fc.constant('k'), fc.oneof(numbers, text)) },
  { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'k[]', 'dimensions[0]', 'page', 'limit', ''), text), text) },
)
const site = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...SITES) }, { weight: 1, arbitrary: fc.constantFrom('EXPORT-FUZZ.TEST', 'unknown.test', 'export-fuzz.test.') }, { weight: 1, arbitrary: text })
const mutation = fc.record({ at: fc.nat(), insert: fc.constantFrom('%', '%2', '%00', '%FF', '%C3%28', '&', '=', '?', '#', '+', ';', '%2C', ','), cut: fc.boolean() })
const token = fc.constantFrom('admin', 'admin', 'partner', 'scopedPartner', 'datasetPartner', 'datasetPartner', 'read', 'none', 'wrong')
/** No dataset (the owner's ad-hoc export), a defined one, or anything. */
const dataset = fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: fc.constantFrom('daily', 'weekly', 'undefined-one') }, { weight: 1, arbitrary: text })

/** A lone surrogate becomes its 3-byte WTF-8 form when encoded, which is not valid UTF-8. */
const enc = (s: string) =>
  s.replace(/[\s\S]/gu, (ch) => {
    if (ch.length === 2 || ch.charCodeAt(0) < 0xd800 || ch.charCodeAt(0) > 0xdfff) return encodeURIComponent(ch)
    const u = ch.charCodeAt(0)
    return [0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('')
  })

const request = fc.tuple(site, fc.array(pair, { maxLength: 6 }), fc.array(mutation, { maxLength: 2 }), fc.nat(9), token, dataset).map(([s, ps, ms, odds, who, ds]) => {
  let query = ps.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')
  if (odds < 2) {
    for (const m of ms) {
      const at = query.length ? m.at % (query.length + 1) : 0
      query = m.cut ? query.slice(0, at) : query.slice(0, at) + m.insert + query.slice(at)
    }
  }
  return { path: `/api/export/${enc(s)}${ds === undefined ? '' : `/${enc(ds)}`}${query ? `?${query}` : ''}`, who }
})

// ---- invariants ---------------------------------------------------------------------------------

/**
 * What is wrong with an answer, or ''. The site holds fewer than k visitors in all, so every export
 * that succeeds must be empty: a row in it would describe fewer than k visitors.
 */
async function problem(res: Response): Promise<string> {
  const body = Buffer.from(await res.arrayBuffer())
  if (res.status >= 400 && res.status < 500) {
    let json: unknown
    try {
      json = JSON.parse(body.toString())
    } catch {
      return `${res.status} not JSON: ${body.subarray(0, 100).toString()}`
    }
    const error = (json as { error?: unknown } | null)?.error
    if (typeof error !== 'string' || !error) return `${res.status} without an error message`
    if (/\bat .*\.[cm]?[jt]s:\d+|node:internal|DB::Exception/.test(error)) return `internals in ${error.slice(0, 200)}`
    return ''
  }
  if (res.status !== 200) return `status ${res.status}`
  if (res.headers.get('x-tellen-rows') !== '0') return `${res.headers.get('x-tellen-rows')} rows exported below k`
  if (Number(res.headers.get('x-tellen-min-visitors')) < 10) return `k ${res.headers.get('x-tellen-min-visitors')} below the minimum`
  const type = res.headers.get('content-type') ?? ''
  if (type.startsWith('application/x-ndjson') && body.length) return `NDJSON rows: ${body.subarray(0, 100).toString()}`
  if (type.startsWith('text/csv') && body.toString().split('\r\n').filter(Boolean).length !== 1) return `CSV rows: ${body.subarray(0, 100).toString()}`
  if (type === 'application/vnd.apache.parquet' && body.subarray(0, 4).toString() !== 'PAR1') return 'not a Parquet file'
  return ''
}

describe('fuzzing the export parameters', () => {
  let server: RunningServer
  let app: Hono<Env>
  const tokens: Record<string, string> = {}

  beforeAll(async () => {
    const config = loadConfig({
      PORT: '0', HOST: '127.0.0.1', DATA_DIR: migratedDataDir('tellen-export-fuzz-'), TELLEN_SITES: SITES.join(','), TELLEN_ADMIN_TOKEN: ADMIN,
      TELLEN_RATE_LIMIT_PER_MINUTE: '0', TELLEN_SITE_RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent',
    })
    server = await startServer(config, createLogger('silent'))
    app = createApp(server.services)
    tokens.admin = ADMIN
    tokens.partner = (await server.services.tokens.create('partner')).token
    tokens.scopedPartner = (await server.services.tokens.create('partner', SITES[0])).token
    tokens.read = (await server.services.tokens.create('read')).token
    const datasets = createDatasetStore(server.services.db, config.exportEpsilonBudgetMilli)
    await datasets.define(parseDefinition({ site: SITES[0], name: 'daily', dimensions: 'country,source' }))
    await datasets.define(parseDefinition({ site: SITES[0], name: 'weekly', dimensions: [], period: 'week' }))
    tokens.datasetPartner = (await server.services.tokens.create('partner', SITES[0], { datasets: ['daily', 'weekly'] })).token
    tokens.wrong = 'tln_wrong-token-0123456789abcdef'
    // A few visitors: fewer than k, so every successful export is empty.
    for (const [i, ua] of [UA.chromeMac, UA.safariIphone, UA.firefoxWindows].entries()) {
      const res = await app.request('/api/event', {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'user-agent': ua, 'x-forwarded-for': `145.14.1.${10 + i}` },
        body: JSON.stringify({ v: 1, site: SITES[0], tz: 'Europe/Amsterdam', lang: 'nl-NL', sw: 1280, events: [{ type: 'pageview', url: `https://${SITES[0]}/=cmd?utm_campaign=%3D1` }] }),
      })
      expect(res.status).toBe(202)
    }
    await server.services.events.flush()
  })
  afterAll(async () => {
    await server?.close(5000)
  })

  it('has traffic on the site, all of it below k', async () => {
    const rs = await server.services.db.query({ query: 'SELECT uniqCombinedMerge(12)(visitors) AS n FROM tellen.rollup_site WHERE site = {site:String}', query_params: { site: SITES[0] }, format: 'JSONEachRow' })
    const visitors = Number((await rs.json<{ n: number }>())[0]?.n)
    expect(visitors).toBeGreaterThan(0)
    expect(visitors).toBeLessThan(10)
  })

  it(`answers ${RUNS} generated and mutated export requests and partner downloads with 2xx/4xx only, and never a row below k`, async () => {
    const samples = fc.sample(request, { numRuns: RUNS, seed: Number(process.env.EXPORT_FUZZ_SEED ?? 20261125) })
    const statuses = new Map<number, number>()
    const bad: string[] = []
    for (let i = 0; i < samples.length; i += CONCURRENCY) {
      await Promise.all(
        samples.slice(i, i + CONCURRENCY).map(async ({ path, who }) => {
          const headers: Record<string, string> = who === 'none' ? {} : { authorization: `Bearer ${tokens[who]}` }
          const res = await app.request(path, { headers })
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
          const p = await problem(res)
          if (p && bad.length < 10) bad.push(`${who} ${path.slice(0, 200)}: ${p}`)
        }),
      )
    }
    expect(bad).toEqual([])
    // Both outcomes are exercised: refusals of every kind, and exports that reached the engine.
    for (const status of [200, 400, 401, 403]) expect(statuses.get(status) ?? 0, `status ${status}`).toBeGreaterThan(RUNS / 100)
  })

  it('answers partner downloads of any span and format with frozen empty releases, a 400, or a 410 for days no longer countable, never a row below k', async () => {
    const download = fc.record({ ds: fc.constantFrom('daily', 'weekly'), from: fc.oneof(closedDay, dates), to: closedDay, format: fc.constantFrom(...EXPORT_FORMATS, 'xml') })
    const statuses = new Map<number, number>()
    const bad: string[] = []
    for (const d of fc.sample(download, { numRuns: 50, seed: 20261207 })) {
      const path = `/api/export/${SITES[0]}/${d.ds}?${new URLSearchParams({ from: d.from, to: d.to, format: d.format })}`
      const res = await app.request(path, { headers: { authorization: `Bearer ${tokens.datasetPartner}` } })
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      const p = await problem(res)
      if (p && bad.length < 10) bad.push(`${path}: ${p}`)
    }
    expect(bad).toEqual([])
    // Spans within the kept days are released (empty: every group is below k); spans reaching days
    // whose visits are gone and were never counted for the dataset are refused, never released partly.
    expect(Object.fromEntries(statuses), JSON.stringify([...statuses])).toMatchObject({ 200: expect.any(Number), 400: expect.any(Number), 410: expect.any(Number) })
    expect(statuses.get(400)).toBeGreaterThan(5)
    expect([...statuses.keys()].sort()).toEqual([200, 400, 410])
  })
})
