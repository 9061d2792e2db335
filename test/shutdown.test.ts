import { afterAll, describe, expect, it } from 'vitest'
import { startClickHouseHttp, type ClickHouseHttp } from './helpers/clickhouse-http.ts'
import { CONDITION_DEADLINE_MS, postEvents, rows, startCollector, tempDataDir, withDataDir, type Collector } from './helpers/collector.ts'
import { createClient } from '@clickhouse/client'

const SITE = 'shutdown.test'
const batch = (tag: string, n: number) => ({
  v: 1, site: SITE, events: Array.from({ length: n }, (_, i) => ({ type: 'pageview', url: `https://${SITE}/${tag}/${i}`, ts: Date.now() })),
})

describe('graceful shutdown', () => {
  const collectors: Collector[] = []
  let ch: ClickHouseHttp | undefined
  afterAll(async () => {
    for (const c of collectors) await c.stop('SIGKILL')
    await ch?.stop()
  })

  it('writes what is buffered and exits 0 on SIGTERM, quickly', async () => {
    const dataDir = tempDataDir()
    // A flush interval of a minute, the longest there is, and a shutdown timeout of ten: nothing would
    // be inserted before shutdown on its own, and a stop that waited for either would take a minute.
    const flushIntervalMs = 60_000
    const c = await startCollector({ TELLEN_SITES: SITE, TELLEN_FLUSH_INTERVAL_MS: String(flushIntervalMs), TELLEN_SHUTDOWN_TIMEOUT_MS: '600000' }, dataDir)
    collectors.push(c)
    for (let i = 0; i < 5; i++) expect((await postEvents(c.url, batch(`b${i}`, 20))).status).toBe(202)
    const started = Date.now()
    expect(await c.stop('SIGTERM')).toBe(0)
    expect(Date.now() - started).toBeLessThan(flushIntervalMs)
    const [r] = await withDataDir(dataDir, (db) => rows<{ n: number }>(db, `SELECT toUInt32(count()) AS n FROM tellen.events WHERE site = {s:String}`, { s: SITE }))
    expect(r!.n).toBe(100)
  })

  it('stops within TELLEN_SHUTDOWN_TIMEOUT_MS while ClickHouse is away, keeping the events for the next start', async () => {
    ch = await startClickHouseHttp(tempDataDir('tellen-ch-'))
    const dataDir = tempDataDir()
    const env = { TELLEN_SITES: SITE, CLICKHOUSE_URL: ch.url, TELLEN_SHUTDOWN_TIMEOUT_MS: '1500' }
    const c = await startCollector(env, dataDir)
    collectors.push(c)
    await ch.kill()
    expect((await postEvents(c.url, batch('kept', 30))).status).toBe(202)
    // Exit code 0: it gave up on the rows by itself at its timeout; past it by a second, main.ts exits 1.
    expect(await c.stop('SIGTERM')).toBe(0)
    expect(c.output()).toMatch(/rows not written after \d+ ms; they stay in the spool/)

    await ch.restart()
    const again = await startCollector(env, dataDir)
    collectors.push(again)
    const db = createClient({ url: ch.url })
    try {
      const end = Date.now() + CONDITION_DEADLINE_MS
      let n = 0
      while (Date.now() < end) {
        const rs = await db.query({ query: `SELECT toUInt32(count()) AS n FROM tellen.events WHERE site = {s:String}`, query_params: { s: SITE }, format: 'JSONEachRow' })
        n = (await rs.json<{ n: number }>())[0]!.n
        if (n >= 30) break
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(n).toBe(30)
    } finally {
      await db.close()
    }
    expect(await again.stop('SIGTERM')).toBe(0)
  })
})
