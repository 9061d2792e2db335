import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postEvents, startCollector, UA, type Collector } from './helpers/collector.ts'

const SITE = 'guarded.test'
const OTHER = 'elsewhere.test'
const LIMIT = 3
const SPAM_HOSTS = ['semalt.com', 'darodar.com']
const today = new Date().toISOString().slice(0, 10)

const pageview = (site: string, path: string, referrer = '') => ({ type: 'pageview', url: `https://${site}${path}`, ts: Date.now(), referrer })
const prefixOf = (ip: string) => `${ip.split('.').slice(0, 3).join('.')}.0/24`
const isSpam = (referrer: string) => referrer !== '' && SPAM_HOSTS.some((h) => new URL(referrer).hostname.endsWith(h))

/** One request the test sends, and what the test itself expects it to leave in the security view. */
interface Sent {
  site: string
  ip: string
  body: unknown
  headers?: Record<string, string>
  /** The reason and count the request should be counted under, derived from what was sent. */
  expect?: (sentBefore: Sent[]) => { reason: string; count: number } | undefined
  honoured?: boolean
}

const events = (n: number, site = SITE, referrer = '') => Array.from({ length: n }, (_, i) => pageview(site, `/p/${i}`, referrer))
const requestsFrom = (ip: string, before: Sent[]) => before.filter((s) => prefixOf(s.ip) === prefixOf(ip) && !s.honoured).length

const traffic: Sent[] = []
const add = (s: Sent) => traffic.push(s)
// Bots: the whole batch is dropped and each of its events counted.
for (const [ip, n] of [['198.51.100.7', 2], ['198.51.100.8', 1], ['10.3.3.3', 1]] as const) {
  add({ site: SITE, ip, body: { v: 1, site: SITE, events: events(n) }, headers: { 'user-agent': UA.googlebot }, expect: () => ({ reason: 'bot', count: n }) })
}
// Spam referrers: each page view with a spam referrer is dropped and counted; the others are kept.
for (const [ip, referrers] of [
  ['203.0.113.5', ['https://www.semalt.com/', 'http://sub.darodar.com/x', 'https://www.google.com/']],
  ['203.0.113.6', ['https://semalt.com/']],
] as const) {
  const body = { v: 1, site: SITE, events: referrers.map((r, i) => pageview(SITE, `/s/${i}`, r)) }
  add({ site: SITE, ip, body, expect: () => ({ reason: 'spam', count: referrers.filter(isSpam).length }) })
}
// Bad origins, by Origin and by Referer.
add({ site: SITE, ip: '192.0.2.10', body: { v: 1, site: SITE, events: events(1) }, headers: { origin: 'https://attacker.example' }, expect: () => ({ reason: 'bad_origin', count: 1 }) })
add({ site: SITE, ip: '192.0.2.11', body: { v: 1, site: SITE, events: events(2) }, headers: { referer: 'https://guarded.test.attacker.example/' }, expect: () => ({ reason: 'bad_origin', count: 1 }) })
// Invalid: a malformed batch that names the site, and a batch with two bad events among good ones.
add({ site: SITE, ip: '10.1.1.1', body: { v: 1, site: SITE, events: 'none' }, expect: () => ({ reason: 'invalid', count: 1 }) })
add({
  site: SITE, ip: '10.1.1.2',
  body: { v: 1, site: SITE, events: [pageview(SITE, '/ok'), { type: 'pageview', url: 'not a url' }, { type: 'teleport', url: `https://${SITE}/` }] },
  expect: () => ({ reason: 'invalid', count: 2 }),
})
// Over the per-prefix limit: the requests after the first LIMIT from one network.
for (let i = 0; i < LIMIT + 2; i++) {
  const ip = `10.2.2.${i + 1}`
  add({ site: SITE, ip, body: { v: 1, site: SITE, events: events(1) }, expect: (before) => (requestsFrom(ip, before) >= LIMIT ? { reason: 'rate_limited', count: 1 } : undefined) })
}
// DNT and GPC: honoured, counted without a prefix.
add({ site: SITE, ip: '10.5.5.1', body: { v: 1, site: SITE, events: events(1) }, headers: { dnt: '1' }, honoured: true })
add({ site: SITE, ip: '10.5.5.2', body: { v: 1, site: SITE, events: events(2) }, headers: { 'sec-gpc': '1' }, honoured: true })
add({ site: SITE, ip: '10.5.5.3', body: { v: 1, site: SITE, events: events(1) }, headers: { dnt: '1', 'user-agent': UA.googlebot }, honoured: true })
// Another site's rejections and opt-outs, which the view of SITE must not show.
add({ site: OTHER, ip: '10.4.4.4', body: { v: 1, site: OTHER, events: events(1, OTHER) }, headers: { 'user-agent': UA.googlebot }, expect: () => ({ reason: 'bot', count: 1 }) })
add({ site: OTHER, ip: '10.4.4.5', body: { v: 1, site: OTHER, events: events(1, OTHER) }, headers: { 'sec-gpc': '1' }, honoured: true })

/** What the view of `site` should say, computed from the traffic alone. */
function expected(site: string, limit: number) {
  const counted: { reason: string; prefix: string; count: number }[] = []
  traffic.forEach((s, i) => {
    const e = s.expect?.(traffic.slice(0, i))
    if (s.site === site && e && e.count > 0) counted.push({ reason: e.reason, prefix: prefixOf(s.ip), count: e.count })
  })
  const byReason = new Map<string, number>()
  const byPrefix = new Map<string, number>()
  for (const c of counted) {
    byReason.set(c.reason, (byReason.get(c.reason) ?? 0) + c.count)
    byPrefix.set(`${c.reason} ${c.prefix}`, (byPrefix.get(`${c.reason} ${c.prefix}`) ?? 0) + c.count)
  }
  const prefixes = [...byPrefix]
    .map(([k, count]) => ({ reason: k.split(' ')[0]!, ip_prefix: k.split(' ')[1]!, count }))
    .sort((a, b) => a.reason.localeCompare(b.reason) || b.count - a.count || a.ip_prefix.localeCompare(b.ip_prefix))
  const kept = prefixes.filter((p, i) => prefixes.slice(0, i).filter((q) => q.reason === p.reason).length < limit)
  return {
    source: 'rejections',
    days: [...byReason].map(([reason, count]) => ({ day: today, reason, count })).sort((a, b) => a.reason.localeCompare(b.reason)),
    prefixes: kept,
    honoured: { requests: traffic.filter((s) => s.site === site && s.honoured).length },
  }
}

let c: Collector
const get = async (path: string, token: string | null = c.adminToken) => {
  const res = await fetch(`${c.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  return { status: res.status, json: (await res.json()) as any }
}

beforeAll(async () => {
  c = await startCollector({ TELLEN_SITES: `${SITE},${OTHER}`, TRUST_PROXY: '1', TELLEN_RATE_LIMIT_PER_MINUTE: String(LIMIT) })
  for (const s of traffic) {
    const res = await postEvents(c.url, s.body, { 'x-forwarded-for': s.ip, ...s.headers })
    expect(res.status).toBeLessThan(500)
  }
  // A body that is not JSON names no site: it is counted, but in no site's view.
  expect((await postEvents(c.url, '{"v":1,"site":"guarded.test",', { 'x-forwarded-for': '10.9.9.9' })).status).toBe(400)
  // The rejection and opt-out writers flush every 100 ms.
  const want = expected(SITE, 10)
  for (let i = 0; i < 100; i++) {
    const r = await get(`/api/stats/${SITE}/security?from=${today}&to=${today}`)
    if (JSON.stringify(r.json.days) === JSON.stringify(want.days) && r.json.honoured?.requests === want.honoured.requests) break
    await new Promise((res) => setTimeout(res, 100))
  }
})
afterAll(async () => {
  await c?.stop()
})

describe('the security view over HTTP', () => {
  it('counts bots, spam referrers, bad origins, invalid events and rate-limited requests by day and reason', async () => {
    const r = await get(`/api/stats/${SITE}/security?from=${today}&to=${today}`)
    expect(r.status).toBe(200)
    const want = expected(SITE, 10)
    expect(want.days.map((d) => d.reason)).toEqual(['bad_origin', 'bot', 'invalid', 'rate_limited', 'spam'])
    expect(r.json).toEqual(want)
  })

  it('lists the top truncated prefixes of each reason, never an address', async () => {
    const r = await get(`/api/stats/${SITE}/security?from=${today}&to=${today}&limit=1`)
    expect(r.json.prefixes).toEqual(expected(SITE, 1).prefixes)
    expect(r.json.prefixes.length).toBe(5)
    const text = JSON.stringify((await get(`/api/stats/${SITE}/security`)).json)
    for (const s of traffic) expect(text).not.toContain(`"${s.ip}"`)
    expect(text).not.toContain('10.5.5.')
  })

  it('keeps each site to its own counts', async () => {
    const r = await get(`/api/stats/${OTHER}/security?from=${today}&to=${today}`)
    expect(r.json).toEqual(expected(OTHER, 10))
    expect(r.json.honoured.requests).toBe(1)
  })

  it('answers an empty range with no counts', async () => {
    const r = await get(`/api/stats/${SITE}/security?from=2026-01-01&to=2026-01-02`)
    expect(r.json).toEqual({ source: 'rejections', days: [], prefixes: [], honoured: { requests: 0 } })
  })

  it('validates parameters and tokens as the other stats endpoints do', async () => {
    const cases: [string, RegExp][] = [
      [`/api/stats/${SITE}/security?limit=0`, /limit must be at least 1/],
      [`/api/stats/${SITE}/security?limit=101`, /limit must be at most 100/],
      [`/api/stats/${SITE}/security?from=2026-02-30`, /from is not a calendar date/],
      [`/api/stats/${SITE}/security?from=2026-02-01&to=2026-01-01`, /is after to/],
      [`/api/stats/${SITE}/security?country=NL`, /unknown parameter "country"/],
      [`/api/stats/unknown.test/security`, /site "unknown\.test" is not registered/],
    ]
    for (const [path, message] of cases) {
      const r = await get(path)
      expect(r.status, path).toBe(400)
      expect(r.json.error, path).toMatch(message)
    }
    expect((await get(`/api/stats/${SITE}/security`, null)).status).toBe(401)
    const res = await fetch(`${c.url}/api/admin/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'read', site: OTHER }),
    })
    const { token } = (await res.json()) as { token: string }
    expect((await get(`/api/stats/${SITE}/security`, token)).status).toBe(403)
    expect((await get(`/api/stats/${OTHER}/security`, token)).status).toBe(200)
  })
})
