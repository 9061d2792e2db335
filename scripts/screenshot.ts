/**
 * `npm run screenshot`: starts a collector on a temporary DATA_DIR, fills `demo.local` with two months of
 * demo traffic (the dashboard shows the last 30 days against the 30 before), and photographs the start page and the dashboard in Chromium, wide (1400 px) and on a
 * phone (390 px), into docs/img/. The browser is found as the browser tests find it (test/e2e/chromium.ts), SCREENSHOT_EVENTS for more traffic.
 * @example npm run screenshot
 */
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../test/e2e/chromium.ts'
import { ROOT, startCollector } from '../test/helpers/collector.ts'

const SITE = 'demo.local'
const DAYS = 60
const EVENTS = Number(process.env.SCREENSHOT_EVENTS ?? 150_000)
const OUT = path.join(ROOT, 'docs/img')
const WIDE = { width: 1400, height: 900 }
const PHONE = { width: 390, height: 844 }

const collector = await startCollector({ TELLEN_VISITS_INTERVAL_MS: '2000' })
let browser: Browser | undefined
try {
  const auth = { authorization: `Bearer ${collector.adminToken}`, 'content-type': 'application/json' }
  process.stdout.write(`demo traffic: ${EVENTS} events over ${DAYS} days on ${SITE}…\n`)
  const res = await fetch(`${collector.url}/api/admin/demo`, { method: 'POST', headers: auth, body: JSON.stringify({ site: SITE, days: DAYS, events: EVENTS }) })
  const log = await res.text()
  if (!res.ok || !log.includes('"done":true')) throw new Error(`the demo failed: ${res.status} ${log.slice(-300)}`)
  // Goals and a funnel, where the collector answers them.
  for (const goal of [{ site: SITE, name: 'Signed up', event: 'signup' }, { site: SITE, name: 'Saw pricing', page: '/pricing' }]) {
    await fetch(`${collector.url}/api/admin/goals`, { method: 'POST', headers: auth, body: JSON.stringify(goal) })
  }

  browser = await launchChromium()
  const shoot = async (name: string, viewport: { width: number; height: number }, url: string, signIn: boolean) => {
    const context = await browser!.newContext({ viewport, deviceScaleFactor: 1, colorScheme: 'light' })
    const page = await context.newPage()
    await page.goto(`${collector.url}${url}`)
    if (signIn) {
      await page.getByLabel('Token').fill(collector.adminToken)
      await page.getByRole('button', { name: 'Open the dashboard' }).click()
      await page.locator('.card').first().waitFor()
    } else {
      await page.getByLabel('Admin token').fill(collector.adminToken)
      await page.getByRole('button', { name: 'Show the sites' }).click()
      await page.locator('.site').first().waitFor()
    }
    await page.waitForFunction(() => document.querySelectorAll('.panel[aria-busy]').length === 0, undefined, { timeout: 60_000 })
    // No cursor over the chart: its legend of hovered values stays hidden.
    await page.mouse.move(0, 0)
    await page.waitForTimeout(500)
    const file = path.join(OUT, `${name}.png`)
    await page.screenshot({ path: file, fullPage: true })
    process.stdout.write(`${path.relative(ROOT, file)}\n`)
    await context.close()
  }
  const view = `/dashboard?site=${SITE}&funnel=${encodeURIComponent('/,/pricing,event:signup')}`
  await shoot('dashboard', WIDE, view, true)
  await shoot('dashboard-phone', PHONE, view, true)
  await shoot('start-page', WIDE, '/', false)
} finally {
  await browser?.close()
  await collector.stop()
}
