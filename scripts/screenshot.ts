/**
 * Writes docs/img/dashboard.png, the picture of the dashboard in the README: a collector on a
 * temporary data directory, filled with `tellen demo` traffic, shown in the browser the tests use.
 *
 * @example
 * npm run screenshot
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadConfig } from '../collector/src/config.ts'
import { createLogger } from '../collector/src/log.ts'
import { startServer } from '../collector/src/server.ts'
import { launchChromium } from '../test/e2e/chromium.ts'

const SITE = 'demo.local'
const DEMO = { site: SITE, days: 90, events: 200_000 }
const OUT = path.join(import.meta.dirname, '..', 'docs', 'img', 'dashboard.png')
const VIEWPORT = { width: 1280, height: 1000 }
const DRAWN_TIMEOUT_MS = 60_000

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-screenshot-'))
const config = loadConfig({ ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', TELLEN_SITES: SITE, TELLEN_ADMIN_TOKEN: '', CLICKHOUSE_URL: '' })
const server = await startServer(config, createLogger('warn'))
try {
  const token = server.services.adminToken
  const res = await fetch(`${server.url}/api/admin/demo`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(DEMO) })
  const progress = await res.text()
  if (!res.ok || !progress.includes('"done":true')) throw new Error(`the demo did not finish: ${res.status} ${progress.slice(-200)}`)

  const browser = await launchChromium()
  try {
    const page = await browser.newPage({ viewport: VIEWPORT })
    await page.goto(`${server.url}/dashboard?site=${SITE}&period=90d`)
    await page.getByLabel('Token').fill(token)
    await page.getByRole('button', { name: 'Open the dashboard' }).click()
    await page.locator('.card[data-metric="visitors"] .card-value').filter({ hasText: /\d/ }).waitFor({ timeout: DRAWN_TIMEOUT_MS })
    await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0, undefined, { timeout: DRAWN_TIMEOUT_MS })
    fs.mkdirSync(path.dirname(OUT), { recursive: true })
    await page.screenshot({ path: OUT })
    console.log(`wrote ${path.relative(process.cwd(), OUT)}`)
  } finally {
    await browser.close()
  }
} finally {
  await server.close()
  // The embedded engine may still be removing its own parts for a moment after it closes.
  fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 })
}
