import { afterAll, describe, expect, it } from 'vitest'
import { rows, startCollector, UA, withDataDir, type Collector } from './helpers/collector.ts'

const SITE = 'flood.test'

/** The value of a metric with the given labels in Prometheus text, or undefined. */
const metric = (text: string, name: string, labels: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

/** The collector writes the counts it summed once a second (server.ts), one row per key each time. */
const COUNTS_WRITTEN_EVERY_MS = 1000
/** How many times the collector can have written its counts since `since`. */
const writesSince = (since: number) => Math.floor((Date.now() - since) / COUNTS_WRITTEN_EVERY_MS) + 1

describe('counting refused and untracked requests', () => {
  let c: Collector | undefined
  afterAll(async () => {
    await c?.stop('SIGKILL')
  })

  it('sums a flood of refused requests in memory and writes one row per site, day, reason and network', async () => {
    c = await startCollector({ TELLEN_SITES: SITE, TRUST_PROXY: '1', TELLEN_RATE_LIMIT_PER_MINUTE: '5' })
    const post = (body: string, ip: string) =>
      fetch(`${c!.url}/api/event`, { method: 'POST', body, headers: { 'content-type': 'text/plain', 'user-agent': UA.chromeMac, 'x-forwarded-for': ip } }).then(async (r) => {
        await r.arrayBuffer()
        return r.status
      })
    const good = JSON.stringify({ v: 1, site: SITE, events: [{ type: 'pageview', url: `https://${SITE}/` }] })
    const statuses: number[] = []
    const flooded = Date.now()
    for (let round = 0; round < 20; round++) {
      statuses.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => post(good, `198.51.100.${i + 1}`)))))
      statuses.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => post('not json', `203.0.113.${i + 1}`)))))
    }
    const count = (s: number) => statuses.filter((x) => x === s).length
    expect([count(202), count(429), count(400)]).toEqual([5, 395, 200])

    // Counts are written every second: a row per reason and network each time, not one per refused
    // request (a busy machine that makes the flood last longer makes more of them).
    await new Promise((r) => setTimeout(r, 2500))
    const text = await fetch(`${c.url}/metrics`, { headers: { authorization: `Bearer ${c.adminToken}` } }).then((r) => r.text())
    expect(metric(text, 'tellen_events_rejected_total', 'reason="rate_limited"')).toBe(395)
    expect(metric(text, 'tellen_rows_written', 'table="tellen.rejections"')).toBeLessThanOrEqual(2 * writesSince(flooded))

    expect(await c.stop()).toBe(0)
    const stored = await withDataDir(c.dataDir, (db) =>
      rows<{ site: string; reason: string; ip_prefix: string; n: number }>(
        db,
        'SELECT site, reason, ip_prefix, toUInt32(sum(count)) AS n FROM tellen.rejections GROUP BY site, reason, ip_prefix ORDER BY reason',
      ),
    )
    expect(stored).toEqual([
      { site: '', reason: 'invalid', ip_prefix: '203.0.113.0/24', n: 200 },
      { site: SITE, reason: 'rate_limited', ip_prefix: '198.51.100.0/24', n: 395 },
    ])
  })

  it('sums requests not tracked for DNT or GPC in memory as well, and writes one row per site and hour', async () => {
    c = await startCollector({ TELLEN_SITES: SITE })
    const body = JSON.stringify({ v: 1, site: SITE, events: [{ type: 'pageview', url: `https://${SITE}/` }] })
    const sent = Date.now()
    for (let round = 0; round < 10; round++) {
      const statuses = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          fetch(`${c!.url}/api/event`, { method: 'POST', body, headers: { 'content-type': 'text/plain', 'user-agent': UA.chromeMac, ...(i % 2 ? { dnt: '1' } : { 'sec-gpc': '1' }) } }).then(async (r) => {
            await r.arrayBuffer()
            return r.status
          }),
        ),
      )
      expect(new Set(statuses)).toEqual(new Set([202]))
    }
    await new Promise((r) => setTimeout(r, 2500))
    const text = await fetch(`${c.url}/metrics`, { headers: { authorization: `Bearer ${c.adminToken}` } }).then((r) => r.text())
    // One row per site and hour each time, and an hour may begin while they are sent.
    expect(metric(text, 'tellen_rows_written', 'table="tellen.rollup_honoured"')).toBeLessThanOrEqual(writesSince(sent) + 1)
    expect(await c.stop()).toBe(0)
    const stored = await withDataDir(c.dataDir, (db) => rows<{ n: number }>(db, 'SELECT toUInt32(sum(requests)) AS n FROM tellen.rollup_honoured'))
    expect(stored).toEqual([{ n: 300 }])
  })

  it('writes the counts it holds when it stops', async () => {
    c = await startCollector({ TELLEN_SITES: SITE, TRUST_PROXY: '1', TELLEN_RATE_LIMIT_PER_MINUTE: '1' })
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${c.url}/api/event`, { method: 'POST', body: '{', headers: { 'content-type': 'text/plain', 'x-forwarded-for': '192.0.2.9' } })
      expect(res.status).toBe(400)
    }
    expect(await c.stop()).toBe(0)
    const stored = await withDataDir(c.dataDir, (db) => rows<{ n: number }>(db, 'SELECT toUInt32(sum(count)) AS n FROM tellen.rejections'))
    expect(stored).toEqual([{ n: 4 }])
  })
})
