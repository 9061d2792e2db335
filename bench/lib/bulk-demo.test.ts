import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, type Db } from '../../collector/src/db/client.ts'
import { migrate } from '../../collector/src/db/migrate.ts'
import { demoTraffic } from '../../collector/src/demo/traffic.ts'
import { parseIp } from '../../collector/src/ingest/ip.ts'
import { eventRowObject } from '../../collector/src/ingest/event-row.ts'
import { processBatch } from '../../collector/src/ingest/pipeline.ts'
import { runVisitsJob } from '../../collector/src/visits/sessionize.ts'
import { loadBulkDemo } from './bulk-demo.ts'
import { migratedDataDir } from '../../test/helpers/migrated-data-dir.ts'

const SITE = 'demo.local'
const DISCRETE = ['browser', 'browser_version', 'os', 'os_version', 'device', 'screen', 'timezone', 'language', 'country',
  'source', 'referrer_host', 'utm_source', 'utm_medium', 'utm_campaign', 'query', 'path', 'name', 'target'] as const

const PER_REQUEST: readonly string[] = ['browser', 'browser_version', 'os', 'os_version', 'device', 'screen', 'timezone', 'language', 'country', 'path']

type Row = Record<string, unknown>

/** The rows the real pipeline makes of the demo generator's traffic (with ClickHouse's defaults filled in). */
function pipelineRows(events: number, end: number): Row[] {
  const deps = {
    site: (d: string) => (d === SITE ? { domain: SITE, timezone: 'UTC', queryAllowlist: new Set<string>() } : undefined),
    saltFor: () => Buffer.alloc(32, 1),
    ipv4Prefix: 24,
    ipv6Prefix: 48,
  }
  const rows: Row[] = []
  for (const req of demoTraffic({ site: SITE, days: 3, events, end })) {
    const r = processBatch(req.body, { ip: parseIp(req.ip), userAgent: req.userAgent, origin: undefined, now: req.now }, deps)
    if (!r.ok) {
      // The demo's few crawlers are refused as a whole, as at the collector; the bulk loader draws none.
      if (r.reason === 'bot') continue
      throw new Error(r.error)
    }
    for (const line of r.rows) rows.push(eventRowObject(line) as unknown as Row)
  }
  return rows
}

const shares = (rows: Row[], key: (r: Row) => string) => {
  const counts = new Map<string, number>()
  for (const r of rows) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1)
  return Object.fromEntries([...counts].map(([k, n]) => [k, n / rows.length]))
}

describe('bulk demo loader', () => {
  let dir: string
  let db: Db
  let stored: Row[]
  let expected: Row[]
  const end = Date.now()

  beforeAll(async () => {
    dir = migratedDataDir('tellen-bulk-')
    db = openDb({ dataDir: dir })
    await migrate(db)
    await loadBulkDemo(db, { site: SITE, days: 3, events: 60_000, end })
    stored = await (await db.query({ query: 'SELECT * EXCEPT (ts, visitor, grid, props), length(grid) AS cells, props FROM tellen.events', format: 'JSONEachRow' })).json<Row>()
    expected = pipelineRows(60_000, end)
  })

  afterAll(async () => {
    await db.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('writes only values that the pipeline derives from the demo traffic', () => {
    expect(stored.length).toBeGreaterThan(40_000)
    for (const column of DISCRETE) {
      // Columns of the request are compared over all events, the others per kind of event.
      const kind = (r: Row) => (PER_REQUEST.includes(column) ? '' : String(r.type))
      const possible = new Set(expected.map((r) => `${kind(r)} ${String(r[column] ?? '')}`))
      const unexpected = new Set(stored.map((r) => `${kind(r)} ${String(r[column])}`).filter((v) => !possible.has(v)))
      expect([column, [...unexpected]]).toEqual([column, []])
    }
  })

  it('fills the same columns as the pipeline for every kind of event', () => {
    const filled = (rows: Row[]) => {
      const out: Record<string, Set<string>> = {}
      for (const r of rows) {
        const set = (out[String(r.type)] ??= new Set())
        for (const [k, v] of Object.entries(r)) {
          if (k === 'cells' ? v !== 0 : k === 'props' ? Object.keys(v as object).length : v !== '' && v !== 0 && !(Array.isArray(v) && !v.length)) set.add(k === 'cells' ? 'grid' : k)
        }
      }
      return Object.fromEntries(Object.entries(out).map(([t, s]) => [t, [...s].filter((k) => !['ts', 'visitor'].includes(k)).sort()]))
    }
    expect(filled(stored)).toEqual(filled(expected))
  })

  it('draws event kinds, sources, countries and devices in the proportions of the demo', () => {
    const pageviews = (rows: Row[]) => rows.filter((r) => r.type === 'pageview')
    // Places and browsers are drawn per person, a few thousand of them here: their shares vary more.
    const cases: [Row[], Row[], (r: Row) => string, number][] = [
      [expected, stored, (r) => String(r.type), 0.02],
      ...(['source', 'country', 'device', 'timezone', 'language'] as const).map((c): [Row[], Row[], (r: Row) => string, number] => [pageviews(expected), pageviews(stored), (r) => String(r[c]), 0.05]),
      // Where clicks land, how deep pages are read, and which resource fails as which kind.
      [expected.filter((r) => r.type === 'click'), stored.filter((r) => r.type === 'click'), (r) => String(r.cell_x), 0.05],
      [expected.filter((r) => r.type === 'leave'), stored.filter((r) => r.type === 'leave'), (r) => String(Math.floor(Number(r.scroll) / 10)), 0.05],
      [expected.filter((r) => r.type === 'error'), stored.filter((r) => r.type === 'error'), (r) => `${String(r.name)} ${String(r.target)}`, 0.08],
    ]
    for (const [want, got, key, tolerance] of cases) {
      const a = shares(want, key)
      const b = shares(got, key)
      for (const [k, share] of Object.entries(a)) expect(Math.abs((b[k] ?? 0) - share), k).toBeLessThan(tolerance)
    }
  })

  it('cuts visits of the demo length from the generated events', async () => {
    await runVisitsJob(db)
    const [v] = await (await db.query({ query: 'SELECT count() AS visits, avg(pageviews) AS pages FROM tellen.rollup_visits FINAL', format: 'JSONEachRow' })).json<{ visits: number; pages: number }>()
    const pageviews = expected.filter((r) => r.type === 'pageview').length
    expect(Number(v!.visits)).toBeGreaterThan(pageviews / 3)
    expect(Number(v!.pages)).toBeGreaterThan(1.8)
    expect(Number(v!.pages)).toBeLessThan(3)
  })
})
