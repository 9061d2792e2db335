import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, type Db } from '../collector/src/db/client.ts'
import { postEvents, rows, startCollector, UA, type Collector } from './helpers/collector.ts'
import { migratedDataDir } from './helpers/migrated-data-dir.ts'
import { TEST_ENGINE_SETTINGS } from './helpers/programs.ts'

const SITE = 'example.com'
const now = () => Date.now()

describe('POST /api/event against the real collector and its embedded ClickHouse', () => {
  const dataDir = migratedDataDir()
  let c: Collector
  const responses: Record<string, { status: number; json: any; headers: Headers }> = {}

  beforeAll(async () => {
    c = await startCollector({ TELLEN_SITES: `${SITE},shop.test`, TRUST_PROXY: '1', TELLEN_MAX_BODY_KB: '8' }, dataDir)
    const pageview = (over: Record<string, unknown>) => ({ type: 'pageview', url: `https://${SITE}/`, ts: now(), ...over })

    responses.full = await postEvents(
      c.url,
      {
        v: 1, site: SITE, sw: 390, sh: 844, tz: 'Europe/Amsterdam', lang: 'nl-NL',
        events: [
          pageview({ url: 'https://example.com/pricing?utm_source=newsletter&utm_campaign=winter&email=jan%40example.nl#plans', referrer: 'https://mail.google.com/' }),
          pageview({ url: 'https://www.example.com/blog/post-1?session=abc123', referrer: 'https://www.google.com/search?q=tellen' }),
        ],
      },
      { 'x-forwarded-for': '145.14.1.1', 'user-agent': UA.safariIphone },
    )
    responses.json = await fetch(`${c.url}/api/event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': UA.firefoxWindows, 'x-forwarded-for': '8.8.8.8' },
      body: JSON.stringify({ v: 1, site: SITE, events: [pageview({ url: 'https://example.com/docs', referrer: 'https://news.ycombinator.com/item?id=1' })] }),
    }).then(async (r) => ({ status: r.status, json: await r.json(), headers: r.headers }))
    responses.partial = await postEvents(
      c.url,
      { v: 1, site: SITE, events: [pageview({ url: 'https://example.com/partial-good' }), { type: 'pageview' }, pageview({ url: 'https://other.org/x' }), 'nonsense', pageview({ url: 'ftp://example.com/file' })] },
      { 'x-forwarded-for': '2001:4860:4860::8888' },
    )
    responses.bot = await postEvents(c.url, { v: 1, site: SITE, events: [pageview({ url: 'https://example.com/bot-page' })] }, { 'user-agent': UA.googlebot, 'x-forwarded-for': '66.249.66.1' })
    responses.malformed = await postEvents(c.url, '{"v":1,"site":')
    responses.unknownSite = await postEvents(c.url, { v: 1, site: 'unknown.org', events: [pageview({ url: 'https://unknown.org/' })] })
    responses.badOrigin = await postEvents(c.url, { v: 1, site: SITE, events: [pageview({})] }, { origin: 'https://attacker.net' })
    responses.goodOrigin = await postEvents(c.url, { v: 1, site: SITE, events: [pageview({ url: 'https://example.com/from-origin' })] }, { origin: 'https://www.example.com' })
    responses.wrongVersion = await postEvents(c.url, { v: 2, site: SITE, events: [pageview({})] })
    responses.empty = await postEvents(c.url, { v: 1, site: SITE, events: [] })
    responses.allBad = await postEvents(c.url, { v: 1, site: SITE, events: [{ type: 'pageview', url: 'https://example.com/', ts: now() - 3 * 86_400_000 }] })
    responses.tooLarge = await postEvents(c.url, { v: 1, site: SITE, events: [pageview({ url: `https://example.com/${'a'.repeat(9000)}` })] })
    responses.wrongType = await postEvents(c.url, 'site=example.com', { 'content-type': 'application/x-www-form-urlencoded' })
    responses.compressed = await postEvents(c.url, '\x1f\x8b\x08\x00', { 'content-encoding': 'gzip' })
    // A batch sent again (its answer lost), then again with an event that came after it.
    const sent = pageview({ url: 'https://example.com/sent-again', id: 0.4242 })
    const later = pageview({ url: 'https://example.com/sent-later', id: 0.4545 })
    responses.sentOnce = await postEvents(c.url, { v: 1, site: SITE, events: [sent] })
    responses.sentAgain = await postEvents(c.url, { v: 1, site: SITE, events: [sent] })
    responses.sentWithMore = await postEvents(c.url, { v: 1, site: SITE, events: [sent, later] })
    responses.badId = await postEvents(c.url, { v: 1, site: SITE, events: [pageview({ url: 'https://example.com/bad-id', id: 'visitor-42' })] })
    // A query string takes the request through the app's router instead of straight to the ingest routes.
    responses.throughRouter = await fetch(`${c.url}/api/event?from=router`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': UA.chromeMac, origin: 'https://www.example.com' },
      body: JSON.stringify({ v: 1, site: SITE, events: [pageview({ url: 'https://example.com/through-the-router' })] }),
    }).then(async (r) => ({ status: r.status, json: await r.json(), headers: r.headers }))
    responses.preflight = await fetch(`${c.url}/api/event`, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    }).then((r) => ({ status: r.status, json: null, headers: r.headers }))
    responses.preflightOther = await fetch(`${c.url}/api/event`, {
      method: 'OPTIONS',
      headers: { origin: 'https://attacker.net', 'access-control-request-method': 'POST' },
    }).then((r) => ({ status: r.status, json: null, headers: r.headers }))
    expect(await c.stop()).toBe(0)
  })

  // The stopped collector's database, opened once for the checks (each opening costs the engine a
  // start) and closed before the collector starts on it again.
  let opened: Db | undefined
  const db = () => (opened ??= openDb({ dataDir, settings: TEST_ENGINE_SETTINGS }))
  const closeDb = async () => {
    await opened?.close()
    opened = undefined
  }

  afterAll(async () => {
    await closeDb()
    await c?.stop('SIGKILL')
  })

  const stored = (where = '1') => rows<Record<string, any>>(db(), `SELECT *, toString(visitor) AS visitor_id FROM tellen.events WHERE ${where} ORDER BY ts, path`)

  it('accepts a sendBeacon batch with 202 and the number of events', () => {
    expect(responses.full!.status).toBe(202)
    expect(responses.full!.json).toEqual({ accepted: 2 })
    expect(responses.full!.headers.get('tk')).toBe('N')
  })

  it('stores an event sent again with the same id once, answering 202, and refuses an id that is not a random number', async () => {
    expect(responses.sentOnce).toMatchObject({ status: 202, json: { accepted: 1 } })
    expect(responses.sentAgain).toMatchObject({ status: 202, json: { accepted: 0, dropped: 1, reason: 'repeated' } })
    expect(responses.sentWithMore).toMatchObject({ status: 202, json: { accepted: 1 } })
    expect((await stored("path = '/sent-again'")).length).toBe(1)
    expect((await stored("path IN ('/sent-again', '/sent-later')")).length).toBe(2)
    expect(responses.badId!.status).toBe(400)
    expect(responses.badId!.json.error).toMatch(/id/)
    // The id is never stored: no column holds it.
    expect(JSON.stringify(await stored("path IN ('/sent-again', '/sent-later')"))).not.toMatch(/0\.4242|0\.4545/)
  })

  it('accepts application/json bodies', () => {
    expect(responses.json!.status).toBe(202)
    expect(responses.json!.json).toEqual({ accepted: 1 })
  })

  it('stores clean paths, allowlisted query parameters and classified sources', async () => {
    const r = await stored(`path IN ('/pricing', '/blog/post-1', '/docs')`)
    const byPath = Object.fromEntries(r.map((e) => [e.path, e]))
    expect(byPath['/pricing']).toMatchObject({
      site: SITE, type: 'pageview', hostname: 'example.com', query: 'utm_campaign=winter&utm_source=newsletter',
      utm_source: 'newsletter', utm_campaign: 'winter', source: 'newsletter', referrer_host: 'mail.google.com',
    })
    expect(byPath['/blog/post-1']).toMatchObject({ hostname: 'www.example.com', query: '', source: 'Google', referrer_host: 'google.com' })
    expect(byPath['/docs']).toMatchObject({ source: 'Hacker News', referrer_host: 'news.ycombinator.com' })
    for (const e of r) expect(JSON.stringify(e)).not.toMatch(/jan|session|abc123|plans|#/)
  })

  it('parses browser, OS, device, screen, time zone, language and country', async () => {
    const [iphone] = await stored(`path = '/pricing'`)
    expect(iphone).toMatchObject({
      browser: 'Mobile Safari', browser_version: '17', os: 'iOS', os_version: '17', device: 'mobile',
      screen: 'phone', timezone: 'Europe/Amsterdam', language: 'nl-NL', country: 'NL',
    })
    // Beside a visitor code no address prefix is stored (it would narrow the addresses behind the code).
    expect(iphone).not.toHaveProperty('ip_prefix')
    const [firefox] = await stored(`path = '/docs'`)
    expect(firefox).toMatchObject({ browser: 'Firefox', browser_version: '125', os: 'Windows', os_version: '10', device: 'desktop', country: 'US' })
  })

  it('gives the same visitor hash to one visitor on one day and another to a different one', async () => {
    const r = await stored(`path IN ('/pricing', '/blog/post-1', '/docs')`)
    const ids = Object.fromEntries(r.map((e) => [e.path, e.visitor_id]))
    expect(ids['/pricing']).toBe(ids['/blog/post-1'])
    expect(ids['/docs']).not.toBe(ids['/pricing'])
    expect(ids['/pricing']).toMatch(/^\d+$/)
  })

  it('keeps the good events of a partial batch and reports the bad ones by index', async () => {
    expect(responses.partial!.status).toBe(202)
    expect(responses.partial!.json.accepted).toBe(1)
    expect(responses.partial!.json.errors.map((e: { index: number }) => e.index)).toEqual([1, 2, 3, 4])
    expect(responses.partial!.json.errors[1].error).toMatch(/other\.org does not belong to site example\.com/)
    expect(responses.partial!.json.errors[3].error).toMatch(/not an http\(s\) URL/)
    const [good] = await stored(`path = '/partial-good'`)
    expect(good).toMatchObject({ country: 'US' })
  })

  it('counts bots without storing their events', async () => {
    expect(responses.bot!.status).toBe(202)
    expect(responses.bot!.json).toMatchObject({ accepted: 0, reason: 'bot' })
    expect(await stored(`path = '/bot-page'`)).toEqual([])
    const counts = await rows<{ reason: string; n: number; ip_prefix: string }>(db(), `SELECT reason, ip_prefix, toUInt32(sum(count)) AS n FROM tellen.rejections WHERE site = {site:String} GROUP BY reason, ip_prefix`, { site: SITE })
    expect(counts).toContainEqual({ reason: 'bot', ip_prefix: '66.249.66.0/24', n: 1 })
    expect(counts).toContainEqual({ reason: 'invalid', ip_prefix: '2001:4860:4860::/48', n: 4 })
  })

  it('answers bad requests with a 4xx that says what is wrong', () => {
    expect(responses.malformed!.status).toBe(400)
    expect(responses.malformed!.json.error).toMatch(/not valid JSON/)
    expect(responses.unknownSite!.status).toBe(403)
    expect(responses.unknownSite!.json.error).toMatch(/unknown\.org" is not registered/)
    expect(responses.badOrigin!.status).toBe(403)
    expect(responses.badOrigin!.json.error).toMatch(/origin attacker\.net does not belong to site example\.com/)
    expect(responses.goodOrigin!.status).toBe(202)
    expect(responses.wrongVersion!.status).toBe(400)
    expect(responses.wrongVersion!.json.error).toMatch(/v must be 1/)
    expect(responses.empty!.status).toBe(400)
    expect(responses.empty!.json.error).toMatch(/events is empty/)
    expect(responses.allBad!.status).toBe(400)
    expect(responses.allBad!.json.errors[0].error).toMatch(/24 hours/)
    expect(responses.tooLarge!.status).toBe(413)
    expect(responses.tooLarge!.json.error).toMatch(/larger than 8192 bytes/)
    expect(responses.wrongType!.status).toBe(415)
    expect(responses.compressed!.status).toBe(415)
    expect(responses.compressed!.json.error).toMatch(/content encoding gzip is not accepted/)
  })

  it('answers events with security headers, Tk and CORS for the site itself', () => {
    for (const r of [responses.goodOrigin!, responses.malformed!, responses.tooLarge!, responses.unknownSite!]) {
      expect(r.headers.get('x-content-type-options')).toBe('nosniff')
      expect(r.headers.get('referrer-policy')).toBe('no-referrer')
      expect(r.headers.get('tk')).toBe('N')
      expect(r.headers.get('content-type')).toMatch(/^application\/json/)
    }
    expect(responses.goodOrigin!.headers.get('access-control-allow-origin')).toBe('https://www.example.com')
    // A script on the site's pages reads Retry-After from a 503 or 429, across origins too.
    expect(responses.goodOrigin!.headers.get('access-control-expose-headers')).toBe('Retry-After')
    expect(responses.goodOrigin!.headers.get('vary')).toBe('Origin')
    expect(responses.badOrigin!.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('answers the same through the app\'s router as straight from Node, and stores the event', async () => {
    const [direct, routed] = [responses.goodOrigin!, responses.throughRouter!]
    expect(routed.status).toBe(202)
    expect(routed.json).toEqual(direct.json)
    for (const name of ['tk', 'x-content-type-options', 'referrer-policy', 'strict-transport-security', 'content-type', 'access-control-allow-origin', 'vary']) {
      expect(routed.headers.get(name)).toBe(direct.headers.get(name))
    }
    expect(await stored(`path = '/through-the-router'`)).toHaveLength(1)
  })

  it('allows CORS from the configured sites only', () => {
    expect(responses.preflight!.status).toBe(204)
    expect(responses.preflight!.headers.get('access-control-allow-origin')).toBe('https://example.com')
    expect(responses.preflightOther!.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('never stores or logs a full client address', async () => {
    const addresses = ['145.14.1.1', '8.8.8.8', '2001:4860:4860::8888', '66.249.66.1']
    const tables = await rows<{ name: string }>(db(), `SELECT name FROM system.tables WHERE database = 'tellen' AND engine NOT IN ('Null', 'MaterializedView')`)
    const dump = JSON.stringify(await Promise.all(tables.map((t) => rows(db(), `SELECT * FROM tellen.${t.name}`))))
    for (const ip of addresses) {
      expect(dump).not.toContain(ip)
      expect(c.output()).not.toContain(ip)
    }
    // The prefix of an accepted visitor is logged, not stored; that of a refused request is counted.
    expect(dump).not.toContain('145.14.1.0/24')
    expect(dump).toContain('66.249.66.0/24')
    expect(c.output()).toContain('"prefix":"127.0.0.0/24"')
  })

  it('keeps data and does not migrate again after a restart', async () => {
    await closeDb()
    const again = await startCollector({ TELLEN_SITES: SITE }, dataDir)
    const ready = await fetch(`${again.url}/readyz`).then((r) => r.json())
    expect(ready).toMatchObject({ status: 'ready', clickhouse: 'ok', migrations: 'ok' })
    const res = await postEvents(again.url, { v: 1, site: SITE, events: [{ type: 'pageview', url: 'https://example.com/second-run' }] })
    expect(res.status).toBe(202)
    expect(await again.stop()).toBe(0)
    expect(again.output()).not.toContain('migrations applied')
    expect(await stored(`path IN ('/pricing', '/second-run')`)).toHaveLength(2)
    const migrations = await rows<{ n: number }>(db(), 'SELECT toUInt32(count()) AS n FROM tellen.migrations')
    const shipped = fs.readdirSync(path.join(import.meta.dirname, '../sql')).filter((f) => /^\d{3}_.*\.sql$/.test(f)).length
    expect(migrations[0]!.n).toBe(shipped)
  })
})
