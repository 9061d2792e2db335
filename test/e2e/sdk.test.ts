import path from 'node:path'
import type { Browser, BrowserContext, Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inTurns, rows, startCollector, withDataDir, type Collector } from '../helpers/collector.ts'
import { launchChromium, testChromium } from './chromium.ts'
import { migratedDataDir } from '../helpers/migrated-data-dir.ts'

const SITE = '127.0.0.1'
type Row = Record<string, any>

/** Why the headless shell keeps no page in the back/forward cache, whatever the page does. */
const HEADLESS_SHELL_BFCACHE_REASONS = new Set(['BackForwardCacheDisabledForDelegate', 'BrowsingInstanceNotSwapped'])
/** How long a page may take to load or a condition to hold on a busy machine; each wait ends as soon as it holds. */
const DEADLINE_MS = 60_000
/** Pages driven at once: more only make each of them slower on a machine of two cores. */
const PAGES_AT_ONCE = 4
/** The collector has taken every beacon once its counts have not moved for this long. */
const QUIET_MS = 1500

/** Waits until `page` has fetched the after-load chunk, so every timing figure is being measured. */
const vitalsLoaded = (page: Page) => page.waitForResponse((r) => r.url().endsWith('/t.vitals.js'), { timeout: DEADLINE_MS })

describe('the browser SDK in Chromium, against the real collector and ClickHouse', () => {
  const dataDir = migratedDataDir()
  let c: Collector
  let browser: Browser
  const seen = {
    longTasks: [] as number[],
    scripts: [] as { url: string; ms: number }[],
    loafSupported: false,
    restoredFromCache: false,
    bfcacheBlockers: [] as { type: string; reason: string }[],
    retryStatuses: [] as (number | string)[],
    retryTimes: [] as number[],
    lostAnswer: [] as (number | string)[],
    strict: { errors: [] as string[] },
    manualRequests: [] as string[],
    gated: { localhost: [] as string[], automation: [] as string[], webdriver: false },
    largeBodies: [] as number[],
    optedOut: { dnt: [] as string[], gpc: [] as string[] },
    script: {} as Record<string, { status: number; headers: Headers; length: number }>,
    module: { errors: [] as string[] },
  }

  /** Everything the visitor of the main journey does, as a person would, in one tab. */
  async function journey(context: BrowserContext): Promise<void> {
    const page = await context.newPage()
    await page.addInitScript(() => {
      // Long animation frames name the scripts that ran in them, with their duration.
      const w = window as unknown as { longTasks: number[]; scripts: { url: string; ms: number }[] }
      w.longTasks = []
      w.scripts = []
      new PerformanceObserver((list) => w.longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask', buffered: true })
      new PerformanceObserver((list) => {
        for (const frame of list.getEntries() as unknown as { scripts: { sourceURL: string; duration: number }[] }[]) {
          for (const s of frame.scripts) w.scripts.push({ url: s.sourceURL, ms: s.duration })
        }
      }).observe({ type: 'long-animation-frame', buffered: true })
    })
    const loaded = vitalsLoaded(page)
    await page.goto(`${c.url}/test-pages/index.html?utm_source=e2e&email=jan%40example.nl#pricing`)
    await loaded
    await page.mouse.move(40, 40)
    await page.mouse.move(1000, 600, { steps: 12 })
    await page.click('#buy')
    await page.mouse.click(900, 500)
    await page.click('#email')
    await page.keyboard.type('typed secret')
    await page.evaluate(() => window.scrollTo(0, 1200))
    await page.waitForTimeout(150)
    await page.evaluate(() => window.scrollTo(0, 0))
    await page.evaluate(() => (window as unknown as { tellen: (n: string, p: object) => void }).tellen('signup', { plan: 'pro' }))
    await page.click('#next')
    await page.waitForURL(/spa\/step-2$/)
    await page.goBack()
    await page.waitForURL(/index\.html/)
    await page.click('#call')
    const download = page.waitForEvent('download')
    await page.click('#report')
    await download
    // A deliberately slow handler of the page itself proves that long frames are observed.
    await page.click('#busy')
    await page.waitForTimeout(100)
    ;({ longTasks: seen.longTasks, scripts: seen.scripts } = await page.evaluate(() => {
      const w = window as unknown as { longTasks: number[]; scripts: { url: string; ms: number }[] }
      return { longTasks: w.longTasks, scripts: w.scripts }
    }))
    seen.loafSupported = await page.evaluate(() => PerformanceObserver.supportedEntryTypes.includes('long-animation-frame'))

    // A link to another page of the site, and back from there by the page's own history.back().
    const second = vitalsLoaded(page)
    await page.click('#internal')
    await page.waitForURL(/second\.html$/)
    await second
    // Back is taken after the evaluation has returned: a browser that navigates at once (the headless
    // shell keeps no back/forward cache) would otherwise destroy the context it answers from.
    await page.evaluate(() => void setTimeout(() => history.back(), 0))
    await page.waitForURL(/index\.html/, { waitUntil: 'commit' })
    await page.waitForFunction(() => document.readyState === 'complete')

    // An outbound link, then back with the browser's button: the page comes out of the bfcache.
    // Where it does not, Chromium names the reasons.
    const cdp = await context.newCDPSession(page)
    cdp.on('Page.backForwardCacheNotUsed', (e) => seen.bfcacheBlockers.push(...e.notRestoredExplanations))
    await cdp.send('Page.enable')
    await page.evaluate(() => ((window as unknown as { marker: boolean }).marker = true))
    await page.click('#elsewhere')
    await page.waitForURL(/localhost/)
    await page.goBack({ waitUntil: 'commit' })
    await page.waitForFunction(() => document.readyState === 'complete')
    seen.restoredFromCache = await page.evaluate(() => (window as unknown as { marker?: boolean }).marker === true)

    await page.evaluate(() => location.reload())
    await page.waitForFunction(() => document.readyState === 'complete' && !(window as unknown as { marker?: boolean }).marker)
    await page.waitForTimeout(200)
    await page.close({ runBeforeUnload: true })
  }

  /**
   * A single-page application that routes by hash: a link to a route, a fragment and a history entry
   * the page sets itself, then the browser's Back button.
   */
  async function hashRouting(context: BrowserContext): Promise<void> {
    const page = await context.newPage()
    const loaded = vitalsLoaded(page)
    await page.goto(`${c.url}/test-pages/hash.html`)
    await loaded
    await page.click('#top')
    await page.click('#settings')
    await page.waitForURL(/#\/settings$/)
    await page.click('#profile')
    await page.waitForURL(/#\/profile$/)
    await page.click('#billing')
    await page.waitForURL(/#\/billing$/)
    await page.goBack()
    await page.waitForURL(/#\/profile$/)
    await page.close({ runBeforeUnload: true })
  }

  /** A router that sends its own page views, to an endpoint named in data-api, from a script loaded late. */
  async function manual(context: BrowserContext): Promise<void> {
    context.on('request', (r: Request) => seen.manualRequests.push(`${new URL(r.url()).host.split(':')[0]} ${new URL(r.url()).pathname}`))
    const page = await context.newPage()
    const loaded = vitalsLoaded(page)
    await page.goto(`${c.url}/test-pages/manual.html`)
    await loaded
    await page.click('#route')
    await page.evaluate(() => (window as unknown as { tellen: (n: string) => void }).tellen('pageview'))
    // Let the periodic flush send a batch with fetch, which the context sees (beacons it may not).
    await page.waitForTimeout(3500)
    await page.close({ runBeforeUnload: true })
  }

  /** Pages on localhost without data-allow-localhost, and under automation without data-allow-automation. */
  async function gated(context: BrowserContext): Promise<void> {
    const page = await context.newPage()
    for (const which of ['localhost', 'automation'] as const) {
      const onRequest = (r: Request) => seen.gated[which].push(new URL(r.url()).pathname)
      page.on('request', onRequest)
      await page.goto(`${c.url}/test-pages/no-${which}.html?utm_source=gated`)
      await page.waitForLoadState('load')
      await page.click('#buy')
      await page.waitForTimeout(3500)
      seen.gated.webdriver = await page.evaluate(() => navigator.webdriver)
      await page.goto('about:blank')
      page.off('request', onRequest)
    }
    await page.close()
  }

  /** Custom events far larger together than the 64 KiB a request may carry. */
  async function largeBatch(context: BrowserContext): Promise<void> {
    context.on('request', (r: Request) => {
      if (r.url().endsWith('/api/event')) seen.largeBodies.push(Buffer.byteLength(r.postData() ?? ''))
    })
    const page = await context.newPage()
    const loaded = vitalsLoaded(page)
    await page.goto(`${c.url}/test-pages/retry.html?utm_source=large`)
    await loaded
    await page.evaluate(() => {
      const props: Record<string, string> = {}
      for (let i = 0; i < 30; i++) props[`p${i}`] = 'é'.repeat(240)
      for (let n = 0; n < 12; n++) (window as unknown as { tellen: (n: string, p: object) => void }).tellen(`large-${n}`, props)
    })
    await page.waitForTimeout(3500)
    await page.close({ runBeforeUnload: true })
  }

  /** A form sent, and a mailto: link followed by closing the tab. */
  async function formAndMail(context: BrowserContext): Promise<void> {
    const page = await context.newPage()
    await page.goto(`${c.url}/test-pages/exits.html?utm_source=exits`)
    await page.waitForLoadState('load')
    const download = page.waitForEvent('download')
    await page.click('#brochure')
    await download
    await page.click('#send')
    await page.waitForURL(/other\.html/)
    await page.goto(`${c.url}/test-pages/exits.html?utm_source=exits`)
    await page.waitForLoadState('load')
    await page.click('#mail')
    await page.close({ runBeforeUnload: true })
  }

  /**
   * The collector answers the first batch with 503 and Retry-After, the next try finds it unreachable
   * and the one after meets a proxy's 502: the batch is kept through all three and sent again.
   */
  async function retry(context: BrowserContext): Promise<void> {
    let resent!: () => void
    const wasResent = new Promise<void>((resolve) => (resent = resolve))
    await context.route('**/api/event', async (route) => {
      const attempt = seen.retryStatuses.length
      seen.retryTimes.push(Date.now())
      if (attempt === 0) {
        seen.retryStatuses.push(503)
        return route.fulfill({ status: 503, headers: { 'retry-after': '1', 'content-type': 'application/json' }, body: '{"error":"full"}' })
      }
      if (attempt === 1) {
        seen.retryStatuses.push('unreachable')
        return route.abort('connectionreset')
      }
      if (attempt === 2) {
        seen.retryStatuses.push(502)
        return route.fulfill({ status: 502, body: 'Bad Gateway' })
      }
      seen.retryStatuses.push(0)
      await route.continue()
      resent()
    })
    const page = await context.newPage()
    await page.goto(`${c.url}/test-pages/retry.html?utm_source=retry`)
    await page.evaluate(() => (window as unknown as { tellen: (n: string) => void }).tellen('retry-check'))
    // The periodic flush runs every 3 s: the first batch meets the 503, a later one goes through.
    await wasResent
    await page.waitForTimeout(300)
    await page.close()
  }

  /**
   * The collector stores the first batch but its answer never reaches the page (the connection
   * drops, as on a train): the script sends the batch again, and the collector must not count it twice.
   */
  async function lostAnswer(context: BrowserContext): Promise<void> {
    let resent!: () => void
    const wasResent = new Promise<void>((resolve) => (resent = resolve))
    let attempts = 0
    await context.route('**/api/event', async (route) => {
      const first = attempts++ === 0
      // The collector's answer, read here; a busy machine may make it late, and a kept-alive connection
      // that the collector closed at that moment is tried again (ECONNRESET, seen on a busy machine).
      const res = await route.fetch({ timeout: DEADLINE_MS, maxRetries: 3 }).catch((err: Error) => err)
      seen.lostAnswer.push(res instanceof Error ? res.message : res.status())
      if (first || res instanceof Error) return route.abort('connectionreset')
      await route.fulfill({ response: res })
      resent()
    })
    const page = await context.newPage()
    await page.goto(`${c.url}/test-pages/retry.html?utm_source=lost-answer`)
    await page.evaluate(() => (window as unknown as { tellen: (n: string) => void }).tellen('lost-answer-check'))
    // The periodic flush sends the batch within 3 s and again 3 s after the lost answer.
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the batch was not sent again: ${JSON.stringify(seen.lostAnswer)}`)), DEADLINE_MS)))
    await Promise.race([wasResent, late]).finally(() => clearTimeout(timer))
    await page.close()
  }

  /** A page with a nonce-based Content-Security-Policy whose own script dispatches clicks on the document. */
  async function strict(context: BrowserContext): Promise<void> {
    const page = await context.newPage()
    page.on('pageerror', (err) => seen.strict.errors.push(err.message))
    const loaded = page.waitForResponse((r) => r.url().endsWith('/t.vitals.js'), { timeout: DEADLINE_MS })
    await page.goto(`${c.url}/test-pages/strict.html?utm_source=strict`)
    await loaded
    await page.waitForTimeout(300)
    await page.evaluate(() => {
      document.dispatchEvent(new MouseEvent('click', { bubbles: true }))
      window.dispatchEvent(new MouseEvent('click'))
      // A page view the page names itself, then a state-only history change: not a navigation.
      ;(window as unknown as { tellen: (n: string, p: unknown) => void }).tellen('pageview', { url: '/test-pages/checkout/step-2?utm_source=strict' })
      history.replaceState({ scrolled: 10 }, '')
    })
    await page.click('#tel')
    await page.close({ runBeforeUnload: true })
  }

  /** The script loaded as a module, which has no document.currentScript. */
  async function asModule(context: BrowserContext): Promise<void> {
    const page = await context.newPage()
    page.on('pageerror', (err) => seen.module.errors.push(err.message))
    // A script that did not run fetches no chunk: the checks below tell, not a timeout here.
    const loaded = page.waitForResponse((r) => r.url().endsWith('/t.vitals.js'), { timeout: DEADLINE_MS }).catch(() => undefined)
    await page.goto(`${c.url}/test-pages/module.html?utm_source=module`)
    await loaded
    await page.click('#buy')
    await page.close({ runBeforeUnload: true })
  }

  /** Large events queued as the page is left, together more than requests kept alive may carry. */
  async function largeAtUnload(context: BrowserContext): Promise<void> {
    const page = await context.newPage()
    await page.goto(`${c.url}/test-pages/unload.html?utm_source=unload`)
    await page.waitForLoadState('load')
    await page.goto(`${c.url}/test-pages/other.html`)
    await page.close()
  }

  /** A page whose old library put a toJSON on Array.prototype, as Prototype.js does. */
  async function prototypeJs(context: BrowserContext): Promise<void> {
    const page = await context.newPage()
    await page.goto(`${c.url}/test-pages/prototype.html?utm_source=prototype`)
    await page.waitForLoadState('load')
    await page.mouse.move(40, 40)
    await page.mouse.move(300, 200, { steps: 5 })
    await page.click('#buy')
    await page.close({ runBeforeUnload: true })
  }

  /** A visitor whose browser says "do not track" (DNT) or sends Global Privacy Control. */
  async function optedOut(context: BrowserContext, signal: 'dnt' | 'gpc'): Promise<void> {
    await context.addInitScript((s) => {
      if (s === 'dnt') Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' })
      else Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true })
    }, signal)
    context.on('request', (r: Request) => seen.optedOut[signal].push(new URL(r.url()).pathname))
    const page = await context.newPage()
    await page.goto(`${c.url}/test-pages/index.html?utm_source=${signal}`)
    await page.waitForLoadState('load')
    await page.mouse.move(500, 300, { steps: 5 })
    await page.click('#buy')
    await page.evaluate(() => (window as unknown as { tellen: (n: string) => void }).tellen('signup'))
    await page.click('#call')
    await page.waitForTimeout(3500)
    await page.click('#elsewhere')
    await page.waitForURL(/localhost/)
    await page.close({ runBeforeUnload: true })
  }

  beforeAll(async () => {
    c = await startCollector({ TELLEN_SITES: SITE, TELLEN_TEST_PAGES: path.join(import.meta.dirname, 'pages') }, dataDir)
    for (const name of ['t.js', 't.vitals.js']) {
      const res = await fetch(`${c.url}/${name}`)
      seen.script[name] = { status: res.status, headers: res.headers, length: (await res.arrayBuffer()).byteLength }
      const again = await fetch(`${c.url}/${name}`, { headers: { 'if-none-match': res.headers.get('etag')! } })
      seen.script[`${name} again`] = { status: again.status, headers: again.headers, length: (await again.arrayBuffer()).byteLength }
    }
    /** Each visitor in a browser context of its own, whose waits allow for a busy machine. */
    const inContext = (visit: (context: BrowserContext) => Promise<void>) => async () => {
      const context = await browser.newContext()
      context.setDefaultTimeout(DEADLINE_MS)
      context.setDefaultNavigationTimeout(DEADLINE_MS)
      await visit(context)
    }
    // Chromium itself for the journey, whose back/forward cache and long tasks are those of the
    // visitors' browser, and for the large events queued at unload, which its browser process sends.
    // The journey runs alone, so its long-task figures are not other pages' work.
    browser = await launchChromium()
    await inContext(journey)()
    await inContext(largeAtUnload)()
    await browser.close()
    // The rest in the headless shell where the system has one (this file took 59 s of CPU with the
    // browser for all, 36 s with the shell for all).
    browser = await launchChromium('shell')
    await inTurns(PAGES_AT_ONCE, [
      inContext(retry),
      inContext(lostAnswer),
      inContext(manual),
      inContext(gated),
      inContext(largeBatch),
      inContext(formAndMail),
      inContext(hashRouting),
      inContext((context) => optedOut(context, 'dnt')),
      inContext((context) => optedOut(context, 'gpc')),
      inContext(strict),
      inContext(prototypeJs),
      inContext(asModule),
    ])
    await browser.close()
    // Beacons sent while the last pages closed are on their way: wait until the collector's counts settle.
    await countsSettled()
    expect(await c.stop()).toBe(0)
  }, 10 * DEADLINE_MS)

  /** Resolves once the collector's counts of accepted and refused events have not changed for QUIET_MS. */
  async function countsSettled(): Promise<void> {
    const counts = async () => {
      const res = await fetch(`${c.url}/metrics`, { headers: { authorization: `Bearer ${c.adminToken}` } })
      return (await res.text()).split('\n').filter((line) => /^tellen_events_(accepted|rejected)_total/.test(line)).join('\n')
    }
    const deadline = Date.now() + DEADLINE_MS
    let last = await counts()
    let since = Date.now()
    while (Date.now() - since < QUIET_MS && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      const now = await counts()
      if (now !== last) [last, since] = [now, Date.now()]
    }
  }

  afterAll(async () => {
    await browser?.close()
    await c?.stop('SIGKILL')
  })

  const events = (where: string, params: Record<string, unknown> = {}) =>
    withDataDir(dataDir, (db) => rows<Row>(db, `SELECT * FROM tellen.events WHERE site = '127.0.0.1' AND ${where} ORDER BY ts`, params))
  const main = (where = '1') => events(`utm_source IN ('e2e', '') AND path NOT LIKE '/test-pages/hash%' AND path NOT LIKE '/test-pages/manual%' AND path != '/test-pages/retry.html' AND ${where}`)

  it('serves the core script and the after-load chunk with caching headers and a content hash', () => {
    for (const name of ['t.js', 't.vitals.js']) {
      const first = seen.script[name]!
      expect(first.status).toBe(200)
      expect(first.headers.get('content-type')).toMatch(/^text\/javascript/)
      expect(first.headers.get('cache-control')).toBe('public, max-age=3600')
      // A content hash, with the encoding when the body was compressed for the client.
      expect(first.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{22}(-gzip|-br)?"$/)
      const again = seen.script[`${name} again`]!
      expect(again.status).toBe(304)
      expect(again.length).toBe(0)
      expect(again.headers.get('etag')).toBe(first.headers.get('etag'))
      expect(again.headers.get('cache-control')).toBe('public, max-age=3600')
    }
    expect(seen.script['t.js']!.headers.get('etag')).not.toBe(seen.script['t.vitals.js']!.headers.get('etag'))
  })

  it('sends a page view on load with the allowed campaign parameter, screen, time zone and language', async () => {
    const [first] = await main(`type = 'pageview' AND path = '/test-pages/index.html'`)
    expect(first).toMatchObject({ hostname: '127.0.0.1', query: 'utm_source=e2e', utm_source: 'e2e', browser: 'Chrome', screen: 'laptop' })
    expect(first!.timezone).not.toBe('')
    expect(first!.language).toMatch(/^[a-z]{2}/)
  })

  it('keeps calls made before the script loaded, and sends custom events with their properties', async () => {
    const custom = await main(`type = 'custom'`)
    expect(custom.slice(0, 2).map((e) => [e.name, e.props])).toEqual([['early', { from: 'queue' }], ['signup', { plan: 'pro' }]])
    // Every fresh load of the page replays its queued call; a page restored from the cache does not.
    expect(custom.slice(2).every((e) => e.name === 'early')).toBe(true)
  })

  it('follows single-page navigation: a page view per route and a leave for the route that was left', async () => {
    const views = await main(`type IN ('pageview', 'leave')`)
    const sequence = views.map((e) => `${e.type} ${e.path}${e.name ? ` ${e.name}` : ''}`)
    expect(sequence.slice(0, 5)).toEqual([
      'pageview /test-pages/index.html',
      'leave /test-pages/index.html internal',
      'pageview /test-pages/spa/step-2',
      'leave /test-pages/spa/step-2 back_forward',
      'pageview /test-pages/index.html',
    ])
    // The referrer of a route is the route before it: an internal navigation, not a source.
    const [step2] = await main(`type = 'pageview' AND path = '/test-pages/spa/step-2'`)
    expect(step2).toMatchObject({ referrer_host: '' })
  })

  it('says how each page was left: internal link, back, outbound link with its host, reload, closed', async () => {
    const leaves = await main(`type = 'leave'`)
    expect(leaves.map((e) => [e.path, e.name, e.target])).toEqual([
      ['/test-pages/index.html', 'internal', ''],
      ['/test-pages/spa/step-2', 'back_forward', ''],
      ['/test-pages/index.html', 'internal', '127.0.0.1/test-pages/second.html'],
      ['/test-pages/second.html', 'back_forward', ''],
      ['/test-pages/index.html', 'outbound', 'localhost'],
      ['/test-pages/index.html', 'reload', ''],
      ['/test-pages/index.html', 'hidden', ''],
    ])
  })

  it('measures engaged time, the deepest scroll and mouse movement per grid cell, sent with the leave', async () => {
    const [first] = await main(`type = 'leave'`)
    expect(first!.value).toBeGreaterThan(0)
    expect(first!.value).toBeLessThan(60_000)
    expect(first!.scroll).toBeGreaterThanOrEqual(60)
    expect(first!.grid).toHaveLength(100)
    const moves = first!.grid as number[]
    expect(moves.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10)
    // The mouse went from (40, 40) to (1000, 600) on a page 1280 px wide and 3000 px high.
    expect(moves[0]).toBeGreaterThan(0)
    expect(moves.slice(30).every((n) => n === 0)).toBe(true)
  })

  it('sends clicks with an element descriptor and a grid cell, never text or input values', async () => {
    const clicks = await main(`type = 'click'`)
    expect(clicks.slice(0, 3).map((e) => [e.target, e.cell_x, e.cell_y])).toEqual([
      ['button#buy[cta]', 0, 0],
      ['main', 7, 1],
      ['input#email', 0, 0],
    ])
    const dump = JSON.stringify(await events('1'))
    for (const secret of ['secret', 'jan@example', 'jan%40', 'Buy now', 'pricing']) expect(dump).not.toContain(secret)
  })

  it('sends tel: clicks as calls, download links as downloads and failed resources as errors', async () => {
    expect((await main(`type = 'call'`)).map((e) => e.target)).toEqual(['+31201234567'])
    expect((await main(`type = 'download'`)).map((e) => e.target)).toEqual(['127.0.0.1/test-pages/files/report.pdf'])
    const errors = await main(`type = 'error'`)
    const kinds = Object.fromEntries(errors.map((e) => [e.target, e.name]))
    expect(kinds).toEqual({
      '127.0.0.1/test-pages/missing.png': 'img',
      '127.0.0.1/test-pages/missing.js': 'script',
      '127.0.0.1/test-pages/missing.css': 'css',
      '127.0.0.1/test-pages/missing.mp4': 'media',
    })
  })

  it('sends Navigation Timing and the Core Web Vitals of the page as loaded', async () => {
    const timings = await main(`type = 'timing' AND path = '/test-pages/index.html'`)
    const metrics = new Set(timings.map((e) => e.name))
    expect([...metrics].sort()).toEqual(['cls', 'dcl', 'fcp', 'inp', 'lcp', 'load', 'ttfb'])
    for (const t of timings) expect(t.value).toBeGreaterThanOrEqual(0)
    const [ttfb] = timings.filter((e) => e.name === 'ttfb')
    expect(ttfb!.value).toBeLessThan(10_000)
  })

  it('leaves the page eligible for the back/forward cache and counts the restored view', async () => {
    if (!(await testChromium('browser')).headlessShell) {
      expect(seen.restoredFromCache).toBe(true)
      expect(seen.bfcacheBlockers).toEqual([])
    } else {
      // A headless shell (the npm browser is one) keeps no page in the cache: its delegate
      // turns the cache off for every page. The page is loaded anew, and the reasons Chromium gives
      // are the shell's alone, none of the page's (an unload handler or an open connection would be named).
      expect(seen.restoredFromCache).toBe(false)
      expect(seen.bfcacheBlockers.map((b) => b.reason)).toContain('BackForwardCacheDisabledForDelegate')
      expect(seen.bfcacheBlockers.filter((b) => !HEADLESS_SHELL_BFCACHE_REASONS.has(b.reason))).toEqual([])
    }
    // Loaded, back from the SPA route, back from second.html, restored after the outbound link, reloaded.
    const views = await main(`type = 'pageview' AND path = '/test-pages/index.html'`)
    expect(views).toHaveLength(5)
  })

  it('has its scripts timed by the long-animation-frame observer that the main-thread bench relies on', () => {
    // The 50 ms target itself is measured by bench/sdk-main-thread.ts (BENCHMARKS.md): a test run
    // shares the cores with other test files, which can stretch any script past it.
    expect(seen.loafSupported).toBe(true)
    // The observer works: it saw the page's own 80 ms handler as a long task and as a script.
    expect(seen.longTasks.some((d) => d >= 80)).toBe(true)
    expect(seen.scripts.some((s) => s.url.includes('/test-pages/index.html') && s.ms >= 75)).toBe(true)
  })

  it('keeps hash routes as paths when the site routes by hash, and ignores plain anchors', async () => {
    const views = await events(`path LIKE '/test-pages/hash.html%' AND type = 'pageview'`)
    expect(views.map((e) => e.path)).toEqual(['', '#/settings', '#/profile', '#/billing', '#/profile'].map((route) => `/test-pages/hash.html${route}`))
  })

  it('reports back/forward only for the browser going back or forward, not for a fragment the page sets', async () => {
    const leaves = await events(`path LIKE '/test-pages/hash.html%' AND type = 'leave'`)
    expect(leaves.map((e) => [e.path.replace('/test-pages/hash.html', ''), e.name])).toEqual([
      ['', 'internal'],
      ['#/settings', 'internal'],
      ['#/profile', 'internal'],
      ['#/billing', 'back_forward'],
      ['#/profile', 'hidden'],
    ])
  })

  it('sends only the page views a router asks for, to the endpoint in data-api, even when loaded late', async () => {
    const views = await events(`path LIKE '/test-pages/manual%' AND type IN ('pageview', 'leave')`)
    expect(views.map((e) => `${e.type} ${e.path} ${e.name}`.trim())).toEqual([
      'pageview /test-pages/manual/first',
      'leave /test-pages/manual/first internal',
      'pageview /test-pages/manual/second',
      'leave /test-pages/manual/second hidden',
    ])
    const posts = seen.manualRequests.filter((r) => r.endsWith('/api/event'))
    expect(posts.length).toBeGreaterThan(0)
    expect(posts.every((r) => r.startsWith('localhost '))).toBe(true)
    expect(seen.manualRequests).toContain('127.0.0.1 /t.vitals.js')
    expect(await events(`path LIKE '/test-pages/manual%' AND type = 'timing'`)).not.toEqual([])
  })

  it('does not run on localhost or under automation unless the page allows it', async () => {
    expect(seen.gated.webdriver).toBe(true)
    for (const which of ['localhost', 'automation'] as const) {
      expect(seen.gated[which]).toContain('/t.js')
      expect(seen.gated[which].filter((p) => p === '/api/event' || p === '/t.vitals.js')).toEqual([])
    }
    expect(await events(`utm_source = 'gated'`)).toEqual([])
  })

  it('splits a batch larger than 64 KiB into requests under the limit and loses no event', async () => {
    expect(seen.largeBodies.length).toBeGreaterThanOrEqual(3)
    for (const size of seen.largeBodies) expect(size).toBeLessThanOrEqual(65_536)
    const large = await events(`utm_source = 'large' AND type = 'custom'`)
    expect(large.map((e) => e.name).sort()).toEqual(Array.from({ length: 12 }, (_, n) => `large-${n}`).sort())
    expect(large[0]!.props.p0).toBe('é'.repeat(240))
  })

  it('says when a page was left by a form or a mailto: link, and keeps no form contents', async () => {
    const leaves = await events(`utm_source = 'exits' AND type = 'leave'`)
    expect(leaves.map((e) => e.name)).toEqual(['form', 'mailto'])
    // A link to a file with a known extension is a download even without the download attribute.
    expect((await events(`utm_source = 'exits' AND type = 'download'`)).map((e) => e.target)).toEqual(['127.0.0.1/test-pages/files/brochure.zip'])
    expect(JSON.stringify(await events(`utm_source = 'exits'`))).not.toContain('private')
  })

  it('keeps a batch refused with 503, unreachable or failing at a proxy, and sends it again, waiting longer each time', async () => {
    expect(seen.retryStatuses.slice(0, 4)).toEqual([503, 'unreachable', 502, 0])
    // 3 s after the 503 (its Retry-After is shorter), then 6 s, then 12 s.
    const gaps = seen.retryTimes.slice(1, 4).map((t, i) => t - seen.retryTimes[i]!)
    expect(gaps[0]).toBeGreaterThanOrEqual(2900)
    expect(gaps[1]).toBeGreaterThanOrEqual(5900)
    expect(gaps[2]).toBeGreaterThanOrEqual(11_900)
    const custom = await events(`utm_source = 'retry' AND type = 'custom'`)
    expect(custom.map((e) => e.name)).toEqual(['retry-check'])
    expect(await events(`utm_source = 'retry' AND type = 'pageview'`)).toHaveLength(1)
  })

  it('counts a batch once when the collector stored it but the answer was lost and the script sent it again', async () => {
    // Stored the first time (202), then sent again with what came after it, and answered 202 again.
    expect(seen.lostAnswer.slice(0, 2)).toEqual([202, 202])
    expect(await events(`utm_source = 'lost-answer' AND type = 'pageview'`)).toHaveLength(1)
    expect((await events(`utm_source = 'lost-answer' AND type = 'custom'`)).map((e) => e.name)).toEqual(['lost-answer-check'])
  })

  it('loads its timing chunk under a nonce-based CSP and throws nothing into the page on synthetic clicks', async () => {
    expect(seen.strict.errors).toEqual([])
    const types = (await events(`utm_source = 'strict'`)).map((e) => e.type)
    expect(types).toContain('pageview')
    expect(types).toContain('timing')
    // Its own chunk was not refused, so no failed resource was reported.
    expect(types).not.toContain('error')
    const rows = await events(`utm_source = 'strict'`)
    // The synthetic clicks had no element; the telephone link's stray % did not stop its call event.
    expect(rows.filter((e) => e.type === 'click').map((e) => e.target)).toEqual(['a#tel'])
    expect(rows.filter((e) => e.type === 'call').map((e) => e.target)).toEqual(['0800100'])
    // One page view as loaded and the one the page sent; the state-only change made none.
    expect(rows.filter((e) => e.type === 'pageview').map((e) => e.path)).toEqual(['/test-pages/strict.html', '/test-pages/checkout/step-2'])
  })

  it('runs when loaded as a module, finding its own script tag', async () => {
    expect(seen.module.errors).toEqual([])
    const types = new Set((await events(`utm_source = 'module'`)).map((e) => e.type))
    expect([...types].sort()).toEqual(['click', 'leave', 'pageview', 'timing'])
  })

  it('sends as much as requests kept alive may carry as the page is left, in parts that fit', async () => {
    const rows = await events(`utm_source = 'unload'`)
    // Five events of about 15 KB and the leave: all but one large event fit in 64 KiB together.
    expect(rows.filter((e) => e.type === 'custom')).toHaveLength(4)
    expect(rows.filter((e) => e.type === 'leave').map((e) => e.name)).toEqual(['hidden'])
  })

  it('sends well-formed batches on a page that gave arrays a toJSON of its own', async () => {
    const rows = await events(`utm_source = 'prototype' AND type != 'timing'`)
    expect(rows.map((e) => e.type)).toEqual(['pageview', 'click', 'leave'])
    expect(rows[1]!.target).toBe('button#buy')
    expect(rows[2]!.grid).toHaveLength(100)
    expect((rows[2]!.grid as number[]).some((n) => n > 0)).toBe(true)
  })

  it('sends nothing at all and stores nothing when the browser sends Do Not Track', async () => {
    expect(seen.optedOut.dnt).toContain('/t.js')
    expect(seen.optedOut.dnt.filter((p) => p === '/api/event' || p === '/t.vitals.js')).toEqual([])
    expect(await events(`utm_source = 'dnt'`)).toEqual([])
  })

  it('sends nothing at all and stores nothing when the browser sends Global Privacy Control', async () => {
    expect(seen.optedOut.gpc).toContain('/t.js')
    expect(seen.optedOut.gpc.filter((p) => p === '/api/event' || p === '/t.vitals.js')).toEqual([])
    expect(await events(`utm_source = 'gpc'`)).toEqual([])
  })
})
