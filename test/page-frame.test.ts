import type { ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_CHECKS_AT_ONCE, type PageFrameResult } from '../collector/src/routes/page-frame.ts'
import { startCollector, type Collector } from './helpers/collector.ts'
import { startPageServer, type PageServer } from './helpers/page-server.ts'

/** The site whose pages the test server answers (TELLEN_TEST_PAGE_SERVER pins it to 127.0.0.1). */
const SHOP = 'shop.test'
/** Registered sites on addresses the collector must never fetch from. */
const LOOPBACK = 'localhost'
const PRIVATE = '10.0.0.8'
const METADATA = '169.254.169.254'
const DASHBOARD = 'https://stats.example.net'

describe('GET /api/stats/:site/page-frame over real HTTP against the site\'s own server', () => {
  let c: Collector
  let site: PageServer
  /** Responses of the endless page that the server saw closed by the collector. */
  const closedEarly: boolean[] = []
  /** Requests for the slow page, held until the test lets them go. */
  const held: ServerResponse[] = []

  beforeAll(async () => {
    site = await startPageServer([SHOP], {
      '/open': { headers: { 'content-security-policy': `default-src 'self'; frame-ancestors 'self' ${DASHBOARD}` }, body: '<h1>Open</h1>' },
      '/plain': { body: '<h1>No policy</h1>' },
      '/deny': { headers: { 'x-frame-options': 'DENY' } },
      '/same-origin': { headers: { 'x-frame-options': 'SAMEORIGIN' } },
      '/elsewhere': { headers: { 'content-security-policy': "frame-ancestors 'self' https://partner.example.org" } },
      '/two-policies': { headers: { 'content-security-policy': [`frame-ancestors ${DASHBOARD}`, "frame-ancestors 'self'"] } },
      '/report-only': { headers: { 'content-security-policy-report-only': "frame-ancestors 'none'" } },
      '/moved': { status: 301, headers: { location: '/open' } },
      '/away': { status: 302, headers: { location: 'https://elsewhere.example.org/open' } },
      '/down-to-http': { status: 302, headers: { location: `http://${SHOP}/open` } },
      '/loop': { status: 302, headers: { location: '/loop' } },
      '/huge-headers': { headers: { 'x-padding': 'x'.repeat(40 * 1024) } },
      '/gone': { status: 410 },
      '/slow': (_req, res: ServerResponse) => void held.push(res),
      // A body that never ends: the check must answer from the headers and hang up.
      '/endless': (_req, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'text/html', 'x-frame-options': 'SAMEORIGIN' })
        const chunk = 'x'.repeat(64 * 1024)
        const timer = setInterval(() => res.write(chunk), 5)
        res.on('close', () => {
          clearInterval(timer)
          closedEarly.push(!res.writableEnded)
        })
      },
    })
    c = await startCollector({
      TELLEN_SITES: [SHOP, LOOPBACK, PRIVATE, METADATA, 'quiet.test'].join(','),
      TELLEN_TEST_PAGE_SERVER: site.pinned,
      NODE_EXTRA_CA_CERTS: site.certFile,
    })
  })

  afterAll(async () => {
    await c?.stop()
    await site?.close()
  })

  const check = async (domain: string, params: Record<string, string>, token = c.adminToken) => {
    const res = await fetch(`${c.url}/api/stats/${domain}/page-frame?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${token}` } })
    return { status: res.status, body: (await res.json()) as PageFrameResult & { error?: string } }
  }
  const framing = async (page: string, origin = DASHBOARD) => {
    const { status, body } = await check(SHOP, { page, origin })
    expect(status, JSON.stringify(body)).toBe(200)
    return body
  }

  it("allows a page whose frame-ancestors names the dashboard's origin, and one without any policy", async () => {
    expect(await framing('/open')).toEqual({ page: '/open', url: `https://${SHOP}/open`, framing: 'allowed' })
    expect((await framing('/plain')).framing).toBe('allowed')
    expect((await framing('/report-only')).framing).toBe('allowed')
  })

  it('refuses X-Frame-Options DENY, and SAMEORIGIN for a dashboard on another origin', async () => {
    expect(await framing('/deny')).toMatchObject({ framing: 'refused', reason: 'X-Frame-Options DENY' })
    expect(await framing('/same-origin')).toMatchObject({ framing: 'refused', reason: 'X-Frame-Options SAMEORIGIN' })
    expect((await framing('/same-origin', `https://${SHOP}`)).framing).toBe('allowed')
  })

  it("refuses a frame-ancestors list without the dashboard's origin, and a second policy that refuses", async () => {
    expect(await framing('/elsewhere')).toMatchObject({ framing: 'refused', reason: "Content-Security-Policy frame-ancestors 'self' https://partner.example.org" })
    expect(await framing('/two-policies')).toMatchObject({ framing: 'refused', reason: "Content-Security-Policy frame-ancestors 'self'" })
    expect((await framing('/open', 'http://127.0.0.1:8080')).framing).toBe('refused')
  })

  it('follows redirects on the site only, and says why it stops', async () => {
    expect((await framing('/moved')).framing).toBe('allowed')
    expect(await framing('/away')).toMatchObject({ framing: 'unknown', reason: 'the page redirects to https://elsewhere.example.org, which is not checked' })
    expect(await framing('/down-to-http')).toMatchObject({ framing: 'unknown', reason: `the page redirects to http://${SHOP}, which is not checked` })
    expect(await framing('/loop')).toMatchObject({ framing: 'unknown', reason: 'the page redirects more than 3 times' })
    expect(site.requests.filter((p) => p === '/loop')).toHaveLength(4)
  })

  it('says when the page cannot be shown for other reasons: an error status, oversized headers', async () => {
    expect(await framing('/gone')).toMatchObject({ framing: 'unknown', reason: 'the page answered HTTP 410' })
    expect(await framing('/missing')).toMatchObject({ framing: 'unknown', reason: 'the page answered HTTP 404' })
    expect(await framing('/huge-headers')).toMatchObject({ framing: 'unknown', reason: "the page's headers are larger than 32 KiB" })
  })

  it('reads the headers only: a page whose body never ends is answered at once and the connection closed', async () => {
    const started = Date.now()
    expect(await framing('/endless')).toMatchObject({ framing: 'refused', reason: 'X-Frame-Options SAMEORIGIN' })
    expect(Date.now() - started).toBeLessThan(4000)
    await expect.poll(() => closedEarly, { timeout: 10_000 }).toEqual([true])
  })

  it('checks at most 8 pages at once: one more is answered 429 while they wait on the site', async () => {
    const waiting = Array.from({ length: MAX_CHECKS_AT_ONCE }, () => check(SHOP, { page: '/slow', origin: DASHBOARD }))
    await expect.poll(() => held.length, { timeout: 10_000 }).toBe(MAX_CHECKS_AT_ONCE)
    const refused = await check(SHOP, { page: '/slow', origin: DASHBOARD })
    expect(refused.status).toBe(429)
    expect(refused.body.error).toBe('8 pages are being checked already; try again in a moment')
    for (const res of held) res.writeHead(200, { 'content-type': 'text/html' }).end()
    for (const answered of await Promise.all(waiting)) expect(answered).toMatchObject({ status: 200, body: { framing: 'allowed' } })
    expect((await check(SHOP, { page: '/plain', origin: DASHBOARD })).status).toBe(200)
  })

  it('fetches only https pages of a registered site, and refuses anything else with a 400 that says why', async () => {
    const before = site.requests.length
    const refusals: [string, Record<string, string>, RegExp][] = [
      ['evil.example', { page: '/', origin: DASHBOARD }, /site "evil\.example" is not registered/],
      [SHOP, { page: 'https://evil.example/', origin: DASHBOARD }, /page must be a path that starts with \//],
      [SHOP, { page: '@evil.example/', origin: DASHBOARD }, /page must be a path that starts with \//],
      [SHOP, { page: '/a?b=1', origin: DASHBOARD }, /without a query or a fragment/],
      [SHOP, { page: '/a#top', origin: DASHBOARD }, /without a query or a fragment/],
      [SHOP, { page: '/a\\b', origin: DASHBOARD }, /backslashes/],
      [SHOP, { page: '/a\nb', origin: DASHBOARD }, /control characters/],
      [SHOP, { page: '/', origin: 'javascript:alert(1)' }, /origin must be the dashboard's origin/],
      [SHOP, { page: '/', origin: `${DASHBOARD}/dashboard` }, /origin must be the dashboard's origin/],
      [SHOP, { page: '/' }, /origin is required/],
      [SHOP, { origin: DASHBOARD }, /page is required/],
      [SHOP, { page: '/', origin: DASHBOARD, url: 'https://evil.example/' }, /unknown parameter "url"/],
    ]
    for (const [domain, params, message] of refusals) {
      const { status, body } = await check(domain, params)
      expect(status, JSON.stringify(params)).toBe(400)
      expect(body.error).toMatch(message)
    }
    expect(site.requests.length).toBe(before)
  })

  it('never connects to a loopback, private or link-local address without the test pin', async () => {
    const cases: [string, RegExp][] = [
      [LOOPBACK, /^localhost resolves to a loopback address: the collector checks pages on public addresses only$/],
      [PRIVATE, /^10\.0\.0\.8 resolves to a private address/],
      [METADATA, /^169\.254\.169\.254 resolves to a linkLocal address/],
    ]
    for (const [domain, message] of cases) {
      const { status, body } = await check(domain, { page: '/latest/meta-data/', origin: DASHBOARD })
      expect(status, domain).toBe(400)
      expect(body.error).toMatch(message)
    }
  })

  it('keeps a site-scoped read token to its own site and logs no page it checked', async () => {
    const issued = await fetch(`${c.url}/api/admin/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'read', site: 'quiet.test' }),
    })
    const { token } = (await issued.json()) as { token: string }
    const { status, body } = await check(SHOP, { page: '/open', origin: DASHBOARD }, token)
    expect(status).toBe(403)
    expect(body.error).toMatch(/may only read the site quiet\.test/)
    expect(c.output()).toContain('/api/stats/shop.test/page-frame')
    expect(c.output()).not.toMatch(/\/open|\/deny|\/endless|meta-data/)
  })
})
