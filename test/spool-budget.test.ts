import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startClickHouseHttp, type ClickHouseHttp } from './helpers/clickhouse-http.ts'
import { CONDITION_DEADLINE_MS, postEvents, startCollector, tempDataDir, type Collector } from './helpers/collector.ts'

const SITE = 'budget.test'
const MB = 1024 * 1024
const batch = (tag: string, n: number) => ({ v: 1, site: SITE, events: Array.from({ length: n }, (_, i) => ({ type: 'pageview', url: `https://${SITE}/${tag}/${i}` })) })
/** Bytes of the segment files of each spool (the quarantine is not part of a spool). */
const spoolBytes = (dataDir: string) => {
  const bytes: Record<string, number> = {}
  for (const name of fs.readdirSync(path.join(dataDir, 'spool'))) {
    const dir = path.join(dataDir, 'spool', name)
    bytes[name] = fs.readdirSync(dir).filter((f) => f.endsWith('.seg')).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0)
  }
  return bytes
}

describe('TELLEN_SPOOL_MAX_MB', () => {
  let ch: ClickHouseHttp
  let c: Collector
  beforeAll(async () => {
    ch = await startClickHouseHttp(tempDataDir('tellen-ch-'))
    c = await startCollector({ TELLEN_SITES: SITE, CLICKHOUSE_URL: ch.url, TELLEN_SPOOL_MAX_MB: '1', TRUST_PROXY: '1', TELLEN_RATE_LIMIT_PER_MINUTE: '0' })
  })
  afterAll(async () => {
    await c?.stop('SIGKILL')
    await ch?.stop()
  })

  it('bounds the three spools together while ClickHouse is away', async () => {
    await ch.kill()
    // Refused requests from thousands of networks and requests that opted out: their counts wait
    // in their own spools, one row per network and second.
    for (let second = 0; second < 3; second++) {
      await Promise.all(Array.from({ length: 8 }, async (_, worker) => {
        for (let i = worker; i < 1024; i += 8) await postEvents(c.url, '{not json', { 'x-forwarded-for': `10.${i >> 8}.${i & 255}.1` })
      }))
      await postEvents(c.url, batch('opted-out', 1), { 'sec-gpc': '1' })
      await new Promise((r) => setTimeout(r, 1100))
    }
    let refused: Awaited<ReturnType<typeof postEvents>> | undefined
    for (let i = 0; i < 400 && !refused; i++) {
      const res = await postEvents(c.url, batch(`during-${i}`, 50))
      if (res.status !== 202) refused = res
    }
    expect(refused?.status).toBe(503)
    // The counts reach their spools when their writers flush (every second), later on a busy machine.
    await expect.poll(() => spoolBytes(c.dataDir), { timeout: CONDITION_DEADLINE_MS, interval: 250 })
      .toMatchObject({ rejections: expect.toSatisfy((n: number) => n > 0.02 * MB), honoured: expect.toSatisfy((n: number) => n > 0) })

    const bytes = spoolBytes(c.dataDir)
    const total = Object.values(bytes).reduce((a, b) => a + b, 0)
    expect(total).toBeLessThanOrEqual(1 * MB)
    // The events have the most of it; the counts of refused requests took much of their sixteenth.
    expect(bytes.events).toBeGreaterThan(0.8 * MB)
    expect(bytes.events).toBeLessThanOrEqual(MB - 2 * (MB / 16))
    expect(bytes.rejections).toBeGreaterThan(0.02 * MB)
    expect(bytes.rejections).toBeLessThanOrEqual(MB / 16)
    expect(bytes.honoured).toBeGreaterThan(0)
    const ready = await fetch(`${c.url}/readyz`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({ spool: 'full', spoolMaxBytes: MB - 2 * (MB / 16) })
  })
})
