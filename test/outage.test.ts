import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startClickHouseHttp, type ClickHouseHttp } from './helpers/clickhouse-http.ts'
import { CONDITION_DEADLINE_MS, postEvents, startCollector, tempDataDir, type Collector } from './helpers/collector.ts'

const SITE = 'outage.test'
const batch = (tag: string, n: number) => ({
  v: 1, site: SITE, events: Array.from({ length: n }, (_, i) => ({ type: 'pageview', url: `https://${SITE}/${tag}/${i}`, ts: Date.now() })),
})
const until = async (what: string, check: () => Promise<boolean>, ms = CONDITION_DEADLINE_MS) => {
  const end = Date.now() + ms
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('a ClickHouse server that goes away', () => {
  let ch: ClickHouseHttp
  let c: Collector
  let db: ClickHouseClient
  const stored = async (like = '/%') => {
    const rs = await db.query({
      query: `SELECT toUInt32(count()) AS n, toUInt32(uniqExact(path)) AS paths FROM tellen.events WHERE site = {site:String} AND path LIKE {like:String}`,
      query_params: { site: SITE, like }, format: 'JSONEachRow',
    })
    return (await rs.json<{ n: number; paths: number }>())[0]!
  }
  const ready = () => fetch(`${c.url}/readyz`).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, any> }))
  const metrics = () => fetch(`${c.url}/metrics`, { headers: { authorization: `Bearer ${c.adminToken}` } }).then((r) => r.text())

  beforeAll(async () => {
    ch = await startClickHouseHttp(tempDataDir('tellen-ch-'))
    c = await startCollector({ TELLEN_SITES: SITE, CLICKHOUSE_URL: ch.url, TELLEN_SPOOL_MAX_MB: '1', TELLEN_FLUSH_INTERVAL_MS: '50' })
    db = createClient({ url: ch.url })
  })
  afterAll(async () => {
    await db?.close()
    await c?.stop('SIGKILL')
    await ch?.stop()
  })

  it('keeps taking events into the spool, says so on /readyz and /metrics, answers 503 when the spool is full, and drains it when the server returns', async () => {
    expect((await postEvents(c.url, batch('before', 20))).status).toBe(202)
    await until('the first events', async () => (await stored('/before/%')).n === 20)
    expect(await ready()).toMatchObject({ status: 200, json: { status: 'ready', clickhouse: 'ok', spool: 'ok' } })

    await ch.kill()
    let acked = 0
    let full: Awaited<ReturnType<typeof postEvents>> | undefined
    for (let i = 0; i < 400 && !full; i++) {
      const res = await postEvents(c.url, batch(`during-${i}`, 50))
      if (res.status === 202) acked += 50
      else full = res
    }
    // 1 MB of spool holds a few thousand events; then the collector refuses what it cannot keep.
    expect(acked).toBeGreaterThan(500)
    expect(full?.status).toBe(503)
    expect(full?.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(full?.json.error).toMatch(/retry later/)
    const down = await ready()
    expect(down.status).toBe(503)
    expect(down.json).toMatchObject({ clickhouse: 'unreachable', writer: 'failing', spool: 'full' })
    expect(down.json.pendingRows).toBe(acked)
    const m = await metrics()
    expect(m).toMatch(/tellen_spool_failing\{table="tellen.events_in"\} 1/)
    expect(Number(/tellen_spool_bytes\{table="tellen.events_in"\} (\d+)/.exec(m)?.[1])).toBeGreaterThan(500_000)
    // The batch being retried and the open one also hold their lines in memory (bounded in writer.test.ts).
    expect(Number(/tellen_spool_buffered_bytes\{table="tellen.events_in"\} (\d+)/.exec(m)?.[1])).toBeGreaterThan(0)
    expect(Number(/tellen_clickhouse_errors_total\{table="tellen.events_in"\} (\d+)/.exec(m)?.[1])).toBeGreaterThan(0)
    expect(m).toMatch(/tellen_events_rejected_total\{reason="unavailable"\} 50/)

    // An internal failure (the admin API's migration cannot reach ClickHouse) is a bare 500, no stack, no detail.
    const broken = await fetch(`${c.url}/api/admin/migrate`, { method: 'POST', headers: { authorization: `Bearer ${c.adminToken}` } })
    expect(broken.status).toBe(500)
    expect(broken.headers.get('x-content-type-options')).toBe('nosniff')
    const text = await broken.text()
    expect(JSON.parse(text)).toEqual({ error: 'internal error' })
    expect(text).not.toMatch(/ECONNREFUSED|\bat |\.[cm]?[jt]s\b|127\.0\.0\.1/)

    await ch.restart()
    await until('the spool to drain', async () => (await ready()).json.pendingRows === 0)
    expect(await ready()).toMatchObject({ status: 200, json: { status: 'ready', clickhouse: 'ok', spool: 'ok', spoolBytes: 0 } })
    const during = await stored('/during-%')
    expect(during).toEqual({ n: acked, paths: acked })
    expect(await stored()).toEqual({ n: acked + 20, paths: acked + 20 })
    expect(await metrics()).toMatch(/tellen_spool_failing\{table="tellen.events_in"\} 0/)
  })

  it('inserts again at once after the outage', async () => {
    expect((await postEvents(c.url, batch('after', 5))).status).toBe(202)
    await until('the events after the outage', async () => (await stored('/after/%')).n === 5)
  })
})
