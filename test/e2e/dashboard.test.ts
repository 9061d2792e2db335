import fs from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { withoutInvisible } from '../../collector/src/ingest/scrub.ts'
import { CONDITION_DEADLINE_MS, postEvents, startCollector, UA, type Collector } from '../helpers/collector.ts'
import { CHROMIUM_ARGS, chromiumLaunchOptions } from './chromium.ts'

const SITE = 'example.com'

/**
 * Known traffic, each visitor one visit: two from the Netherlands (3 pageviews), two from the
 * United States (4 pageviews); two of the four visits see one page only (bounces).
 */
const VISITORS = [
  { ip: '145.14.1.1', ua: UA.chromeMac, country: 'NL', pages: ['/', '/pricing'] },
  { ip: '145.14.1.2', ua: UA.safariIphone, country: 'NL', pages: ['/'] },
  { ip: '8.8.8.8', ua: UA.firefoxWindows, country: 'US', pages: ['/', '/docs', '/pricing'] },
  { ip: '8.8.8.9', ua: UA.chromeMac, country: 'US', pages: ['/pricing'] },
] as const

const expected = (keep: (v: (typeof VISITORS)[number]) => boolean = () => true) => {
  const vs = VISITORS.filter(keep)
  const byPage = new Map<string, number>()
  for (const v of vs) for (const p of new Set(v.pages)) byPage.set(p, (byPage.get(p) ?? 0) + 1)
  return { visitors: vs.length, pageviews: vs.reduce((n, v) => n + v.pages.length, 0), byPage }
}

/** On shop.test: a page path of 2,000 characters, and names and values that hold bidirectional controls. */
const SHOP = 'shop.test'
const LONG_PATH = `/guide${'/chapter'.repeat(249)}/x`
const BIDI_EVENT = 'order \u202Egpj.exe\u202C done'
const BIDI_CAMPAIGN = 'spring\u2067 sale\u2069 \u202Dx\u202A'

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

/** Retries an assertion while the page loads its answers. */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: CONDITION_DEADLINE_MS, interval: 100 })

describe('the dashboard in Chromium against the real collector', () => {
  let c: Collector
  let browser: Browser
  /** Launched while the events are written; closed after the tests even when writing them failed. */
  let launched: Promise<Browser> | undefined
  const shots = fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-dashboard-'))

  beforeAll(async () => {
    c = await startCollector({ TELLEN_SITES: `${SITE},shop.test`, TRUST_PROXY: '1', TELLEN_VISITS_INTERVAL_MS: '200' })
    launched = chromiumLaunchOptions({ args: CHROMIUM_ARGS }).then((options) => chromium.launch(options))
    const start = Date.now() - 60_000
    for (const [i, v] of VISITORS.entries()) {
      const events: Record<string, unknown>[] = v.pages.map((p, j) => ({ type: 'pageview', url: `https://${SITE}${p}`, ts: start + i * 1000 + j * 10_000 }))
      if (i === 0) {
        // On the home page: one timing, one click in row 3, column 4, and mouse movement in row 2, column 3.
        const grid = Array.from({ length: 100 }, (_, cell) => (cell === 12 ? 5 : 0))
        events.push(
          { type: 'timing', url: `https://${SITE}/`, ts: start + 500, metric: 'lcp', value: 1800 },
          { type: 'click', url: `https://${SITE}/`, ts: start + 2000, el: 'button#buy', cx: 3, cy: 2 },
          { type: 'leave', url: `https://${SITE}/`, ts: start + 9000, exit: 'internal', target: `https://${SITE}/pricing`, engaged: 8000, scroll: 70, grid },
        )
      }
      const res = await postEvents(c.url, { v: 1, site: SITE, events }, { 'x-forwarded-for': v.ip, 'user-agent': v.ua })
      expect(res.status).toBe(202)
    }
    // A browser that asks not to be tracked is only counted.
    const dnt = await postEvents(c.url, { v: 1, site: SITE, events: [{ type: 'pageview', url: `https://${SITE}/`, ts: start }] }, { 'x-forwarded-for': '5.39.0.1', dnt: '1' })
    expect(dnt.status).toBe(202)
    // The visits job cuts the events into visits a moment after they are written.
    const deadline = Date.now() + CONDITION_DEADLINE_MS
    for (;;) {
      const r = await fetch(`${c.url}/api/stats/${SITE}/overview`, { headers: { authorization: `Bearer ${c.adminToken}` } })
      const body = (await r.json()) as { current?: { pageviews: number; visits: number } }
      if (body.current?.pageviews === 7 && body.current.visits === 4) break
      if (Date.now() > deadline) throw new Error(`the posted events did not show up: ${JSON.stringify(body)}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    // shop.test: one visitor on the long path, one on the home page with a tagged campaign and custom events.
    const shop = [
      { ip: '145.14.3.1', events: [{ type: 'pageview', url: `https://${SHOP}${LONG_PATH}`, ts: start }] },
      {
        ip: '145.14.3.2',
        events: [
          { type: 'pageview', url: `https://${SHOP}/?utm_source=news&utm_campaign=${encodeURIComponent(BIDI_CAMPAIGN)}`, ts: start },
          { type: 'custom', url: `https://${SHOP}/`, ts: start + 1000, name: BIDI_EVENT, props: { plan: BIDI_CAMPAIGN } },
          // Twelve custom events in all, each with a property: more than the first page of a panel.
          ...Array.from({ length: 11 }, (_, i) => ({ type: 'custom', url: `https://${SHOP}/`, ts: start + 2000 + i, name: `promo-${i + 1}`, props: { n: i + 1 } })),
        ],
      },
    ]
    for (const v of shop) expect((await postEvents(c.url, { v: 1, site: SHOP, events: v.events }, { 'x-forwarded-for': v.ip })).status).toBe(202)
    for (;;) {
      const r = await fetch(`${c.url}/api/stats/${SHOP}/overview`, { headers: { authorization: `Bearer ${c.adminToken}` } })
      const body = (await r.json()) as { current?: { pageviews: number; visits: number } }
      if (body.current?.pageviews === 2 && body.current.visits === 2) break
      if (Date.now() > deadline) throw new Error(`the events of ${SHOP} did not show up: ${JSON.stringify(body)}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    browser = await launched
  })

  afterAll(async () => {
    await (await launched?.catch(() => undefined))?.close()
    await c?.stop()
  })

  /** The contexts the running test opened; closed after it, so that no page of an earlier test keeps drawing. */
  const opened: BrowserContext[] = []
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((context) => context.close()))
  })

  /**
   * A fresh tab on the dashboard that records Content-Security-Policy violations and page errors;
   * with reduced motion unless `options` say otherwise, as the pulses of the live dot cost the
   * headless shell 100 ms of CPU a second against 1 ms without them.
   */
  async function open(query = '', options: BrowserContextOptions = {}): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce', ...options })
    opened.push(context)
    const page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))
    page.on('console', (m) => {
      if (m.type() === 'error' && !/401|Unauthorized/.test(m.text())) problems.push(m.text())
    })
    await page.goto(`${c.url}/dashboard${query}`)
    return { page, problems }
  }

  const signIn = async (page: Page, token: string) => {
    await page.getByLabel('Token').fill(token)
    await page.getByRole('button', { name: 'Open the dashboard' }).click()
  }
  const card = (page: Page, metric: string) => page.locator(`.card[data-metric="${metric}"] .card-value`)
  const rowsOf = async (page: Page, dimension: string): Promise<Record<string, number | string>> => {
    const rows = await page.locator(`table.rows[data-dimension="${dimension}"] tbody tr`).evaluateAll((trs) =>
      trs.map((tr) => [tr.querySelector('[data-value]')!.getAttribute('data-value'), Number(tr.querySelector('td[data-column="visitors"]')!.getAttribute('title'))]))
    if (rows.length) return Object.fromEntries(rows)
    // No rows: what the panel shows instead (loading, no data, an error), so that a wait that fails names it.
    const panel = page.locator(`.panel:has([id="tab-${dimension}"]), .panel[data-group="${dimension}"]`).first()
    const said = await panel.evaluate((el) => `${el.querySelector('[role="tab"][aria-selected="true"]')?.textContent ?? ''}: ${el.querySelector('.panel-body')?.textContent ?? ''}`, undefined, { timeout: 1000 }).catch(() => null)
    return said === null ? {} : { '(the panel shows)': said }
  }

  it('sends the page gzipped only to a client that accepts gzip', async () => {
    const encodingFor = (acceptEncoding?: string) =>
      new Promise<string | undefined>((resolve, reject) => {
        http.get(`${c.url}/dashboard`, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} }, (res) => {
          res.resume()
          resolve(res.headers['content-encoding'])
        }).on('error', reject)
      })
    expect(await encodingFor('gzip, deflate, br')).toBe('gzip')
    expect(await encodingFor('gzip;q=0')).toBeUndefined()
    expect(await encodingFor('br, identity;q=0.5')).toBeUndefined()
    expect(await encodingFor()).toBeUndefined()
  })

  it('serves the page with a strict Content-Security-Policy and content-hashed assets that revalidate', async () => {
    const res = await fetch(`${c.url}/dashboard`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    const csp = res.headers.get('content-security-policy')!
    expect(csp).toMatch(/default-src 'none'/)
    expect(csp).toMatch(/script-src 'self'(;|$)/)
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/)
    expect(res.headers.get('cache-control')).toBe('no-cache')
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    const html = await res.text()
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]|\son[a-z]+=/)
    const again = await fetch(`${c.url}/dashboard`, { headers: { 'if-none-match': res.headers.get('etag')! } })
    expect(again.status).toBe(304)

    const script = /src="(\/dashboard\/assets\/app\.[\w-]+\.js)"/.exec(html)![1]!
    const asset = await fetch(`${c.url}${script}`)
    expect(asset.status).toBe(200)
    expect(asset.headers.get('content-type')).toMatch(/javascript/)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(script).toContain(asset.headers.get('etag')!.slice(1, 13))
    expect((await fetch(`${c.url}${script}`, { headers: { 'if-none-match': asset.headers.get('etag')! } })).status).toBe(304)
    expect((await fetch(`${c.url}/dashboard/assets/app.0000.js`)).status).toBe(404)
  })

  it('sends a wrong token back to the prompt with an error and keeps no token', async () => {
    const { page } = await open()
    await signIn(page, 'not-the-right-token-at-all')
    await poll(() => page.getByRole('alert').textContent()).toMatch(/not accepted.*not valid/)
    expect(await page.getByLabel('Token').isVisible()).toBe(true)
    expect(await page.evaluate(() => [sessionStorage.length, localStorage.length, document.cookie])).toEqual([0, 0, ''])
    await page.context().close()
  })

  it('pulses the live dot three times as each realtime count comes in, not forever, and not at all under reduced motion', async () => {
    const pulse = async (reducedMotion: 'no-preference' | 'reduce') => {
      const { page } = await open('?period=7d', { reducedMotion })
      await signIn(page, c.adminToken)
      const dot = page.locator('.realtime .pulse')
      await dot.waitFor()
      return dot.evaluate((el) => {
        const style = getComputedStyle(el)
        return { name: style.animationName, count: style.animationIterationCount }
      })
    }
    expect(await pulse('no-preference')).toEqual({ name: 'pulse', count: '3' })
    expect((await pulse('reduce')).name).toBe('none')
  })

  it('shows the posted numbers in the cards, the time series and the breakdowns, and filters by a clicked row', async () => {
    const { page, problems } = await open(`?period=7d`)
    await signIn(page, c.adminToken)
    const all = expected()
    await poll(() => card(page, 'visitors').textContent()).toBe(String(all.visitors))
    expect(await card(page, 'pageviews').textContent()).toBe(String(all.pageviews))
    expect(await card(page, 'visits').textContent()).toBe('4')
    expect(await card(page, 'bounce_rate').textContent()).toBe('50%')
    expect(await page.evaluate(() => [sessionStorage.getItem('tellen.token') !== null, localStorage.length, document.cookie])).toEqual([true, 0, ''])

    // The time series, read from its table: seven days whose pageviews add up to what was posted.
    await page.locator('.card[data-metric="pageviews"] button').click()
    await poll(() => page.url()).toMatch(/metric=pageviews/)
    await poll(() => page.locator('.chart .data-table caption').textContent()).toBe('Pageviews per day')
    const points = await page.locator('.chart .data-table tbody td').evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-value'))))
    expect(points).toHaveLength(7)
    expect(points.reduce((a, b) => a + b, 0)).toBe(all.pageviews)
    expect(await page.locator('.chart canvas').count()).toBeGreaterThan(0)
    await page.getByLabel('Previous period').check()
    await poll(() => page.locator('.chart .data-table td.previous').count()).toBe(7)
    expect(new URL(page.url()).searchParams.get('compare')).toBe('1')
    expect(await page.locator('.chart .data-table td.previous').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-value')))).toEqual(Array(7).fill('0'))

    await poll(() => rowsOf(page, 'page')).toEqual(Object.fromEntries(all.byPage))
    await page.getByRole('tab', { name: 'Countries' }).click()
    await poll(() => rowsOf(page, 'country')).toEqual({ NL: 2, US: 2 })
    await page.screenshot({ path: path.join(shots, 'dashboard.png'), fullPage: true })

    // Clicking a country filters every panel, and the filter is in the URL.
    await page.locator('table.rows[data-dimension="country"] button[data-value="NL"]').click()
    await poll(() => new URL(page.url()).searchParams.get('country')).toBe('NL')
    const nl = expected((v) => v.country === 'NL')
    await poll(() => card(page, 'visitors').textContent()).toBe(String(nl.visitors))
    expect(await card(page, 'pageviews').textContent()).toBe(String(nl.pageviews))
    await poll(() => rowsOf(page, 'page')).toEqual(Object.fromEntries(nl.byPage))
    await poll(async () => (await page.locator('.chart .data-table tbody td').evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-value'))))).reduce((a, b) => a + b, 0)).toBe(nl.pageviews)
    expect(await page.locator('.chip').textContent()).toMatch(/Country is Netherlands/)

    // The shared URL opens the same view; removing the chip removes the filter.
    const shared = await open(new URL(page.url()).search)
    await signIn(shared.page, c.adminToken)
    await poll(() => card(shared.page, 'visitors').textContent()).toBe(String(nl.visitors))
    await shared.page.context().close()
    await page.getByRole('button', { name: /Remove filter: Country is Netherlands/ }).click()
    await poll(() => card(page, 'visitors').textContent()).toBe(String(all.visitors))
    expect(new URL(page.url()).searchParams.has('country')).toBe(false)

    // Web Vitals: the one LCP sample is its own 75th percentile.
    await poll(() => page.locator('.vital[data-metric="lcp"] .vital-value').textContent()).toMatch(/1\.8 s/)

    // Interactions on the home page: the click and the mouse movement land in their cells.
    expect(await page.locator('#heatmap-page').inputValue()).toBe('/')
    const counts = (n: number) => page.locator('.interactions .heat').nth(n).locator('.cell').evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-count'))))
    await poll(async () => (await counts(0)).map((n, i) => (n ? `${i}:${n}` : '')).filter(Boolean)).toEqual(['23:1'])
    expect((await counts(1)).map((n, i) => (n ? `${i}:${n}` : '')).filter(Boolean)).toEqual(['12:5'])
    expect(await page.locator('.interactions .elements tbody').textContent()).toBe('button#buy1')
    expect(await page.locator('.exits tbody tr').first().textContent()).toMatch(/^\/Link on the siteexample\.com\/pricing1/)
    expect(problems).toEqual([])
    await page.context().close()
  })
  it('answers a page and country filter from the events, past their retention from the aggregates, three filters past it from the events with a note, and keeps entry pages a keyboard away', async () => {
    const { page, problems } = await open(`?period=7d&country=NL`)
    await signIn(page, c.adminToken)
    await poll(() => card(page, 'visitors').textContent()).toBe('2')
    expect(await page.locator('.overview .source').getAttribute('data-source')).toBe('rollup')
    await page.locator('table.rows[data-dimension="page"] button[data-value="/"]').click()
    await poll(() => new URL(page.url()).searchParams.get('page')).toBe('/')
    await poll(() => page.locator('.overview .source').getAttribute('data-source')).toBe('events')
    // Seven days are within the events kept: no jargon badge and no note.
    expect(await page.locator('.overview .source').isHidden()).toBe(true)
    // Ninety days are not: two dimensions are answered from the visit aggregates, with no note.
    await page.getByLabel('Range').selectOption('90d')
    await poll(() => page.locator('.overview .source').getAttribute('data-source')).toBe('rollup')
    await poll(() => card(page, 'pageviews').textContent()).toBe('2')
    expect(await page.locator('.overview .source').isHidden()).toBe(true)
    expect(await page.locator('.chip').count()).toBe(2)
    // Three are not held together by any aggregate: the panel says which days it covers.
    await page.goto(`${c.url}/dashboard?period=90d&country=NL&page=%2F&device=desktop`)
    await poll(() => page.locator('.overview .source').textContent()).toMatch(/^Covers .* only: with these filters this panel reads the detailed events, which are kept for fewer days than asked\.$/)
    expect(await page.locator('.chip').count()).toBe(3)

    // Tabs follow the arrow keys; the entry pages come from the visits.
    await page.goto(`${c.url}/dashboard?period=7d`)
    await page.getByRole('tab', { name: 'Top pages' }).focus()
    await page.keyboard.press('ArrowRight')
    await poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Entry pages')
    expect(await page.getByRole('tab', { name: 'Entry pages' }).getAttribute('aria-selected')).toBe('true')
    await poll(() => rowsOf(page, 'entry_page')).toEqual({ '/': 3, '/pricing': 1 })
    expect(await page.locator('.honoured').textContent()).toMatch(/^1 request was not tracked/)
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('takes a custom range and shows what the API says is wrong with it inside the panels', async () => {
    const { page } = await open()
    await signIn(page, c.adminToken)
    await poll(() => card(page, 'visitors').textContent()).toBe('4')
    await page.getByLabel('Range').selectOption('custom')
    await page.getByLabel('From', { exact: true }).fill('2020-01-01')
    await page.getByLabel('To', { exact: true }).fill('2026-01-01')
    await page.getByRole('button', { name: 'Apply' }).click()
    await poll(() => page.url()).toMatch(/period=custom&from=2020-01-01&to=2026-01-01/)
    await poll(() => page.locator('.overview [role="alert"]').textContent()).toMatch(/at most 731 may be asked at once \(HTTP 400\)/)
    await poll(() => page.locator('.panel [role="alert"]').count()).toBeGreaterThanOrEqual(8)
    await page.context().close()
  })

  it('leaves the focus on the range picker as the arrow keys move through the ranges', async () => {
    const { page, problems } = await open('?period=month')
    await signIn(page, c.adminToken)
    const focused = () => page.evaluate(() => document.activeElement?.id)
    const form = page.locator('.custom-range')
    await poll(() => page.locator('.panel[aria-busy]').count()).toBe(0)
    await page.getByLabel('Range').focus()
    await page.keyboard.press('ArrowDown')
    await poll(() => form.isVisible()).toBe(true)
    expect(await focused()).toBe('period')
    expect(new URL(page.url()).searchParams.get('period')).toBe('month')
    // Back up to the range that is shown: the form goes, and nothing else changes.
    await page.keyboard.press('ArrowUp')
    await poll(() => form.isHidden()).toBe(true)
    expect(await focused()).toBe('period')
    expect(await page.getByLabel('Range').inputValue()).toBe('month')
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('Tab')
    expect(await focused()).toBe('from')
    expect(problems).toEqual([])
    await page.context().close()
  })

  it("keeps the chart's interval through the ranges that allow it", async () => {
    const { page, problems } = await open('?period=30d')
    await signIn(page, c.adminToken)
    const interval = page.getByLabel('Interval')
    await poll(() => interval.inputValue()).toBe('day')
    await interval.selectOption('week')
    await poll(() => page.locator('.chart .data-table caption').textContent()).toBe('Unique visitors per week')
    await page.getByLabel('Range').selectOption('90d')
    await poll(() => new URL(page.url()).searchParams.get('period')).toBe('90d')
    expect(await interval.inputValue()).toBe('week')
    // Today has no weeks: it shows hours, and the next range with weeks shows weeks again.
    await page.getByLabel('Range').selectOption('today')
    await poll(() => interval.inputValue()).toBe('hour')
    await page.getByLabel('Range').selectOption('30d')
    await poll(() => interval.inputValue()).toBe('week')
    await poll(() => page.locator('.chart .data-table caption').textContent()).toBe('Unique visitors per week')
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('shows the range asked last when the answer of a range left before it comes in after its return', async () => {
    const { page, problems } = await open('?period=30d&interval=week')
    await signIn(page, c.adminToken)
    const caption = page.locator('.chart .data-table caption')
    await poll(() => caption.textContent()).toBe('Unique visitors per week')
    // Today's chart answers only once the range is back on 30 days, whose chart is shown already.
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => { release = resolve })
    const answers: Promise<void>[] = []
    await page.route('**/api/stats/example.com/timeseries?*interval=hour*', (route) => {
      answers.push((async () => {
        const res = await route.fetch()
        await held
        await route.fulfill({ response: res })
      })())
    })
    await page.getByLabel('Range').selectOption('today')
    await poll(() => answers.length).toBeGreaterThan(0)
    await page.getByLabel('Range').selectOption('30d')
    await poll(() => page.getByLabel('Interval').inputValue()).toBe('week')
    release()
    await Promise.all(answers)
    // The page has read the answers once a frame and a task have passed after they came in.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50))))
    await poll(() => page.locator('.chart[aria-busy]').count()).toBe(0)
    expect(await caption.textContent()).toBe('Unique visitors per week')
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('lets a read token scoped to one site see that site only, on a phone in dark mode', async () => {
    const created = await fetch(`${c.url}/api/admin/tokens`, {
      method: 'POST', headers: { authorization: `Bearer ${c.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'read', site: SITE }),
    }).then((r) => r.json() as Promise<{ token: string }>)
    const all = await fetch(`${c.url}/api/stats/sites`, { headers: { authorization: `Bearer ${c.adminToken}` } }).then((r) => r.json())
    expect(all).toEqual({ sites: [{ domain: SITE, timezone: 'UTC', events_retention_days: 30 }, { domain: 'shop.test', timezone: 'UTC', events_retention_days: 30 }] })
    expect((await fetch(`${c.url}/api/stats/sites`)).status).toBe(401)

    const { page } = await open(`?site=shop.test&period=7d`, { viewport: { width: 375, height: 800 }, colorScheme: 'dark' })
    await signIn(page, created.token)
    await poll(() => card(page, 'visitors').textContent()).toBe('4')
    expect(await page.locator('#site option').allTextContents()).toEqual([SITE])
    expect(new URL(page.url()).searchParams.get('site')).toBe(SITE)
    // Nothing sticks out sideways at phone width, and the page follows the dark colour scheme.
    await poll(() => rowsOf(page, 'page')).toEqual(Object.fromEntries(expected().byPage))
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
    const [r, g, b] = (await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).match(/\d+/g)!.map(Number)
    expect([r, g, b].every((x) => x! < 40)).toBe(true)
    await page.screenshot({ path: path.join(shots, 'phone-dark.png'), fullPage: true })
    await page.context().close()
  })
  it('shows a row without a value as text that sets no filter, since the API filters by values only', async () => {
    const { page, problems } = await open('?period=7d')
    await signIn(page, c.adminToken)
    await page.getByRole('tab', { name: 'Referrers' }).click()
    await poll(() => rowsOf(page, 'referrer')).toEqual({ '': 4 })
    const none = page.locator('table.rows[data-dimension="referrer"] [data-value=""]')
    expect(await none.textContent()).toBe('Direct / none')
    expect(await none.evaluate((el) => [el.tagName, (el as HTMLElement).tabIndex, getComputedStyle(el).cursor])).toEqual(['SPAN', -1, 'auto'])
    await none.click()
    expect(new URL(page.url()).searchParams.has('referrer')).toBe(false)
    expect(await page.locator('.chip').count()).toBe(0)
    // The focus moves from the tab straight past the row, to the tab panel that holds it.
    await page.getByRole('tab', { name: 'Referrers' }).focus()
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => Boolean(document.activeElement?.closest('.breakdown[data-group="source"] table.rows')))).toBe(false)
    expect(await page.evaluate(() => [document.activeElement?.getAttribute('role'), document.activeElement?.getAttribute('aria-labelledby')])).toEqual(['tabpanel', 'tab-referrer'])
    // A tab panel with rows to choose is no stop of its own: the Tab key goes on to the first row.
    await page.getByRole('tab', { name: 'Top pages' }).focus()
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-value'))).toBe('/')
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('keeps a filter on a 2,000-character path inside the page at desktop and phone width', async () => {
    const { page, problems } = await open(`?site=${SHOP}&period=7d`)
    await signIn(page, c.adminToken)
    await poll(() => rowsOf(page, 'page')).toEqual({ [LONG_PATH]: 1, '/': 1 })
    await page.locator(`table.rows[data-dimension="page"] button[data-value="${LONG_PATH}"]`).click()
    await poll(() => new URL(page.url()).searchParams.get('page')).toBe(LONG_PATH)
    await poll(() => card(page, 'visitors').textContent()).toBe('1')
    const chip = page.locator('.chip[data-filter="page"]')
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: 800 })
      await poll(() => page.locator('.panel[aria-busy]').count()).toBe(0)
      // The chart follows the new width a frame later.
      await poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width)
      const box = (await chip.boundingBox())!
      expect(box.x + box.width).toBeLessThanOrEqual(width)
      expect(box.height).toBeLessThan(60)
    }
    // The chip shows the start of the value; its title and the remove button's name hold all of it.
    expect(await chip.locator('[title]').first().getAttribute('title')).toBe(`Page is ${LONG_PATH}`)
    expect(await chip.getByRole('button').getAttribute('aria-label')).toBe(`Remove filter: Page is ${LONG_PATH}`)
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('keeps the focus on the filters as they are added and removed from the keyboard', async () => {
    const { page, problems } = await open('?period=7d')
    await signIn(page, c.adminToken)
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.id ?? '')
    await page.getByRole('tab', { name: 'Countries' }).click()
    await poll(() => rowsOf(page, 'country')).toEqual({ NL: 2, US: 2 })

    // Adding a filter from a row moves the focus to the new chip's remove button, and it stays there.
    await page.locator('table.rows[data-dimension="country"] button[data-value="NL"]').focus()
    await page.keyboard.press('Enter')
    await poll(focused).toBe('Remove filter: Country is Netherlands')
    await poll(() => page.locator('.panel[aria-busy]').count()).toBe(0)
    expect(await focused()).toBe('Remove filter: Country is Netherlands')
    await page.locator('table.rows[data-dimension="page"] button[data-value="/pricing"]').focus()
    await page.keyboard.press('Space')
    await poll(focused).toBe('Remove filter: Page is /pricing')
    await poll(() => card(page, 'visitors').textContent()).toBe('1')

    // Removing a chip moves the focus to the chip after it; removing the last one, to the statistics.
    await page.getByRole('button', { name: 'Remove filter: Country is Netherlands' }).focus()
    await page.keyboard.press('Enter')
    await poll(focused).toBe('Remove filter: Page is /pricing')
    await poll(() => card(page, 'visitors').textContent()).toBe('3')
    await page.keyboard.press('Enter')
    await poll(focused).toBe('main')
    await poll(() => card(page, 'visitors').textContent()).toBe('4')
    expect(await page.locator('.chip').count()).toBe(0)
    const said = page.locator('p.sr-only[aria-live]')
    expect(await said.textContent()).toBe('Filters cleared.')
    // Back and Forward say so too when they bring filters back or take them away.
    await page.goBack()
    await poll(() => said.textContent()).toBe('1 filter applied.')
    await page.goBack()
    await poll(() => said.textContent()).toBe('2 filters applied.')
    await page.goForward()
    await page.goForward()
    await poll(() => said.textContent()).toBe('Filters cleared.')
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('keeps the focus on a card and on "Show more" when what is around them is drawn anew', async () => {
    const { page, problems } = await open(`?site=${SHOP}&period=7d`)
    await signIn(page, c.adminToken)
    await poll(() => card(page, 'visitors').textContent()).toBe('2')
    await page.locator('.card[data-metric="pageviews"] button').focus()
    await page.keyboard.press('Enter')
    await poll(() => new URL(page.url()).searchParams.get('metric')).toBe('pageviews')
    await poll(() => page.locator('.card[data-metric="pageviews"] button').getAttribute('aria-pressed')).toBe('true')
    expect(await page.evaluate(() => document.activeElement?.closest('.card')?.getAttribute('data-metric'))).toBe('pageviews')

    // "Show more" keeps the focus while there is more; after the last rows, the first row it added has it.
    const events = page.locator('table.rows[data-dimension="event"] tbody tr')
    await poll(() => events.count()).toBe(10)
    await page.locator('.breakdown[data-group="event"] .more').focus()
    await page.keyboard.press('Enter')
    await poll(() => events.count()).toBe(12)
    expect(await page.locator('.breakdown[data-group="event"] .more').isHidden()).toBe(true)
    const focusedRow = () => page.evaluate(() => {
      const row = document.activeElement?.closest('tr')
      return row ? [...row.parentElement!.children].indexOf(row) : -1
    })
    await poll(focusedRow).toBe(10)
    const properties = page.locator('.properties tbody tr')
    await poll(() => properties.count()).toBe(10)
    await page.locator('.properties .more').focus()
    await page.keyboard.press('Enter')
    await poll(() => properties.count()).toBe(12)
    await poll(focusedRow).toBe(10)
    expect(await page.evaluate(() => Boolean(document.activeElement?.closest('.properties')))).toBe(true)
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('follows the history: Back shows the heatmap page and the first rows that the URL implies', async () => {
    const { page, problems } = await open('?period=7d')
    await signIn(page, c.adminToken)
    const heatmapPage = () => page.locator('#heatmap-page').inputValue()
    const clickedCells = () => page.locator('.interactions .heat').first().locator('.cell:not([data-count="0"])').count()
    await poll(heatmapPage).toBe('/')
    await poll(clickedCells).toBe(1)
    await page.locator('#heatmap-page').selectOption('/pricing')
    await poll(() => new URL(page.url()).searchParams.get('heatmap')).toBe('/pricing')
    await poll(async () => (await page.locator('.interactions .empty').allTextContents()).join('')).toMatch(/No interactions recorded on this page/)
    await page.goBack()
    await poll(() => new URL(page.url()).searchParams.has('heatmap')).toBe(false)
    await poll(heatmapPage).toBe('/')
    await poll(clickedCells).toBe(1)
    await page.goForward()
    await poll(heatmapPage).toBe('/pricing')
    await poll(clickedCells).toBe(0)

    // Rows added by "Show more" are not in the URL: Back to a view shows its first rows again.
    await page.goto(`${c.url}/dashboard?site=${SHOP}&period=7d`)
    const events = page.locator('table.rows[data-dimension="event"] tbody tr')
    await poll(() => events.count()).toBe(10)
    await page.locator('.breakdown[data-group="event"] .more').click()
    await poll(() => events.count()).toBe(12)
    await page.locator('.card[data-metric="pageviews"] button').click()
    await poll(() => new URL(page.url()).searchParams.get('metric')).toBe('pageviews')
    await page.goBack()
    await poll(() => new URL(page.url()).searchParams.has('metric')).toBe(false)
    await poll(() => events.count()).toBe(10)
    expect(await page.locator('.breakdown[data-group="event"] .more').isVisible()).toBe(true)
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('keeps the chosen tabs and kind of failed resources in the URL, through Back, Forward and a reload', async () => {
    const { page, problems } = await open('?period=7d')
    await signIn(page, c.adminToken)
    const param = (name: string) => new URL(page.url()).searchParams.get(name)
    const selected = (group: string) => page.locator(`.breakdown[data-group="${group}"] [role="tab"][aria-selected="true"]`).textContent()
    const focused = () => page.evaluate(() => document.activeElement?.textContent)
    await poll(() => rowsOf(page, 'page')).toEqual(Object.fromEntries(expected().byPage))
    await page.getByRole('tab', { name: 'Exit pages' }).click()
    await poll(() => param('pages')).toBe('exit_page')
    await poll(() => rowsOf(page, 'exit_page')).toEqual({ '/pricing': 3, '/': 1 })

    // From the keyboard, each tab is a step in the history, and the focus follows the tab the URL selects.
    await page.getByRole('tab', { name: 'Sources', exact: true }).focus()
    await page.keyboard.press('ArrowRight')
    await poll(() => param('sources')).toBe('referrer')
    await page.keyboard.press('ArrowRight')
    await poll(() => param('sources')).toBe('utm_source')
    expect(await focused()).toBe('UTM source')
    await page.goBack()
    await poll(() => param('sources')).toBe('referrer')
    await poll(() => selected('source')).toBe('Referrers')
    expect(await focused()).toBe('Referrers')
    await poll(() => rowsOf(page, 'referrer')).toEqual({ '': 4 })
    await page.goBack()
    await poll(() => selected('source')).toBe('Sources')
    expect(await focused()).toBe('Sources')
    expect(param('sources')).toBeNull()
    await page.goBack()
    await poll(() => selected('page')).toBe('Top pages')
    await poll(() => rowsOf(page, 'page')).toEqual(Object.fromEntries(expected().byPage))
    await page.goForward()
    await page.goForward()
    await page.goForward()
    await poll(() => selected('source')).toBe('UTM source')
    expect(await selected('page')).toBe('Exit pages')
    expect(new URL(page.url()).search).toBe(`?site=${SITE}&period=7d&pages=exit_page&sources=utm_source`)

    // The kind of failed resources narrows what the API is asked for, and survives a reload.
    const askedFor = page.waitForRequest((r) => /\/errors\?/.test(r.url()) && new URL(r.url()).searchParams.get('kind') === 'script')
    await page.getByLabel('Kind').selectOption('script')
    await poll(() => param('errors')).toBe('script')
    await askedFor
    await page.reload()
    await poll(() => page.locator('.errors select').inputValue()).toBe('script')
    await poll(() => selected('source')).toBe('UTM source')
    expect(await selected('page')).toBe('Exit pages')
    await page.goBack()
    await poll(() => param('errors')).toBeNull()
    await poll(() => page.locator('.errors select').inputValue()).toBe('')

    // What the dashboard does not know is left aside: the panels show their first tab and every kind.
    await page.goto(`${c.url}/dashboard?period=7d&pages=country&sources=Referrers&errors=pdf`)
    await poll(() => rowsOf(page, 'page')).toEqual(Object.fromEntries(expected().byPage))
    expect(await selected('page')).toBe('Top pages')
    expect(await selected('source')).toBe('Sources')
    expect(await page.locator('.errors select').inputValue()).toBe('')
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('keeps the site it opened in the URL as choices are made, so that a link opens that site', async () => {
    const { page, problems } = await open('?period=7d')
    await signIn(page, c.adminToken)
    await poll(() => new URL(page.url()).searchParams.get('site')).toBe(SITE)
    await page.getByRole('tab', { name: 'Languages' }).click()
    await poll(() => new URL(page.url()).searchParams.get('locations')).toBe('language')
    expect(new URL(page.url()).search).toBe(`?site=${SITE}&period=7d&locations=language`)
    await page.goBack()
    await poll(() => new URL(page.url()).searchParams.has('locations')).toBe(false)
    await page.getByRole('tab', { name: 'Time zones' }).click()
    await poll(() => new URL(page.url()).searchParams.get('locations')).toBe('timezone')
    expect(new URL(page.url()).searchParams.get('site')).toBe(SITE)
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('moves the focus to the statistics with the skip link, without a step in the history', async () => {
    const { page, problems } = await open('?period=7d')
    await signIn(page, c.adminToken)
    await poll(() => new URL(page.url()).searchParams.get('site')).toBe(SITE)
    const steps = await page.evaluate(() => history.length)
    await page.getByRole('link', { name: 'Skip to the statistics' }).focus()
    await page.keyboard.press('Enter')
    await poll(() => page.evaluate(() => document.activeElement?.id)).toBe('main')
    expect(await page.evaluate(() => [history.length, location.hash])).toEqual([steps, ''])
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => Boolean(document.activeElement?.closest('main')))).toBe(true)
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('makes no step in the history of a choice that changes nothing', async () => {
    const { page, problems } = await open('?period=7d')
    await signIn(page, c.adminToken)
    const visits = page.locator('.card[data-metric="visits"] button')
    await poll(() => visits.count()).toBe(1)
    await visits.click()
    await poll(() => new URL(page.url()).searchParams.get('metric')).toBe('visits')
    await poll(() => visits.getAttribute('aria-pressed')).toBe('true')
    await visits.click()
    await page.getByRole('tab', { name: 'Languages' }).click()
    await poll(() => new URL(page.url()).searchParams.get('locations')).toBe('language')
    await page.getByRole('tab', { name: 'Languages' }).click()
    await page.goBack()
    await poll(() => new URL(page.url()).searchParams.has('locations')).toBe(false)
    expect(new URL(page.url()).searchParams.get('metric')).toBe('visits')
    await page.goBack()
    await poll(() => new URL(page.url()).searchParams.has('metric')).toBe(false)
    await poll(() => page.locator('.card[data-metric="visitors"] button').getAttribute('aria-pressed')).toBe('true')
    expect(problems).toEqual([])
    await page.context().close()
  })

  it("keeps the chart's numbers as a table open when the chart is drawn anew, and in the URL", async () => {
    const { page, problems } = await open('?period=7d')
    await signIn(page, c.adminToken)
    const details = page.locator('.chart details.data-table')
    const isOpen = () => details.evaluate((d) => (d as HTMLDetailsElement).open)
    await poll(() => page.locator('.chart .data-table tbody tr').count()).toBe(7)
    await page.locator('.chart summary').focus()
    await page.keyboard.press('Enter')
    await poll(() => new URL(page.url()).searchParams.get('table')).toBe('1')
    await page.getByLabel('Metric').selectOption('pageviews')
    await poll(() => page.locator('.chart .data-table caption').textContent()).toBe('Pageviews per day')
    expect(await isOpen()).toBe(true)
    await page.reload()
    await poll(() => page.locator('.chart .data-table caption').textContent()).toBe('Pageviews per day')
    expect(await isOpen()).toBe(true)
    await page.goBack()
    await poll(() => page.locator('.chart .data-table caption').textContent()).toBe('Unique visitors per day')
    expect(await isOpen()).toBe(true)
    await page.goBack()
    await poll(isOpen).toBe(false)
    expect(new URL(page.url()).search).toBe('?site=example.com&period=7d')
    await page.goForward()
    await poll(isOpen).toBe(true)
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('keeps the focus on the row or the summary it was on when Back draws the panels anew', async () => {
    const { page, problems } = await open('?period=7d')
    await signIn(page, c.adminToken)
    const focused = () => page.evaluate(() => {
      const e = document.activeElement
      return `${e?.tagName} ${e?.getAttribute('data-value') ?? e?.textContent}`
    })
    await poll(() => rowsOf(page, 'page')).toEqual(Object.fromEntries(expected().byPage))
    await page.locator('.card[data-metric="visits"] button').click()
    await poll(() => new URL(page.url()).searchParams.get('metric')).toBe('visits')
    await page.locator('table.rows[data-dimension="page"] button[data-value="/pricing"]').focus()
    await page.goBack()
    await poll(() => new URL(page.url()).searchParams.has('metric')).toBe(false)
    await poll(() => page.locator('.panel[aria-busy]').count()).toBe(0)
    expect(await focused()).toBe('BUTTON /pricing')

    await page.locator('.chart summary').focus()
    await page.goForward()
    await poll(() => page.locator('.chart .data-table caption').textContent()).toBe('Visits per day')
    expect(await focused()).toBe('SUMMARY Show the data as a table')
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('scrolls what the keyboard focuses clear of the sticky top bar', async () => {
    const { page, problems } = await open('?period=7d')
    await signIn(page, c.adminToken)
    await poll(() => card(page, 'visitors').textContent()).toBe('4')
    await poll(() => page.locator('.panel[aria-busy]').count()).toBe(0)
    await page.locator('#errors-kind').focus()
    const hidden: string[] = []
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Shift+Tab')
      const under = await page.evaluate(() => {
        const e = document.activeElement!
        const bar = document.querySelector('header.top')!.getBoundingClientRect()
        return e.closest('main') && e.getBoundingClientRect().top < bar.bottom ? `${e.tagName} ${e.textContent}` : ''
      })
      if (under) hidden.push(under)
    }
    expect(hidden).toEqual([])
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('returns to where the page was scrolled after a reload, once the panels have filled in', async () => {
    const { page, problems } = await open('?period=7d')
    await signIn(page, c.adminToken)
    await poll(() => card(page, 'visitors').textContent()).toBe('4')
    await poll(() => page.locator('.panel[aria-busy]').count()).toBe(0)
    await page.evaluate(() => scrollTo(0, 600))
    // The position is kept once scrolling has stopped for a moment.
    await page.waitForTimeout(500)
    await page.reload()
    await poll(() => page.locator('.panel[aria-busy]').count()).toBe(0)
    await poll(() => page.evaluate(() => scrollY)).toBe(600)
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('never shows the bidirectional controls a page sent: they are removed before storing, and the row filters by the stored value', async () => {
    // The dashboard also escapes such controls in whatever it is given (dom.test.ts); since the
    // collector removes them at ingest, what was sent with them arrives without them.
    const { page, problems } = await open(`?site=${SHOP}&period=7d`)
    await signIn(page, c.adminToken)
    const event = withoutInvisible(BIDI_EVENT)
    const campaign = withoutInvisible(BIDI_CAMPAIGN)
    expect(event).toBe('order gpj.exe done')
    const row = (d: string, value: string) => page.locator(`table.rows[data-dimension="${d}"] [data-value="${value}"]`)

    await page.getByRole('tab', { name: 'UTM campaign' }).click()
    await poll(() => rowsOf(page, 'utm_campaign')).toEqual({ [campaign]: 1, '': 1 })
    expect(await row('utm_campaign', campaign).textContent()).toBe(campaign)
    await poll(() => rowsOf(page, 'event')).toMatchObject({ [event]: 1 })
    expect(await row('event', event).getAttribute('title')).toBe(`Filter by custom event: ${event}`)
    await poll(() => page.locator('.properties tbody tr').first().textContent()).toBe(`${event}plan${campaign}11`)

    await row('event', event).click()
    await poll(() => new URL(page.url()).searchParams.get('event')).toBe(event)
    await poll(() => card(page, 'visitors').textContent()).toBe('1')
    expect(await page.locator('.chip').textContent()).toBe(`Custom event is ${event}×`)
    await poll(() => page.locator('.panel[aria-busy]').count()).toBe(0)
    // Nothing on the page, in its text or in its titles and names, holds a control that reorders text.
    expect(await page.evaluate(() => {
      const controls = /[\u202A-\u202E\u2066-\u2069]/
      const attrs = [...document.querySelectorAll('[title], [aria-label]')].flatMap((e) => [e.getAttribute('title') ?? '', e.getAttribute('aria-label') ?? ''])
      return [document.body.innerText, ...attrs].filter((t) => controls.test(t))
    })).toEqual([])
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('keeps the focus in a panel whose "Try again" loads it anew', async () => {
    const { page, problems } = await open('?period=7d')
    // The collector answers, except that the first request for the vitals and every one for the time series fail.
    let vitals = 0
    await page.route('**/api/stats/example.com/vitals?*', (route) =>
      vitals++ ? route.continue() : route.fulfill({ status: 503, json: { error: 'the engine is busy' } }))
    await page.route('**/api/stats/example.com/timeseries?*', (route) => route.fulfill({ status: 503, json: { error: 'the engine is busy' } }))
    await signIn(page, c.adminToken)
    const retry = (panel: string) => page.locator(`.panel.${panel} [role="alert"] button`)
    const focused = () => page.evaluate(() => `${document.activeElement?.closest('.panel')?.classList[1]} ${document.activeElement?.tagName}`)
    await poll(async () => (await page.locator('.panel.chart [role="alert"]').allTextContents()).join('')).toMatch(/the engine is busy \(HTTP 503\)/)
    // Failing again, the panel's new "Try again" has the focus.
    const first = (await retry('chart').elementHandle())!
    await first.focus()
    await page.keyboard.press('Enter')
    await poll(() => first.evaluate((b) => b.isConnected)).toBe(false)
    await poll(() => retry('chart').count()).toBe(1)
    expect(await focused()).toBe('chart BUTTON')

    // Loading this time, the panel keeps the focus on its heading.
    await poll(() => retry('vitals').count()).toBe(1)
    await retry('vitals').focus()
    await page.keyboard.press('Enter')
    await poll(() => page.locator('.vital[data-metric="lcp"]').count()).toBe(1)
    expect(await focused()).toBe('vitals H2')
    expect(problems.filter((p) => !/503/.test(p))).toEqual([])
    await page.context().close()
  })

  it('ends in an error, not in "Loading…", when an answer of status 200 has an unexpected shape', async () => {
    const { page } = await open('?period=7d')
    // The collector answers; the answers are changed on their way to the page.
    await page.route('**/api/stats/example.com/breakdown/page?*', (route) => route.fulfill({ status: 200, json: {} }))
    await page.route('**/api/stats/example.com/vitals?*', async (route) => {
      const res = await route.fetch()
      const { metrics: _gone, ...rest } = (await res.json()) as Record<string, unknown>
      expect(_gone).toBeInstanceOf(Array)
      await route.fulfill({ response: res, json: rest })
    })
    await page.route('**/api/stats/example.com/timeseries?*', async (route) => {
      const res = await route.fetch()
      await route.fulfill({ response: res, json: { ...((await res.json()) as object), points: null } })
    })
    await signIn(page, c.adminToken)
    await poll(() => card(page, 'visitors').textContent()).toBe('4')
    await poll(() => rowsOf(page, 'source')).toEqual({ Direct: 4 })
    for (const panel of ['.breakdown[data-group="page"]', '.vitals', '.chart', '.interactions']) {
      await poll(async () => (await page.locator(`.panel${panel} [role="alert"]`).allTextContents()).join('')).toMatch(/^Could not load .*: the answer was not in the expected shape/)
    }
    await poll(() => page.locator('.panel[aria-busy]').count()).toBe(0)
    expect(await page.getByText('Loading…').count()).toBe(0)
    await page.context().close()
  })

  it('has no accessibility violations that axe finds, in light and in dark mode', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      // axe is injected as an inline script, which the page's own policy rightly refuses.
      const { page } = await open('?period=7d&country=NL&table=1&pages=exit_page&sources=referrer&errors=img', { colorScheme, bypassCSP: true })
      const audit = async () => {
        await page.addScriptTag({ path: AXE })
        const result = await page.evaluate(() => (window as unknown as { axe: { run(): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe.run())
        return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
      }
      expect(await audit()).toEqual([])
      await signIn(page, c.adminToken)
      await poll(() => card(page, 'visitors').textContent()).toBe('2')
      await poll(() => page.locator('.panel[aria-busy]').count()).toBe(0)
      expect(await audit()).toEqual([])
      await page.context().close()
    }
    // Two audits of the whole dashboard, in two colour schemes, on a shared machine.
  })
})
