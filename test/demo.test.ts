import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { rows, startCollector, tempDataDir, withDataDir, type Collector } from './helpers/collector.ts'
import { programArgs } from './helpers/programs.ts'

const run = promisify(execFile)
const tellen = (args: string[], env: Record<string, string>) =>
  run(process.execPath, [...programArgs('cli'), ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } })

let c: Collector | undefined
afterAll(async () => {
  await c?.stop()
})

describe('tellen demo', () => {
  it('fills DATA_DIR with every event kind, visits and a registered site when no server runs', async () => {
    const dataDir = tempDataDir()
    const { stdout } = await tellen(['demo', '--site', 'demo.local', '--days', '14', '--events', '20000'], { DATA_DIR: dataDir, PORT: '1' })
    const [, events] = /(\d+) events in \d+ requests for demo\.local over 14 days/.exec(stdout)!
    expect(Number(events)).toBeGreaterThan(18_000)
    await withDataDir(dataDir, async (db) => {
      const kinds = await rows<{ type: string }>(db, `SELECT DISTINCT type FROM tellen.visit_events WHERE site = 'demo.local' UNION DISTINCT SELECT DISTINCT type FROM tellen.events WHERE site = 'demo.local'`)
      expect(kinds.map((k) => k.type).sort()).toEqual(['call', 'click', 'custom', 'download', 'error', 'leave', 'pageview', 'timing'])
      const days = await rows<{ d: number; weekend: number; weekday: number }>(db, `
        SELECT uniqExact(toDate(hour)) AS d,
               sumIf(pageviews, toDayOfWeek(hour) >= 6) / countDistinctIf(toDate(hour), toDayOfWeek(hour) >= 6) AS weekend,
               sumIf(pageviews, toDayOfWeek(hour) < 6) / countDistinctIf(toDate(hour), toDayOfWeek(hour) < 6) AS weekday
        FROM tellen.rollup_site WHERE site = 'demo.local'`)
      expect(days[0]!.d).toBeGreaterThanOrEqual(13)
      expect(days[0]!.weekend).toBeLessThan(days[0]!.weekday)
      const countries = await rows<{ n: number }>(db, `SELECT uniqExact(country) AS n FROM tellen.rollup_locations WHERE site = 'demo.local'`)
      expect(countries[0]!.n).toBeGreaterThanOrEqual(8)
      const visits = await rows<{ n: number }>(db, `SELECT count() AS n FROM tellen.rollup_visits FINAL WHERE site = 'demo.local'`)
      expect(visits[0]!.n).toBeGreaterThan(1000)
      const site = await rows<{ domain: string }>(db, `SELECT domain FROM tellen.sites`)
      expect(site).toEqual([{ domain: 'demo.local' }])
    })
  })

  it('goes through the running server, whose stats API then shows the site', async () => {
    c = await startCollector({ TELLEN_SITES: 'example.com' })
    const env = { TELLEN_URL: c.url, TELLEN_ADMIN_TOKEN: c.adminToken, DATA_DIR: tempDataDir() }
    const { stdout } = await tellen(['demo', '--site', 'demo.local', '--days', '3', '--events', '3000'], env)
    expect(stdout).toMatch(/events in \d+ requests for demo\.local over 3 days/)
    const res = await fetch(`${c.url}/api/stats/demo.local/overview`, { headers: { authorization: `Bearer ${c.adminToken}` } })
    const body = (await res.json()) as { current: { visits: number; pageviews: number } }
    expect(res.status).toBe(200)
    expect(body.current.pageviews).toBeGreaterThan(100)
    expect(body.current.visits).toBeGreaterThan(50)
    const bad = await fetch(`${c.url}/api/admin/demo`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ site: 'demo.local', days: 0, events: 10 }),
    })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ error: 'days must be at least 1' })
  })
})
