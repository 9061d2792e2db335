import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONDITION_DEADLINE_MS, postEvents, startCollector, tempDataDir, UA, type Collector } from './helpers/collector.ts'
import { tellen } from './helpers/programs.ts'


const SITE = 'example.com'
const VISITORS = 12
const today = new Date().toISOString().slice(0, 10)
let c: Collector | undefined

beforeAll(async () => {
  c = await startCollector({ TELLEN_SITES: SITE, TRUST_PROXY: '1', TELLEN_RATE_LIMIT_PER_MINUTE: '0' })
  // Twelve visitors (twelve addresses), one pageview each; three of them twice.
  for (let i = 0; i < VISITORS; i++) {
    const body = { v: 1, site: SITE, tz: 'UTC', lang: 'en-US', sw: 1280, events: [{ type: 'pageview', url: `https://${SITE}/` }] }
    for (let n = 0; n < (i < 3 ? 2 : 1); n++) expect((await postEvents(c.url, body, { 'x-forwarded-for': `145.14.1.${20 + i}`, 'user-agent': UA.chromeMac })).status).toBe(202)
  }
  // Written within the flush interval: wait until the rollups hold every visitor.
  for (const deadline = Date.now() + CONDITION_DEADLINE_MS; Date.now() < deadline; ) {
    const res = await fetch(`${c.url}/api/export/${SITE}?dimensions=&metrics=visitors&format=ndjson`, { headers: { authorization: `Bearer ${c.adminToken}` } })
    if ((await res.text()) === `{"visitors":${VISITORS}}\n`) break
    await new Promise((r) => setTimeout(r, 100))
  }
})
afterAll(async () => {
  await c?.stop()
})

describe('tellen export', () => {
  it('writes the export of the running server to a file, and says what was left out', async () => {
    const env = { TELLEN_URL: c!.url, TELLEN_ADMIN_TOKEN: c!.adminToken, DATA_DIR: tempDataDir() }
    const out = path.join(tempDataDir(), 'export.csv')
    const r = await tellen(['export', '--site', SITE, '--from', today, '--to', today, '--dimensions', 'day,page', '--out', out], env)
    expect(r.err).toBe('exported 1 rows; 0 rows of fewer than k visitors on any one day left out\n')
    expect(r.code).toBe(0)
    expect(fs.readFileSync(out, 'utf8')).toBe(`"day","page","visitors","pageviews"\r\n"${today}","/",${VISITORS},${VISITORS + 3}\r\n`)
    const higher = await tellen(['export', '--site', SITE, '--from', today, '--to', today, '--format', 'ndjson', '--k', String(VISITORS + 1)], env)
    expect(higher.out).toBe('')
    expect(higher.err).toBe('exported 0 rows; 1 rows of fewer than k visitors on any one day left out\n')
  })

  it('fails with one clear line on a bad parameter', async () => {
    const env = { TELLEN_URL: c!.url, TELLEN_ADMIN_TOKEN: c!.adminToken, DATA_DIR: tempDataDir() }
    const r = await tellen(['export', '--site', SITE, '--k', '3'], env)
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/^tellen: .*answered 400: k must be at least 10: no export may describe fewer visitors in a row\n$/)
  })

  it('defines, lists and removes datasets, scopes partner tokens to them, and reads the audit of downloads', async () => {
    const env = { TELLEN_URL: c!.url, TELLEN_ADMIN_TOKEN: c!.adminToken, DATA_DIR: tempDataDir() }
    const defined = await tellen(['exports', 'define', '--site', SITE, '--name', 'daily', '--dimensions', 'country,device', '--epsilon', '1.5'], env)
    expect(defined.err).toBe('')
    expect(defined.out).toMatch(/^defined example\.com +daily +day +epsilon 1\.5 +dimensions country,device +metrics visitors,pageviews +visitors ±\d+ \(95%\) +rows of 16\+ visitors\n/)
    expect(defined.out).toContain(`${SITE}: epsilon 1.5 of 4 spent on each day\n`)
    const over = await tellen(['exports', 'define', '--site', SITE, '--name', 'more', '--epsilon', '3'], env)
    expect(over.code).toBe(1)
    expect(over.err).toMatch(/^tellen: .*answered 400: epsilon: defining "more" with epsilon 3 would bring the epsilon spent on each day of example\.com to 4\.5, past the budget of 4 \(TELLEN_EXPORT_EPSILON_BUDGET\)/)

    const created = await tellen(['tokens', 'create', '--kind', 'partner', '--site', SITE, '--datasets', 'daily'], env)
    expect(created.out).toMatch(/^created partner token (\w+) for example\.com \(datasets daily\); it is shown only now:\n/)
    const [, id] = /token (\w+)/.exec(created.out)!
    const token = /^tln_\S+$/m.exec(created.out)![0]
    const day = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10)
    const res = await fetch(`${c!.url}/api/export/${SITE}/daily?from=${day}&to=${day}&format=csv`, { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('"period","country","device","visitors","pageviews"\r\n')
    expect((await tellen(['exports', 'log'], env)).out).toMatch(new RegExp(`^20\\S+ \\S+  ${id} +example\\.com +daily +${day}\\.\\.${day}  0 rows\\n$`))

    expect((await tellen(['exports', 'remove', '--site', SITE, '--name', 'daily'], env)).out).toBe(`removed daily of ${SITE}\n`)
    expect((await fetch(`${c!.url}/api/export/${SITE}/daily?from=${day}&to=${day}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404)
    // Released once, it keeps its epsilon on the ledger.
    expect((await tellen(['exports', 'list', '--site', SITE], env)).out).toBe(`no datasets\n${SITE}: epsilon 1.5 of 4 spent on each day\n`)
  })

  it('exports from DATA_DIR when no server runs', async () => {
    await c!.stop()
    const env = { DATA_DIR: c!.dataDir, PORT: '1', TELLEN_SITES: SITE }
    const r = await tellen(['export', '--site', SITE, '--from', today, '--to', today, '--dimensions', 'browser', '--metrics', 'visitors', '--format', 'ndjson'], env)
    expect(r.err).toBe('exported 1 rows; 0 rows of fewer than k visitors on any one day left out\n')
    expect(r.out).toBe(`{"browser":"Chrome","visitors":${VISITORS}}\n`)
    const bad = await tellen(['export', '--site', SITE, '--dimensions', 'planet'], env)
    expect(bad.code).toBe(1)
    expect(bad.err).toMatch(/^tellen: dimensions: unknown dimension "planet"/)
    const defined = await tellen(['exports', 'define', '--site', SITE, '--name', 'weekly', '--period', 'week', '--metrics', 'visitors'], env)
    expect(defined.out).toMatch(/^defined example\.com +weekly +week +epsilon 2 +dimensions \(none\) +metrics visitors /)
    const wrong = await tellen(['exports', 'define', '--site', SITE, '--name', 'x', '--period', 'year'], env)
    expect(wrong.err).toBe('tellen: period: must be one of day, week, month\n')
  })
})
