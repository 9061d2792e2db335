import { createRequire } from 'node:module'
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONDITION_DEADLINE_MS, postEvents, startCollector, UA, type Collector } from '../helpers/collector.ts'
import { CHROMIUM_ARGS, chromiumLaunchOptions } from './chromium.ts'

/** Visited before the test: three visitors see the home page, two go on to /pricing, one signs up. */
const SITE = 'example.com'
/** Registered but silent until a test sends its first pageview. */
const QUIET = 'quiet.test'

const VISITORS = [
  { ip: '145.14.1.1', pages: ['/', '/pricing'], signup: true },
  { ip: '145.14.1.2', pages: ['/', '/pricing'], signup: false },
  { ip: '8.8.8.8', pages: ['/'], signup: false },
] as const

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: CONDITION_DEADLINE_MS, interval: 100 })

describe('the start page and the analyst views in Chromium against the real collector', () => {
  let c: Collector
  let browser: Browser
  /** Launched while the events are written; closed after the tests even when writing them failed. */
  let launched: Promise<Browser> | undefined
  const auth = () => ({ authorization: `Bearer ${c.adminToken}` })

  beforeAll(async () => {
    c = await startCollector({ TELLEN_SITES: `${SITE},${QUIET}`, TRUST_PROXY: '1', TELLEN_VISITS_INTERVAL_MS: '200' })
    launched = chromiumLaunchOptions({ args: CHROMIUM_ARGS }).then((options) => chromium.launch(options))
    const start = Date.now() - 120_000
    for (const [i, v] of VISITORS.entries()) {
      const events: Record<string, unknown>[] = v.pages.map((p, j) => ({ type: 'pageview', url: `https://${SITE}${p}`, ts: start + i * 1000 + j * 10_000 }))
      if (v.signup) events.push({ type: 'custom', url: `https://${SITE}/pricing`, ts: start + i * 1000 + 15_000, name: 'signup', props: { plan: 'pro' } })
      events.push(
        { type: 'error', url: `https://${SITE}/`, ts: start + i * 1000 + 500, kind: 'img', resource: `https://${SITE}/hero.webp` },
        { type: 'download', url: `https://${SITE}/`, ts: start + i * 1000 + 600, resource: `https://${SITE}/files/whitepaper.pdf` },
      )
      const res = await postEvents(c.url, { v: 1, site: SITE, events }, { 'x-forwarded-for': v.ip, 'user-agent': UA.firefoxWindows })
      expect(res.status).toBe(202)
    }
    // A crawler is kept out of the statistics and counted in the security view.
    const bot = await postEvents(c.url, { v: 1, site: SITE, events: [{ type: 'pageview', url: `https://${SITE}/`, ts: start }] }, { 'x-forwarded-for': '66.249.66.1', 'user-agent': UA.googlebot })
    expect(bot.status).toBe(202)
    const deadline = Date.now() + CONDITION_DEADLINE_MS
    for (;;) {
      const r = await fetch(`${c.url}/api/stats/${SITE}/overview`, { headers: auth() })
      const body = (await r.json()) as { current?: { pageviews: number; visits: number } }
      if (body.current?.pageviews === 5 && body.current.visits === 3) break
      if (Date.now() > deadline) throw new Error(`the posted events did not show up: ${JSON.stringify(body)}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    browser = await launched
  })

  afterAll(async () => {
    await (await launched?.catch(() => undefined))?.close()
    await c?.stop()
  })

  /**
   * A fresh context (its own sessionStorage) on a page of the collector, recording page errors; with
   * reduced motion unless `options` say otherwise (the live dot's pulses cost the headless shell
   * 100 ms of CPU a second, see the dashboard's tests).
   */
  async function open(path: string, options: BrowserContextOptions = {}): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, reducedMotion: 'reduce', ...options })
    const page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))
    await page.goto(`${c.url}${path}`)
    return { page, problems }
  }
  const signIn = async (page: Page) => {
    await page.getByLabel('Token').fill(c.adminToken)
    await page.getByRole('button', { name: 'Open the dashboard' }).click()
  }
  /** The violations axe finds on the page (axe is injected inline, so the context bypasses the page's policy). */
  const axe = async (page: Page) => {
    await page.addScriptTag({ path: AXE })
    const result = await page.evaluate(() => (window as unknown as { axe: { run(): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe.run())
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  }

  it('answers / with a page, not a JSON error, that says what Tellen is and how the collector is', async () => {
    const res = await fetch(`${c.url}/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/)
    const { page, problems } = await open('/')
    await poll(() => page.locator('#health').textContent()).toMatch(/^Running and ready/)
    expect(await page.getByRole('link', { name: 'Open the dashboard' }).getAttribute('href')).toBe('/dashboard')
    expect(await page.getByLabel('Admin token').count()).toBe(1)
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('shows the admin each site with its snippet, waiting for the first event until it arrives, and adds and removes sites', async () => {
    const { page, problems } = await open('/', { bypassCSP: true })
    expect(await axe(page)).toEqual([])
    await page.getByLabel('Admin token').fill(c.adminToken)
    await page.getByRole('button', { name: 'Show the sites' }).click()
    const quiet = page.locator(`.site[data-site="${QUIET}"]`)
    await poll(() => quiet.locator('.arrival').textContent()).toBe('Waiting for the first event')
    expect(await quiet.locator('.snippet code').textContent()).toBe(`<script defer src="${c.url}/t.js" data-site="${QUIET}"></script>`)
    expect(await page.locator(`.site[data-site="${SITE}"] .arrival`).textContent()).toMatch(/^Receiving events since \d{4}-\d{2}-\d{2} \d{2}:00 UTC$/)
    // Sites of TELLEN_SITES are not removed here; a site added here is.
    expect(await quiet.getByRole('button', { name: /Remove/ }).count()).toBe(0)
    expect(await axe(page)).toEqual([])

    await page.getByLabel('Domain').fill('Added.Example')
    await page.getByLabel('Time zone').fill('Europe/Amsterdam')
    await page.getByRole('button', { name: 'Add site' }).click()
    const added = page.locator('.site[data-site="added.example"]')
    await poll(() => added.locator('.arrival').textContent()).toBe('Waiting for the first event')
    expect(await added.locator('.help').first().textContent()).toMatch(/Time zone Europe\/Amsterdam/)
    await page.getByLabel('Domain').fill('not a domain')
    await page.getByRole('button', { name: 'Add site' }).click()
    await poll(() => page.locator('.add-site .form-status').textContent()).toMatch(/not added: "not a domain" is not a domain name \(HTTP 400\)/)
    page.once('dialog', (d) => void d.accept())
    await added.getByRole('button', { name: 'Remove added.example' }).click()
    await poll(() => added.count()).toBe(0)

    // The first pageview of the quiet site turns "waiting" into "receiving", without a reload.
    const first = await postEvents(c.url, { v: 1, site: QUIET, events: [{ type: 'pageview', url: `https://${QUIET}/`, ts: Date.now() }] }, { 'x-forwarded-for': '145.14.2.1' })
    expect(first.status).toBe(202)
    await poll(() => quiet.locator('.arrival').textContent()).toMatch(/^Receiving events since/)
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('keeps failed resources apart from downloads, and shows bots in the security panel', async () => {
    const { page, problems } = await open(`/dashboard?site=${SITE}&period=7d`)
    await signIn(page)
    const failed = page.locator('.panel.errors tbody tr')
    await poll(() => failed.count()).toBe(1)
    expect(await failed.first().textContent()).toMatch(/example\.com\/hero\.webpImage\/3/)
    expect(await page.locator('.panel.errors thead').textContent()).toMatch(/Failures/)
    await poll(() => page.locator('.panel.downloads tbody tr').first().textContent()).toMatch(/whitepaper\.pdf\/3/)
    await poll(() => page.locator('.security [data-reason="bot"] .reason-head').textContent()).toBe('Bots and crawlers1')
    expect(await page.locator('.security .networks').textContent()).toMatch(/66\.249\.66\.0\/24/)
    // Nothing was refused for Do Not Track: no line says "0 requests".
    expect(await page.locator('.honoured').isHidden()).toBe(true)
    // The legend of values under the cursor shows while hovering the chart only.
    await page.mouse.move(0, 0)
    expect(await page.locator('.u-legend').evaluate((el) => getComputedStyle(el).visibility)).toBe('hidden')
    await page.locator('.chart .plot').hover()
    expect(await page.locator('.u-legend').evaluate((el) => getComputedStyle(el).visibility)).toBe('visible')
    expect(await page.locator('#help-retention').textContent()).toMatch(/no retention cohorts.*privacy choice/)
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('compares today with the same hours of yesterday and draws no hour still to come', async () => {
    const { page, problems } = await open(`/dashboard?site=${SITE}&period=today&table=1`)
    await signIn(page)
    await poll(() => page.locator('.overview .compared').textContent()).toMatch(/^Changes compare today with yesterday, until \d{2}:59\.$/)
    const buckets = await page.locator('.chart .data-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-bucket')!))
    const hourNow = new Date().toISOString().slice(0, 13).replace('T', ' ')
    expect(buckets.length).toBeGreaterThan(0)
    expect(buckets.every((b) => b.slice(0, 13) <= hourNow)).toBe(true)
    expect(buckets.at(-1)!.slice(0, 13)).toBe(hourNow)
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('defines a goal in the dashboard and shows its conversions in the panel and the breakdowns', async () => {
    const { page, problems } = await open(`/dashboard?site=${SITE}&period=7d`, { bypassCSP: true })
    await signIn(page)
    await page.getByLabel('Name').fill('Signed up')
    await page.getByLabel('Counts').selectOption('event')
    await page.getByLabel('Event name').fill('signup')
    await page.getByRole('button', { name: 'Add goal' }).click()
    const row = page.locator('.goals-table tbody tr', { hasText: 'Signed up' })
    await poll(() => row.locator('td').first().textContent()).toBe('1')
    expect(await row.locator('[data-column="conversion_rate"]').textContent()).toBe('33%')
    await row.getByRole('button', { name: /^Signed up/ }).click()
    await poll(() => new URL(page.url()).searchParams.get('goal')).not.toBeNull()
    await poll(() => page.locator('table.rows[data-dimension="page"] thead').textContent()).toMatch(/Conv\. rate/)
    await poll(() => page.locator('.panel[aria-busy]').count()).toBe(0)
    expect(await axe(page)).toEqual([])
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('keeps the text of panels that are loading as readable as when they are loaded', async () => {
    const { page, problems } = await open(`/dashboard?site=${SITE}&period=7d`, { bypassCSP: true })
    // Answers are held back until axe has looked at the panels waiting for them.
    let release = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    await page.route(/\/api\/stats\/[^/]+\//, async (route) => {
      await held
      await route.continue()
    })
    await signIn(page)
    await poll(() => page.locator('.panel[aria-busy]').count()).toBeGreaterThan(5)
    expect(await axe(page)).toEqual([])
    release()
    await poll(() => page.locator('.panel[aria-busy]').count()).toBe(0)
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('keeps the funnel steps being written while another choice draws the dashboard again, until the URL\'s steps change', async () => {
    const { page, problems } = await open(`/dashboard?site=${SITE}&period=7d`)
    await signIn(page)
    const steps = () => page.locator('.steps input').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value))
    await poll(steps).toEqual(['/', '/pricing'])
    await page.getByRole('button', { name: 'Add a step' }).click()
    await page.getByLabel('Step 3', { exact: true }).fill('event:signup')
    await page.getByLabel('Range').selectOption('90d')
    await poll(() => new URL(page.url()).searchParams.get('period')).toBe('90d')
    await poll(() => page.locator('.panel[aria-busy]').count()).toBe(0)
    expect(await steps()).toEqual(['/', '/pricing', 'event:signup'])
    // Back to the URL with other steps (none: the starter): the builder shows them.
    await page.getByLabel('Step 1', { exact: true }).fill('/docs')
    await page.getByRole('button', { name: 'Show funnel' }).click()
    await poll(() => new URL(page.url()).searchParams.get('funnel')).toBe('/docs,/pricing,event:signup')
    await page.goBack()
    await poll(() => new URL(page.url()).searchParams.get('funnel')).toBe(null)
    await poll(steps).toEqual(['/', '/pricing'])
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('keeps the funnel builder\'s steps in the URL, from two up to eight, and shows them again after a reload', async () => {
    const { page, problems } = await open(`/dashboard?site=${SITE}&period=7d`, { bypassCSP: true })
    await signIn(page)
    await poll(() => page.locator('.steps input').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value))).toEqual(['/', '/pricing'])
    // Two steps cannot be removed; eight cannot be added to.
    expect(await page.locator('.steps .remove-step:visible').count()).toBe(0)
    for (let n = 3; n <= 8; n++) await page.getByRole('button', { name: 'Add a step' }).click()
    await poll(() => page.getByRole('button', { name: 'Add a step' }).isHidden()).toBe(true)
    await page.getByRole('button', { name: 'Remove step 8' }).click()
    await page.getByRole('button', { name: 'Remove step 7' }).click()
    await page.getByRole('button', { name: 'Remove step 6' }).click()
    await page.getByRole('button', { name: 'Remove step 5' }).click()
    await page.getByRole('button', { name: 'Remove step 4' }).click()
    await page.getByLabel('Step 3', { exact: true }).fill('event:signup')
    await page.getByRole('button', { name: 'Show funnel' }).click()
    await poll(() => new URL(page.url()).searchParams.get('funnel')).toBe('/,/pricing,event:signup')
    await page.reload()
    await poll(() => page.locator('.steps input').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value))).toEqual(['/', '/pricing', 'event:signup'])
    await poll(() => page.locator('.panel[aria-busy]').count()).toBe(0)
    expect(await axe(page)).toEqual([])
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('builds a funnel in the dashboard, draws it, and says why a bad definition is refused', async () => {
    const { page, problems } = await open(`/dashboard?site=${SITE}&period=7d`, { bypassCSP: true })
    await signIn(page)
    await page.getByLabel('Step 1', { exact: true }).fill('/')
    await page.getByLabel('Step 2', { exact: true }).fill('/pricing')
    await page.getByRole('button', { name: 'Add a step' }).click()
    await page.getByLabel('Step 3', { exact: true }).fill('event:signup')
    await page.getByRole('button', { name: 'Show funnel' }).click()
    await poll(() => new URL(page.url()).searchParams.get('funnel')).toBe('/,/pricing,event:signup')
    const steps = page.locator('.funnel-chart .funnel-step')
    await poll(() => steps.count()).toBe(3)
    expect(await steps.locator('.funnel-visitors').allTextContents()).toEqual(['3 visitors', '2 visitors', '1 visitor'])
    expect(await steps.nth(2).locator('[data-column="conversion_rate"]').textContent()).toBe('33% of step 1')
    // The bars are as long as the share of the first step.
    const widths = await steps.locator('.funnel-bar').evaluateAll((bars) => bars.map((b) => getComputedStyle(b).getPropertyValue('--share')))
    expect(widths.map(Number)).toEqual([1, 2 / 3, 1 / 3])
    expect(await axe(page)).toEqual([])

    await page.getByLabel('Step 2', { exact: true }).fill('')
    await page.getByRole('button', { name: 'Show funnel' }).click()
    await poll(() => page.locator('.funnel-error').textContent()).toMatch(/^The funnel was refused: .*step/)
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('shows where visitors of a page came from and went next', async () => {
    const { page, problems } = await open(`/dashboard?site=${SITE}&period=7d&journey=%2Fpricing`)
    await signIn(page)
    const previous = page.locator('.journeys .journey-side').first()
    await poll(() => previous.locator('li[data-value="/"] .num').textContent()).toBe('2')
    expect(await page.locator('#journey-page').inputValue()).toBe('/pricing')
    expect(await page.locator('.journeys .source').isHidden()).toBe(true)
    // Over more days than the events are kept, the panel says which days its answer covers.
    await page.goto(`${c.url}/dashboard?site=${SITE}&period=90d&journey=%2Fpricing`)
    await poll(() => page.locator('.journeys .source').textContent()).toMatch(/^Covers .+ only: this panel reads the detailed events, which are kept for fewer days than asked\.$/)
    await poll(() => previous.locator('li[data-value="/"] .num').textContent()).toBe('2')
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('downloads a panel as CSV', async () => {
    const { page, problems } = await open(`/dashboard?site=${SITE}&period=7d`)
    await signIn(page)
    await poll(() => page.locator('table.rows[data-dimension="page"] tbody tr').count()).toBe(2)
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download pages as CSV' }).click(),
    ])
    expect(download.suggestedFilename()).toBe(`${SITE}-page.csv`)
    const text = await new Response(await download.createReadStream() as unknown as ReadableStream).text()
    expect(text.split('\n')[0]).toMatch(/visitors/)
    expect(text).toMatch(/\/pricing/)
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('opens a read token given in the fragment as a read-only view, and takes it out of the address', async () => {
    const created = await fetch(`${c.url}/api/admin/tokens`, {
      method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'read', site: SITE }),
    }).then((r) => r.json() as Promise<{ token: string }>)
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } })
    const page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))
    const requests: string[] = []
    page.on('request', (r) => requests.push(r.url()))
    await page.goto(`${c.url}/dashboard/?site=${SITE}#share=${created.token}`)
    await poll(() => page.locator('.card[data-metric="visitors"] .card-value').textContent()).toBe('3')
    expect(new URL(page.url()).hash).toBe('')
    expect(await page.getByLabel('Token').count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Forget token' }).count()).toBe(0)
    expect(await page.getByRole('link', { name: 'Sites and snippets' }).count()).toBe(0)
    expect(await page.locator('.shared-badge').textContent()).toBe('Shared view · read only')
    expect(await page.locator('.goal-editor').isHidden()).toBe(true)
    expect(await page.locator('.panel.shares').count()).toBe(0)
    expect(requests.some((u) => u.includes(created.token))).toBe(false)
    // The tab keeps the view through a reload; another tab of the same browser does not get it.
    await page.reload()
    await poll(() => page.locator('.card[data-metric="visitors"] .card-value').textContent()).toBe('3')
    const other = await context.newPage()
    await other.goto(`${c.url}/dashboard`)
    await poll(() => other.getByLabel('Token').count()).toBe(1)

    // A secret that is not (or no longer) valid says so, without a token prompt.
    const stale = await (await browser.newContext()).newPage()
    await stale.goto(`${c.url}/dashboard?site=${SITE}#share=not-a-valid-secret`)
    await poll(() => stale.locator('[role="alert"]').textContent()).toMatch(/^This shared link does not open: /)
    expect(await stale.getByLabel('Token').count()).toBe(0)
    expect(problems).toEqual([])
    await stale.context().close()
    await context.close()
  })

  it('opens a shared link read-only in a fresh browser, without the secret in the address, until it is revoked', async () => {
    const { page, problems } = await open(`/dashboard?site=${SITE}&period=7d`, { bypassCSP: true })
    await signIn(page)
    await page.getByRole('button', { name: 'Create a shared link' }).click()
    const link = await (async () => {
      await poll(() => page.locator('#share-url').count()).toBe(1)
      return page.locator('#share-url').inputValue()
    })()
    expect(link).toMatch(new RegExp(`/dashboard/?\\?site=${SITE.replace('.', '\\.')}#share=.+`))
    expect(await axe(page)).toEqual([])

    const guest = await browser.newContext({ viewport: { width: 390, height: 844 } })
    const shared = await guest.newPage()
    const requests: string[] = []
    shared.on('request', (r) => requests.push(r.url()))
    await shared.goto(link)
    await poll(() => shared.locator('.card[data-metric="visitors"] .card-value').textContent()).toBe('3')
    expect(await shared.getByLabel('Token').count()).toBe(0)
    expect(await shared.getByRole('button', { name: 'Forget token' }).count()).toBe(0)
    expect(await shared.locator('.shared-badge').textContent()).toBe('Shared view · read only')
    expect(await shared.locator('.goal-editor').isHidden()).toBe(true)
    expect(await shared.locator('.panel.shares').count()).toBe(0)
    expect(new URL(shared.url()).hash).toBe('')
    const secret = new URL(link).hash.slice('#share='.length)
    expect(requests.some((u) => u.includes(secret))).toBe(false)

    await page.locator('.share-list').getByRole('button', { name: /Revoke/ }).first().click()
    await poll(() => page.locator('.share-list tbody tr').count()).toBe(0)
    const late = await (await browser.newContext()).newPage()
    await late.goto(link)
    await poll(() => late.locator('[role="alert"]').textContent()).toMatch(/This shared link does not open/)
    expect(await late.getByLabel('Token').count()).toBe(0)
    expect(problems).toEqual([])
    await guest.close()
    await late.context().close()
    await page.context().close()
  })
})
