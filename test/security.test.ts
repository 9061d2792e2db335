import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postEvents, rows, startCollector, withDataDir, type Collector } from './helpers/collector.ts'
import { migratedDataDir } from './helpers/migrated-data-dir.ts'

const SITE = 'sec.test'
const BUSY = 'busy.test'
const pageview = (site: string, path: string, over: Record<string, unknown> = {}) => ({ type: 'pageview', url: `https://${site}${path}`, ts: Date.now(), ...over })
const body = (site: string, ...events: unknown[]) => ({ v: 1, site, events })
const from = (ip: string, extra: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, ...extra })

describe('hostile and abusive requests against the real collector', () => {
  const dataDir = migratedDataDir()
  let c: Collector
  const r: Record<string, Awaited<ReturnType<typeof postEvents>>> = {}
  const responses: Record<string, Response> = {}

  beforeAll(async () => {
    c = await startCollector(
      { TELLEN_SITES: `${SITE},${BUSY}`, TRUST_PROXY: '1', TELLEN_RATE_LIMIT_PER_MINUTE: '5', TELLEN_SITE_RATE_LIMIT_PER_MINUTE: '12' },
      dataDir,
    )
    // Six requests from one /24: the sixth is over the limit of five per minute.
    for (let i = 0; i < 6; i++) r[`prefix${i}`] = await postEvents(c.url, body(SITE, pageview(SITE, `/limited/${i}`)), from(`198.51.100.${i + 1}`))
    r.otherPrefix = await postEvents(c.url, body(SITE, pageview(SITE, '/other-prefix')), from('203.0.113.7'))
    // Thirteen requests to one site from thirteen networks: the last is over the site's limit of twelve.
    for (let i = 0; i < 13; i++) r[`site${i}`] = await postEvents(c.url, body(BUSY, pageview(BUSY, `/busy/${i}`)), from(`10.0.${i}.1`))

    r.refererOnlyBad = await postEvents(c.url, body(SITE, pageview(SITE, '/referer-bad')), from('192.0.2.1', { referer: 'https://attacker.net/page' }))
    r.refererOnlyGood = await postEvents(c.url, body(SITE, pageview(SITE, '/referer-good')), from('192.0.2.2', { referer: 'https://www.sec.test/page?x=1' }))
    r.spamOnly = await postEvents(c.url, body(SITE, pageview(SITE, '/spam', { referrer: 'https://www.semalt.com/' })), from('192.0.2.3'))
    r.spamMixed = await postEvents(
      c.url,
      body(SITE, pageview(SITE, '/spam2', { referrer: 'http://sub.darodar.com/x' }), pageview(SITE, '/not-spam', { referrer: 'https://www.google.com/' })),
      from('192.0.2.4'),
    )
    responses.health = await fetch(`${c.url}/healthz`)
    responses.missing = await fetch(`${c.url}/nope`)
    // Let the writer insert what it holds, so the insert metrics have something to show.
    for (let i = 0; i < 100; i++) {
      const ready = (await fetch(`${c.url}/readyz`).then((res) => res.json())) as { pendingRows: number }
      if (ready.pendingRows === 0) break
      await new Promise((res) => setTimeout(res, 50))
    }
    responses.metricsNoToken = await fetch(`${c.url}/metrics`)
    responses.metricsBadToken = await fetch(`${c.url}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } })
    responses.metrics = await fetch(`${c.url}/metrics`, { headers: { authorization: `Bearer ${c.adminToken}` } })
    expect(await c.stop()).toBe(0)
  })
  afterAll(async () => {
    await c?.stop('SIGKILL')
  })

  it('answers 429 with Retry-After once a client prefix is over its per-minute limit, and serves other prefixes', () => {
    for (let i = 0; i < 5; i++) expect(r[`prefix${i}`]!.status).toBe(202)
    expect(r.prefix5!.status).toBe(429)
    expect(Number(r.prefix5!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(r.prefix5!.json.error).toMatch(/too many requests from your network; retry in \d+ s/)
    expect(r.otherPrefix!.status).toBe(202)
  })

  it('answers 429 once a site is over its per-minute limit, whichever network asks', () => {
    for (let i = 0; i < 12; i++) expect(r[`site${i}`]!.status).toBe(202)
    expect(r.site12!.status).toBe(429)
    expect(r.site12!.json.error).toMatch(/too many requests for site busy\.test/)
    expect(r.site12!.headers.get('retry-after')).toMatch(/^\d+$/)
  })

  it('checks the Referer against the site when no Origin is sent', () => {
    expect(r.refererOnlyBad!.status).toBe(403)
    expect(r.refererOnlyBad!.json.error).toMatch(/origin attacker\.net does not belong to site sec\.test/)
    expect(r.refererOnlyGood!.status).toBe(202)
  })

  it('drops page views with a spam referrer and keeps the others of the batch', () => {
    expect(r.spamOnly!.status).toBe(202)
    expect(r.spamOnly!.json).toEqual({ accepted: 0, dropped: 1, reason: 'spam' })
    expect(r.spamMixed!.status).toBe(202)
    expect(r.spamMixed!.json).toEqual({ accepted: 1 })
  })

  it('stores nothing that was limited, refused or spam, and counts each by reason, site and prefix', async () => {
    const stored = await withDataDir(dataDir, async (db) => ({
      paths: (await rows<{ path: string }>(db, 'SELECT path FROM tellen.events ORDER BY path')).map((e) => e.path),
      rejections: await rows<{ site: string; reason: string; ip_prefix: string; n: number }>(
        db,
        'SELECT site, reason, ip_prefix, toUInt32(sum(count)) AS n FROM tellen.rejections GROUP BY site, reason, ip_prefix ORDER BY site, reason, ip_prefix',
      ),
    }))
    expect(stored.paths).not.toContain('/limited/5')
    expect(stored.paths).not.toContain('/busy/12')
    expect(stored.paths).not.toContain('/referer-bad')
    expect(stored.paths).not.toContain('/spam')
    expect(stored.paths).not.toContain('/spam2')
    expect(stored.paths).toEqual(expect.arrayContaining(['/limited/4', '/other-prefix', '/busy/11', '/referer-good', '/not-spam']))
    expect(stored.rejections).toEqual(
      expect.arrayContaining([
        { site: SITE, reason: 'rate_limited', ip_prefix: '198.51.100.0/24', n: 1 },
        { site: BUSY, reason: 'rate_limited', ip_prefix: '10.0.12.0/24', n: 1 },
        { site: SITE, reason: 'bad_origin', ip_prefix: '192.0.2.0/24', n: 1 },
        { site: SITE, reason: 'spam', ip_prefix: '192.0.2.0/24', n: 2 },
      ]),
    )
  })

  it('puts security headers on every response', () => {
    const all = [...Object.values(r).map((x) => x.headers), ...Object.values(responses).map((x) => x.headers)]
    for (const h of all) {
      expect(h.get('x-content-type-options')).toBe('nosniff')
      expect(h.get('x-frame-options')).toBe('DENY')
      expect(h.get('strict-transport-security')).toMatch(/max-age=/)
      expect(h.get('referrer-policy')).toBe('no-referrer')
      expect(h.get('tk')).toBe('N')
    }
  })

  it('serves /metrics in Prometheus format to the admin token only', async () => {
    expect(responses.metricsNoToken!.status).toBe(401)
    expect(responses.metricsBadToken!.status).toBe(401)
    expect(responses.metrics!.status).toBe(200)
    expect(responses.metrics!.headers.get('content-type')).toMatch(/text\/plain/)
    const text = await responses.metrics!.text()
    expect(text).toMatch(/tellen_events_rejected_total\{reason="rate_limited"\} 2/)
    expect(text).toMatch(/tellen_events_rejected_total\{reason="spam"\} 2/)
    expect(text).toMatch(/tellen_events_accepted_total\{site="busy.test"\} 12/)
    expect(text).toMatch(/tellen_insert_batch_rows_count\{table="tellen.events_in"\} \d+/)
    expect(text).toMatch(/tellen_insert_seconds_bucket/)
    expect(text).toMatch(/tellen_spool_bytes\{table="tellen.events_in"\} \d+/)
  })
})
