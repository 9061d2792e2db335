import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postEvents, startCollector, UA, type Collector } from './helpers/collector.ts'

const SITE = 'example.com'
let c: Collector
const today = new Date().toISOString().slice(0, 10)
const now = Date.now()

const get = async (path: string, token: string | null = c.adminToken) => {
  const res = await fetch(`${c.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  return { status: res.status, json: (await res.json()) as any }
}
const admin = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${c.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${c.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, json: (await res.json()) as any }
}

/** Three visitors: NL on an iPhone with two pages, US on Firefox with one, NL on a Mac with one and a signup. */
const visitors = [
  { ip: '145.14.1.1', ua: UA.safariIphone, paths: ['/', '/pricing'], custom: false },
  { ip: '8.8.8.8', ua: UA.firefoxWindows, paths: ['/pricing'], custom: false },
  { ip: '145.14.1.2', ua: UA.chromeMac, paths: ['/'], custom: true },
]

beforeAll(async () => {
  c = await startCollector({ TELLEN_SITES: `${SITE},other.org`, TRUST_PROXY: '1', TELLEN_VISITS_INTERVAL_MS: '200' })
  for (const v of visitors) {
    const events = v.paths.map((p, i) => ({ type: 'pageview', url: `https://${SITE}${p}`, ts: now - 120_000 + i * 30_000, referrer: i ? `https://${SITE}/` : '' }))
    if (v.custom) events.push({ type: 'custom', url: `https://${SITE}/`, ts: now - 60_000, name: 'signup', props: { plan: 'pro' } } as never)
    const res = await postEvents(c.url, { v: 1, site: SITE, events }, { 'x-forwarded-for': v.ip, 'user-agent': v.ua })
    expect(res.status).toBe(202)
  }
  // The writer flushes within 100 ms and the visits job runs every 200 ms.
  for (let i = 0; i < 100; i++) {
    const r = await get(`/api/stats/${SITE}/overview?from=${today}&to=${today}`)
    if (r.json.current?.visits === 3 && r.json.current?.pageviews === 4) break
    await new Promise((res) => setTimeout(res, 200))
  }
})
afterAll(async () => {
  await c?.stop()
})

describe('the stats API over HTTP', () => {
  it('answers the overview with the admin token', async () => {
    const r = await get(`/api/stats/${SITE}/overview?from=${today}&to=${today}`)
    expect(r.status).toBe(200)
    expect(r.json.source).toBe('rollup')
    expect(r.json.current).toMatchObject({ visitors: 3, visits: 3, pageviews: 4, pages_per_visit: 4 / 3 })
    // Only the US visit bounced: the NL Mac visit has one pageview but also a custom event.
    expect(r.json.current.bounce_rate).toBeCloseTo(1 / 3, 6)
    expect(r.json.previous).toMatchObject({ visitors: 0, visits: 0, pageviews: 0 })
  })

  it('combines filters with breakdowns and says where the answer came from', async () => {
    const countries = await get(`/api/stats/${SITE}/breakdown/country?from=${today}&to=${today}`)
    expect(countries.json.rows).toEqual([
      { value: 'NL', visitors: 2, pageviews: 3 },
      { value: 'US', visitors: 1, pageviews: 1 },
    ])
    const pages = await get(`/api/stats/${SITE}/breakdown/page?from=${today}&to=${today}&country=NL&device=mobile`)
    expect(pages.json.source).toBe('events')
    expect(pages.json.rows.map((r: { value: string }) => r.value).sort()).toEqual(['/', '/pricing'])
    const events = await get(`/api/stats/${SITE}/breakdown/event?from=${today}&to=${today}`)
    expect(events.json.rows).toEqual([{ value: 'signup', visitors: 1, events: 1 }])
  })

  it('serves every endpoint', async () => {
    for (const path of ['timeseries?metric=pageviews&interval=hour', 'vitals', 'errors', 'interactions?page=/', 'exits', 'calls', 'properties', 'realtime']) {
      const r = await get(`/api/stats/${SITE}/${path}`)
      expect(r.status, path).toBe(200)
      expect(r.json.source, path).toMatch(/^(rollup|events)$/)
    }
    const rt = await get(`/api/stats/${SITE}/realtime`)
    expect(rt.json.visitors).toBe(3)
    const ts = await get(`/api/stats/${SITE}/timeseries?metric=pageviews&interval=hour&from=${today}&to=${today}`)
    expect(ts.json.points.reduce((n: number, p: { value: number }) => n + p.value, 0)).toBe(4)
  })

  it('takes a filter as long as a stored path may be', async () => {
    const res = await get(`/api/stats/${SITE}/overview?page=/${'a'.repeat(1900)}`)
    expect(res.status).toBe(200)
  })

  it('answers every bad parameter with a 400 that says what is wrong', async () => {
    const cases: [string, RegExp][] = [
      [`/api/stats/unknown.net/overview`, /site "unknown\.net" is not registered/],
      [`/api/stats/${SITE}/overview?from=2026-13-01`, /from is not a calendar date/],
      [`/api/stats/${SITE}/overview?from=yesterday`, /from must be a date as YYYY-MM-DD/],
      [`/api/stats/${SITE}/overview?page=/${'a'.repeat(4096)}`, /page must be at most 4096 characters/],
      // Days the engine cannot hold: answered at once, not with wrong numbers, a 500 or an endless loop.
      [`/api/stats/${SITE}/timeseries?from=9999-12-31&to=9999-12-31`, /from must be a day from 2000-01-01 to 2099-12-31/],
      [`/api/stats/${SITE}/overview?from=2500-01-01&to=2500-01-02`, /from must be a day from 2000-01-01 to 2099-12-31/],
      [`/api/stats/${SITE}/overview?from=2026-01-01&to=2149-06-10`, /to must be a day from/],
      [`/api/stats/${SITE}/overview?from=0000-01-01&to=0000-01-31`, /from must be a day from/],
      // The day filled in from the other one is held to the same bounds.
      [`/api/stats/${SITE}/timeseries?from=2099-12-20`, /the range 2099-12-20 to 2100-01-18 must lie within 2000-01-01 to 2099-12-31/],
      [`/api/stats/${SITE}/overview?to=2000-01-10`, /the range 1999-12-12 to 2000-01-10 must lie within/],
      [`/api/stats/${SITE}/overview?from=2026-02-01&to=2026-01-01`, /is after to/],
      [`/api/stats/${SITE}/overview?from=2020-01-01&to=2026-01-01`, /at most 731 may be asked/],
      [`/api/stats/${SITE}/timeseries?interval=hour&from=2026-01-01&to=2026-03-01`, /at most 31 may be asked/],
      [`/api/stats/${SITE}/timeseries?metric=bounces`, /metric must be one of/],
      [`/api/stats/${SITE}/breakdown/planet`, /unknown dimension "planet"/],
      [`/api/stats/${SITE}/breakdown/page?limit=0`, /limit must be at least 1/],
      [`/api/stats/${SITE}/breakdown/page?limit=ten`, /limit must be a whole number/],
      [`/api/stats/${SITE}/overview?colour=red`, /unknown parameter "colour"/],
    ]
    for (const [path, message] of cases) {
      const r = await get(path)
      expect(r.status, path).toBe(400)
      expect(r.json.error, path).toMatch(message)
    }
  })

  it('requires a valid token and keeps a site-scoped read token to its site', async () => {
    expect((await get(`/api/stats/${SITE}/overview`, null)).status).toBe(401)
    expect((await get(`/api/stats/${SITE}/overview`, 'not-a-token')).status).toBe(401)
    const created = await admin('POST', '/api/admin/tokens', { kind: 'read', site: SITE })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ kind: 'read', site: SITE, revoked: null })
    const token = created.json.token as string
    expect((await get(`/api/stats/${SITE}/overview?from=${today}&to=${today}`, token)).json.current.visitors).toBe(3)
    const other = await get(`/api/stats/other.org/overview`, token)
    expect(other.status).toBe(403)
    expect(other.json.error).toMatch(/only read the site example\.com/)
    expect((await get(`/api/stats/unknown.net/overview`, token)).status).toBe(403)
    const listed = await admin('GET', '/api/admin/tokens')
    expect(listed.json.tokens.map((t: { id: string }) => t.id)).toContain(created.json.id)
    expect(JSON.stringify(listed.json)).not.toContain(token)
    expect((await admin('DELETE', `/api/admin/tokens/${created.json.id}`)).status).toBe(200)
    expect((await get(`/api/stats/${SITE}/overview`, token)).status).toBe(401)
    const partner = await admin('POST', '/api/admin/tokens', { kind: 'partner' })
    expect((await get(`/api/stats/${SITE}/overview`, partner.json.token)).status).toBe(403)
    expect((await admin('POST', '/api/admin/tokens', { kind: 'write' })).status).toBe(400)
    expect((await admin('POST', '/api/admin/tokens', { kind: 'read', site: 'nowhere.net' })).status).toBe(400)
    expect((await admin('DELETE', '/api/admin/tokens/nope')).status).toBe(404)
  })
})

describe('the stats API for a site with its own time zone', () => {
  it('cuts hours and days in the time zone registered for the site', async () => {
    const added = await admin('POST', '/api/admin/sites', { domain: 'tokyo.test', timezone: 'Asia/Tokyo' })
    expect(added.status).toBe(200)
    // Yesterday 20:30 UTC (or 23 hours ago, if that is older than events may be) is 9 hours later in Tokyo.
    const sent = Math.max(Date.parse(`${new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)}T20:30:00Z`), Date.now() - 23 * 3_600_000)
    const res = await postEvents(c.url, { v: 1, site: 'tokyo.test', events: [{ type: 'pageview', url: 'https://tokyo.test/', ts: sent }] }, { 'x-forwarded-for': '133.242.0.1' })
    expect(res.status).toBe(202)
    const local = new Date(sent + 9 * 3_600_000).toISOString()
    const day = local.slice(0, 10)
    let points: { bucket: string; value: number }[] = []
    for (let i = 0; i < 50 && !points.some((p) => p.value); i++) {
      points = (await get(`/api/stats/tokyo.test/timeseries?metric=pageviews&interval=hour&from=${day}&to=${day}`)).json.points
      if (!points.some((p) => p.value)) await new Promise((r) => setTimeout(r, 100))
    }
    expect(points.filter((p) => p.value)).toEqual([{ bucket: `${day} ${local.slice(11, 13)}:00`, value: 1 }])
  })

  it('registers a time zone by its canonical name, so that the engine can answer for the site', async () => {
    for (const [asked, stored] of [['europe/amsterdam', 'Europe/Amsterdam'], ['utc', 'UTC'], ['US/Pacific', 'America/Los_Angeles']]) {
      const added = await admin('POST', '/api/admin/sites', { domain: 'zone.test', timezone: asked })
      expect(added.status).toBe(200)
      expect(added.json.site.timezone).toBe(stored)
      expect((await get('/api/stats/zone.test/overview')).status).toBe(200)
    }
    const refused = await admin('POST', '/api/admin/sites', { domain: 'zone.test', timezone: 'Mars/Olympus_Mons' })
    expect(refused.status).toBe(400)
    expect(refused.json.error).toMatch(/is not an IANA time zone/)
  })
})
