import fs from 'node:fs'
import { chromium } from 'playwright-core'
import { startCollector, postEvents } from '../test/helpers/collector.ts'
import { CHROMIUM_ARGS, chromiumLaunchOptions } from '../test/e2e/chromium.ts'

const chromeCpu = () => {
  let t = 0
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8')
      if (!cmd.includes('chromium')) continue
      const st = fs.readFileSync(`/proc/${p}/stat`, 'utf8'); const r = st.slice(st.lastIndexOf(')') + 2).split(' ')
      t += Number(r[11]) + Number(r[12])
    } catch {}
  }
  return t * 10
}
const procCpu = (pid: number) => { const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); const r = st.slice(st.lastIndexOf(')') + 2).split(' '); return (Number(r[11]) + Number(r[12])) * 10 }
const c = await startCollector({ TELLEN_SITES: 'example.com' })
await postEvents(c.url, { v: 1, site: 'example.com', events: [{ type: 'pageview', url: 'https://example.com/', ts: Date.now() - 5000 }] }, {})
const browser = await chromium.launch(await chromiumLaunchOptions({ args: CHROMIUM_ARGS }))
for (const reducedMotion of ['no-preference', 'reduce', 'no-preference'] as const) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion })
  const page = await context.newPage()
  await page.goto(`${c.url}/dashboard`)
  await page.getByLabel('Token').fill(c.adminToken)
  await page.getByRole('button', { name: 'Open the dashboard' }).click()
  await page.waitForTimeout(4000)
  const a = chromeCpu(), ca = procCpu(c.process.pid!)
  await page.waitForTimeout(10000)
  console.log(reducedMotion, 'chromium ms/s', (chromeCpu() - a) / 10, 'collector ms/s', (procCpu(c.process.pid!) - ca) / 10)
  await context.close()
}
await browser.close()
await c.stop()
