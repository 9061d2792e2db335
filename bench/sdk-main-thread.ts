/**
 * Main-thread time of the browser script on a test page in Chromium, from the browser's own trace:
 * every script evaluation, compile, function call, timer and event handler slice on the page's main
 * thread that runs code of `/t.js` or `/t.vitals.js`, overlapping slices merged, per page view.
 *
 *   npm run bench -- sdk-main-thread
 */
import path from 'node:path'
import type { Page } from 'playwright-core'
import { launchChromium } from '../test/e2e/chromium.ts'
import { ROOT, startCollector } from '../test/helpers/collector.ts'
import { benchMain, progress, type BenchResult } from './lib/harness.ts'

const VIEWS = Number(process.env.BENCH_VIEWS ?? 15)
const SDK_SCRIPTS = /\/t(\.vitals)?\.js(\?|$)/

interface TraceEvent {
  name: string
  ph: string
  ts: number
  dur?: number
  pid: number
  tid: number
  args?: { name?: string; data?: { url?: string; scriptName?: string; stackTrace?: { url?: string }[] } }
}

/** Milliseconds of main-thread time spent in SDK code in one trace, and the longest single stretch. */
export function sdkMainThread(events: TraceEvent[]): { totalMs: number; longestMs: number } {
  // Chromium may keep a spare renderer: every renderer main thread counts, only SDK code is kept.
  const mains = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}/${e.tid}`))
  if (mains.size === 0) throw new Error('the trace has no renderer main thread')
  const spans: [number, number][] = []
  for (const e of events) {
    if (!mains.has(`${e.pid}/${e.tid}`) || e.ph !== 'X' || !e.dur) continue
    const url = e.args?.data?.url ?? e.args?.data?.scriptName ?? e.args?.data?.stackTrace?.[0]?.url ?? ''
    if (SDK_SCRIPTS.test(url)) spans.push([e.ts, e.ts + e.dur])
  }
  spans.sort((a, b) => a[0] - b[0])
  let total = 0
  let longest = 0
  let current: [number, number] | undefined
  for (const s of spans) {
    if (current && s[0] <= current[1]) current[1] = Math.max(current[1], s[1])
    else {
      if (current) {
        total += current[1] - current[0]
        longest = Math.max(longest, current[1] - current[0])
      }
      current = [...s]
    }
  }
  if (current) {
    total += current[1] - current[0]
    longest = Math.max(longest, current[1] - current[0])
  }
  return { totalMs: total / 1000, longestMs: longest / 1000 }
}

/** A visit the SDK sees all of: load, the after-load chunk, scrolling, mouse movement, clicks, leaving. */
async function visit(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'load' })
  await page.waitForResponse((r) => r.url().includes('/t.vitals.js'), { timeout: 5000 }).catch(() => undefined)
  for (let y = 0; y < 6; y++) {
    await page.mouse.move(40 + y * 30, 60 + y * 40, { steps: 8 })
    await page.mouse.wheel(0, 400)
  }
  await page.click('#buy')
  await page.waitForTimeout(300)
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')))
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

async function measureSdkMainThread(): Promise<BenchResult> {
  const collector = await startCollector({ TELLEN_SITES: '127.0.0.1', TELLEN_TEST_PAGES: path.join(ROOT, 'test/e2e/pages')})
  const browser = await launchChromium()
  const totals: number[] = []
  const longest: number[] = []
  try {
    for (let i = 0; i <= VIEWS; i++) {
      const context = await browser.newContext()
      const page = await context.newPage()
      await browser.startTracing(page, { categories: ['devtools.timeline', 'v8.execute', 'disabled-by-default-devtools.timeline'] })
      await visit(page, `${collector.url}/test-pages/index.html`)
      const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] }
      await context.close()
      if (i === 0) continue // the first view warms Chromium's caches
      const r = sdkMainThread(trace.traceEvents)
      totals.push(r.totalMs)
      longest.push(r.longestMs)
      progress(`view ${i}: ${r.totalMs.toFixed(2)} ms in SDK code, longest ${r.longestMs.toFixed(2)} ms`)
    }
  } finally {
    await browser.close()
    await collector.stop()
  }
  totals.sort((a, b) => a - b)
  longest.sort((a, b) => a - b)
  const median = percentile(totals, 50)
  const markdown = [
    '## Browser script main-thread time',
    '',
    `**${median.toFixed(1)} ms** of main-thread time per page view in the SDK's code (median of ${VIEWS} views; p95 ${percentile(totals, 95).toFixed(1)} ms),`,
    `its longest single stretch ${percentile(longest, 50).toFixed(1)} ms (median; max ${longest.at(-1)!.toFixed(1)} ms), against the 50 ms of a long task.`,
    '',
    '- Page: `test/e2e/pages/index.html` served by the collector; each view loads it in a new context of',
    '  headless Chromium (Debian), waits for `/t.vitals.js`, moves the mouse, scrolls six times, clicks a',
    '  button and fires `visibilitychange`, as a short real visit does.',
    '- Measured from Chromium\'s trace (`devtools.timeline`, `v8.execute`): every slice on the page\'s main',
    '  thread that evaluates, compiles or calls code of `/t.js` or `/t.vitals.js` (web-vitals included),',
    '  overlapping slices merged. The first view is a warm-up and not counted. Tracing itself slows every',
    '  slice it records, so these figures are an upper bound.',
    `- Command: \`npm run bench -- sdk-main-thread\` (\`BENCH_VIEWS\` views, default 15).`,
  ].join('\n')
  return {
    id: 'sdk-main-thread',
    title: 'Browser script main-thread time',
    headline: `${median.toFixed(1)} ms per page view (median), longest stretch ${percentile(longest, 50).toFixed(1)} ms`,
    markdown,
    data: { totals, longest },
  }
}

await benchMain(import.meta.url, measureSdkMainThread)
