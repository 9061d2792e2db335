import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postEvents, rows, startCollector, withDataDir, type Collector } from './helpers/collector.ts'
import { migratedDataDir } from './helpers/migrated-data-dir.ts'

const SITE = 'example.com'

describe('Do Not Track and Global Privacy Control in the collector', () => {
  const dataDir = migratedDataDir()
  let c: Collector
  const answers: Record<string, { status: number; json: any; headers: Headers }> = {}
  const wellKnown: Record<string, { status: number; type: string | null; body: unknown; tk: string | null }> = {}

  beforeAll(async () => {
    c = await startCollector({ TELLEN_SITES: SITE, TRUST_PROXY: '1', LOG_LEVEL: 'debug' }, dataDir)
    const batch = (path: string, tz = 'Pacific/Chatham', lang = 'mi-NZ') => ({
      v: 1, site: SITE, tz, lang, sw: 1280,
      events: [
        { type: 'pageview', url: `https://${SITE}${path}`, referrer: 'https://www.google.com/' },
        { type: 'timing', url: `https://${SITE}${path}`, metric: 'lcp', value: 1200 },
      ],
    })
    answers.dnt = await postEvents(c.url, batch('/dnt-page'), { dnt: '1', 'x-forwarded-for': '198.51.100.23' })
    answers.gpc = await postEvents(c.url, batch('/gpc-page'), { 'sec-gpc': '1', 'x-forwarded-for': '198.51.100.24' })
    answers.both = await postEvents(c.url, batch('/both-page'), { dnt: '1', 'sec-gpc': '1', 'x-forwarded-for': '198.51.100.25' })
    answers.unknownSite = await postEvents(c.url, { ...batch('/x'), site: 'unknown.org' }, { dnt: '1', 'x-forwarded-for': '198.51.100.26' })
    answers.garbage = await postEvents(c.url, 'not json', { 'sec-gpc': '1', 'x-forwarded-for': '198.51.100.27' })
    answers.dntZero = await postEvents(c.url, batch('/tracked-page', 'Europe/Amsterdam', 'nl-NL'), { dnt: '0', 'x-forwarded-for': '203.0.113.9' })
    for (const path of ['/.well-known/dnt/', '/.well-known/dnt', '/.well-known/gpc.json']) {
      const res = await fetch(`${c.url}${path}`)
      wellKnown[path] = { status: res.status, type: res.headers.get('content-type'), body: await res.json(), tk: res.headers.get('tk') }
    }
    expect(await c.stop()).toBe(0)
  })

  afterAll(async () => {
    await c?.stop('SIGKILL')
  })

  it('answers 202 with the honoured signal and Tk: N', () => {
    expect(answers.dnt).toMatchObject({ status: 202, json: { accepted: 0, honoured: 'dnt' } })
    expect(answers.gpc).toMatchObject({ status: 202, json: { accepted: 0, honoured: 'gpc' } })
    expect(answers.both!.json.honoured).toBe('gpc')
    expect(answers.garbage!.status).toBe(202)
    for (const a of Object.values(answers)) expect(a.headers.get('tk')).toBe('N')
  })

  it('stores nothing about a visit that opted out', async () => {
    const dump = await withDataDir(dataDir, async (db) => {
      const tables = await rows<{ name: string }>(db, `SELECT name FROM system.tables WHERE database = 'tellen' AND engine NOT IN ('Null', 'MaterializedView')`)
      return JSON.stringify(await Promise.all(tables.map((t) => rows(db, `SELECT * FROM tellen.${t.name}`))))
    })
    for (const trace of ['dnt-page', 'gpc-page', 'both-page', '198.51.100', 'Pacific/Chatham', 'mi-NZ', '"dnt"', '"gpc"']) expect(dump).not.toContain(trace)
    const events = await withDataDir(dataDir, (db) => rows<{ path: string }>(db, 'SELECT DISTINCT path FROM tellen.events'))
    expect(events).toEqual([{ path: '/tracked-page' }])
  })

  it('counts honoured requests per site and hour, and nothing else', async () => {
    const counted = await withDataDir(dataDir, (db) =>
      rows<Record<string, unknown>>(db, `SELECT site, toUInt32(sum(requests)) AS n, toUInt32(count(DISTINCT hour)) AS hours, toUInt8(max(hour) <= now() AND max(hour) > now() - 7200) AS recent FROM tellen.rollup_honoured GROUP BY site`),
    )
    expect(counted).toEqual([{ site: SITE, n: 3, hours: 1, recent: 1 }])
    const columns = await withDataDir(dataDir, (db) => rows<{ name: string }>(db, `SELECT name FROM system.columns WHERE database = 'tellen' AND table = 'rollup_honoured' ORDER BY position`))
    expect(columns.map((col) => col.name)).toEqual(['site', 'hour', 'requests'])
  })

  it('logs no prefix for a request that opted out', () => {
    const lines = c.output().split('\n').filter((l) => l.includes('"path":"/api/event"'))
    expect(lines).toHaveLength(6)
    expect(lines.filter((l) => l.includes('"prefix"'))).toHaveLength(1)
    expect(c.output()).toContain('"prefix":"203.0.113.0/24"')
    expect(c.output()).not.toContain('198.51.100')
  })

  it('serves the W3C tracking status resource', () => {
    for (const path of ['/.well-known/dnt/', '/.well-known/dnt']) {
      expect(wellKnown[path]).toMatchObject({ status: 200, type: 'application/tracking-status+json', body: { tracking: 'N' }, tk: 'N' })
    }
  })

  it('serves the Global Privacy Control support resource', () => {
    expect(wellKnown['/.well-known/gpc.json']).toMatchObject({ status: 200, type: expect.stringMatching(/^application\/json/) })
    expect(wellKnown['/.well-known/gpc.json']!.body).toEqual({ gpc: true, lastUpdate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) })
  })
})

describe('opt-out counts under the same checks as tracked requests', () => {
  const dataDir = migratedDataDir()
  let c: Collector
  const LIMIT = 4
  const statuses: { status: number; json: unknown }[] = []

  beforeAll(async () => {
    c = await startCollector({ TELLEN_SITES: SITE, TRUST_PROXY: '1', TELLEN_RATE_LIMIT_PER_MINUTE: String(LIMIT) }, dataDir)
    const batch = (site = SITE) => ({ v: 1, site, events: [{ type: 'pageview', url: `https://${site}/` }] })
    const send = async (body: unknown, headers: Record<string, string>) => {
      const a = await postEvents(c.url, body, { dnt: '1', ...headers })
      statuses.push({ status: a.status, json: a.json })
    }
    // Counted: a registered site, its own origin, within the limit of the network.
    await send(batch(), { origin: `https://${SITE}`, 'x-forwarded-for': '192.0.2.10' })
    // Not counted: a site that is not registered, from many networks.
    for (let i = 0; i < 5; i++) await send(batch('unknown.org'), { origin: 'https://unknown.org', 'x-forwarded-for': `198.18.${i}.1` })
    // Not counted: a page of another origin naming the site.
    for (let i = 0; i < 5; i++) await send(batch(), { origin: 'https://evil.example.net', 'x-forwarded-for': `198.19.${i}.1` })
    // One network past its limit: only the first LIMIT requests count.
    for (let i = 0; i < LIMIT + 6; i++) await send(batch(), { origin: `https://${SITE}`, 'x-forwarded-for': '203.0.113.50' })
    expect(await c.stop()).toBe(0)
  })

  afterAll(async () => {
    await c?.stop('SIGKILL')
  })

  it('answers every opt-out request the same, counted or not', () => {
    expect(statuses).toHaveLength(1 + 5 + 5 + LIMIT + 6)
    for (const a of statuses) expect(a).toEqual({ status: 202, json: { accepted: 0, honoured: 'dnt' } })
  })

  it('counts only requests for a registered site, from its origin, within the rate limit', async () => {
    const counted = await withDataDir(dataDir, (db) =>
      rows<{ site: string; n: number }>(db, 'SELECT site, toUInt32(sum(requests)) AS n FROM tellen.rollup_honoured GROUP BY site ORDER BY site'),
    )
    expect(counted).toEqual([{ site: SITE, n: 1 + LIMIT }])
  })

  it('keeps no trace of the refused opt-out requests in the security view', async () => {
    const refused = await withDataDir(dataDir, (db) => rows<{ n: number }>(db, 'SELECT toUInt32(count()) AS n FROM tellen.rejections'))
    expect(refused).toEqual([{ n: 0 }])
  })
})
