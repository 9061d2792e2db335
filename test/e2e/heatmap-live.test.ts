import fs from 'node:fs'
import { createRequire } from 'node:module'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HEATMAP_FRAME_NAME, PAGE_SIZE_REQUEST } from '../../collector/src/protocol.ts'
import { CONDITION_DEADLINE_MS, postEvents, startCollector, type Collector } from '../helpers/collector.ts'
import { startPageServer, type PageServer } from '../helpers/page-server.ts'
import { CHROMIUM_ARGS, chromiumLaunchOptions } from './chromium.ts'

/** The site, served over https by its own test server, which Chromium and the collector reach at 127.0.0.1. */
const SHOP = 'shop.test'
/** Another site, which frames the shop's page under the heatmap frame's name and asks its height. */
const EVIL = 'evil.test'
/** How tall the test pages are, and where their call to action sits (in page pixels, at 1,280 wide). */
const PAGE_HEIGHT = 3000
const CTA = { left: 384, top: 2400, width: 128, height: 300 }
/** The click grid cell of the call to action: column 4, row 9 (0-based 3 and 8). */
const CTA_CELL = { cx: 3, cy: 8 }

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: CONDITION_DEADLINE_MS, interval: 100 })

/** A page of the shop with Tellen's script from the collector, 3,000 pixels tall. */
const shopPage = (collector: string, title: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<script defer src="${collector}/t.js" data-site="${SHOP}" data-allow-automation></script>
<style>body, h1 { margin: 0; } body { font: 16px sans-serif; } main { position: relative; height: ${PAGE_HEIGHT}px; }
#cta { position: absolute; left: ${CTA.left}px; top: ${CTA.top}px; width: ${CTA.width}px; height: ${CTA.height}px; background: #2563eb; }</style>
</head><body><main><h1>${title}</h1><a id="cta" href="/signup">Sign up</a></main></body></html>`

describe('heatmaps over the live page in Chromium', () => {
  let c: Collector
  let site: PageServer
  let browser: Browser
  const pages: Record<string, { headers?: Record<string, string>; body?: string }> = {}

  beforeAll(async () => {
    site = await startPageServer([SHOP, EVIL], pages)
    const resolve = `--host-resolver-rules=MAP ${SHOP} 127.0.0.1:${site.port}, MAP ${EVIL} 127.0.0.1:${site.port}`
    const launched = chromiumLaunchOptions({ args: [...CHROMIUM_ARGS, resolve] }).then((o) => chromium.launch(o))
    c = await startCollector({ TELLEN_SITES: SHOP, TELLEN_TEST_PAGE_SERVER: site.pinned, NODE_EXTRA_CA_CERTS: site.certFile })
    pages['/landing'] = { headers: { 'content-security-policy': `frame-ancestors 'self' ${c.url}` }, body: shopPage(c.url, 'Landing') }
    pages['/denied'] = { headers: { 'x-frame-options': 'DENY' }, body: shopPage(c.url, 'Denied') }
    pages['/anyone'] = { body: shopPage(c.url, 'Open to any frame') }
    pages['/embed'] = {
      body: `<!doctype html><html lang="en"><head><title>Embed</title></head><body>
<iframe name="${HEATMAP_FRAME_NAME}" src="https://${SHOP}/anyone" width="1280" height="800"></iframe>
<script>window.answers = []; addEventListener('message', (e) => answers.push(e.data));
const frame = document.querySelector('iframe');
frame.onload = () => setInterval(() => frame.contentWindow.postMessage('${PAGE_SIZE_REQUEST}', '*'), 100)</script></body></html>`,
    }
    // Two visitors on each page: both click the call to action; one moves the mouse over it.
    const now = Date.now() - 60_000
    for (const [i, path] of ['/landing', '/landing', '/denied'].entries()) {
      const url = `https://${SHOP}${path}`
      const grid = Array.from({ length: 100 }, (_, cell) => (cell === CTA_CELL.cy * 10 + CTA_CELL.cx ? 7 : cell === 0 ? 1 : 0))
      const events = [
        { type: 'pageview', url, ts: now + i },
        { type: 'click', url, ts: now + i + 1000, el: 'a#cta', ...CTA_CELL },
        { type: 'leave', url, ts: now + i + 5000, exit: 'hidden', engaged: 4000, scroll: 90, grid },
      ]
      expect((await postEvents(c.url, { v: 1, site: SHOP, events }, { 'x-forwarded-for': `145.14.4.${i + 1}` })).status).toBe(202)
    }
    const deadline = Date.now() + 30_000
    for (;;) {
      const r = await fetch(`${c.url}/api/stats/${SHOP}/overview`, { headers: { authorization: `Bearer ${c.adminToken}` } })
      const body = (await r.json()) as { current?: { pageviews: number } }
      if (body.current?.pageviews === 3) break
      if (Date.now() > deadline) throw new Error(`the posted events did not show up: ${JSON.stringify(body)}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    browser = await launched
  })

  afterAll(async () => {
    await browser?.close()
    await c?.stop()
    await site?.close()
  })

  /** The dashboard on the interactions of a page, over the live page, signed in, in a fresh context. */
  async function openHeatmap(path: string): Promise<{ page: Page; problems: string[]; events: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, ignoreHTTPSErrors: true })
    const page = await context.newPage()
    const problems: string[] = []
    const events: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))
    context.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/event') events.push(r.url())
    })
    await page.goto(`${c.url}/dashboard?site=${SHOP}&heatmap=${encodeURIComponent(path)}&overlay=1`)
    await page.getByLabel('Token').fill(c.adminToken)
    await page.getByRole('button', { name: 'Open the dashboard' }).click()
    await page.locator('.interactions').scrollIntoViewIfNeeded()
    return { page, problems, events }
  }

  /**
   * The violations axe finds in the interactions panel, evaluated through the DevTools protocol so the
   * dashboard keeps its policy; the page in the frame is the site's, not the dashboard's.
   */
  const axe = async (page: Page) => {
    await page.evaluate(AXE)
    const result = await page.evaluate(() =>
      (window as unknown as { axe: { run(context: string, options: object): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe.run('.panel.interactions', { iframes: false }))
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  }

  it('draws the grids over the live page in a frame as tall as the page, where the page allows it', async () => {
    const { page, problems, events } = await openHeatmap('/landing')
    const note = page.locator('.interactions .heat-note')
    await poll(() => note.textContent()).toBe(`The live page as it is now, 1,280 pixels wide and ${PAGE_HEIGHT.toLocaleString('en')} tall. Nothing of it is recorded.`)

    const frames = page.locator('.interactions .grid.live iframe')
    expect(await frames.count()).toBe(2)
    const frame = frames.first()
    expect(await frame.getAttribute('src')).toBe(`https://${SHOP}/landing`)
    expect(await frame.getAttribute('name')).toBe(HEATMAP_FRAME_NAME)
    expect(await frame.getAttribute('sandbox')).toBe('allow-scripts allow-same-origin')
    // Each frame is sized when its page answers, which a busy machine can delay past the note's.
    for (const f of [frame, frames.last()]) await poll(() => f.evaluate((el: HTMLIFrameElement) => [el.clientWidth, el.clientHeight])).toEqual([1280, PAGE_HEIGHT])
    // The page itself is in the frame.
    const live = page.frames().find((f) => f.url() === `https://${SHOP}/landing`)!
    expect(await live.locator('h1').first().textContent()).toBe('Landing')

    // The grid covers the scaled page exactly, so each cell lies over the part of the page it counts.
    const grid = page.locator('.interactions .heat.clicks .grid')
    const gridBox = (await grid.boundingBox())!
    const frameBox = (await frame.boundingBox())!
    expect(Math.abs(frameBox.width - gridBox.width)).toBeLessThan(2)
    expect(Math.abs(frameBox.height - gridBox.height)).toBeLessThan(2)
    expect(gridBox.height / gridBox.width).toBeCloseTo(PAGE_HEIGHT / 1280, 2)
    const hot = grid.locator('.cell').nth(CTA_CELL.cy * 10 + CTA_CELL.cx)
    expect(await hot.getAttribute('data-count')).toBe('2')
    const cellBox = (await hot.boundingBox())!
    const scale = frameBox.width / 1280
    const ctaCentre = { x: frameBox.x + (CTA.left + CTA.width / 2) * scale, y: frameBox.y + (CTA.top + CTA.height / 2) * scale }
    expect(ctaCentre.x).toBeGreaterThan(cellBox.x)
    expect(ctaCentre.x).toBeLessThan(cellBox.x + cellBox.width)
    expect(ctaCentre.y).toBeGreaterThan(cellBox.y)
    expect(ctaCentre.y).toBeLessThan(cellBox.y + cellBox.height)

    expect(await axe(page)).toEqual([])
    // Tellen's script on the page told its height but tracks nothing there: it installed no API, and a
    // page hide, on which a tracking script sends at once, sends nothing.
    expect(await live.evaluate(() => typeof (window as { tellen?: unknown }).tellen)).toBe('undefined')
    const sent = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/event', { timeout: 3000 }).then(() => true, () => false)
    await live.evaluate(() => dispatchEvent(new PageTransitionEvent('pagehide')))
    expect(await sent).toBe(false)
    expect(events).toEqual([])
    expect(problems).toEqual([])
    await page.context().close()
  })

  it('keeps the neutral frame and says why when the page does not allow being shown', async () => {
    const { page, problems } = await openHeatmap('/denied')
    const note = page.locator('.interactions .heat-note')
    await poll(() => note.textContent()).toBe('This page does not allow being shown in the dashboard: X-Frame-Options DENY. The grids are drawn over a neutral frame.')
    expect(await page.locator('.interactions iframe').count()).toBe(0)
    const grid = page.locator('.interactions .heat.clicks .grid')
    expect(await grid.getAttribute('class')).toBe('grid')
    expect(await grid.locator('.cell').nth(CTA_CELL.cy * 10 + CTA_CELL.cx).getAttribute('data-count')).toBe('1')
    expect(await axe(page)).toEqual([])
    expect(problems).toEqual([])
    await page.context().close()
  })

  it("tells the page's height to no one but the dashboard: another site framing it under the same name hears nothing", async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true })
    const page = await context.newPage()
    const chunk = page.waitForResponse((r) => r.url() === `${c.url}/t.vitals.js`)
    await page.goto(`https://${EVIL}/embed`)
    await chunk
    // The page asks ten times a second; Tellen's script there has loaded its chunk and would answer at once.
    await page.waitForTimeout(1000)
    expect(await page.evaluate(() => (window as unknown as { answers: unknown[] }).answers)).toEqual([])
    await context.close()
  })
})
