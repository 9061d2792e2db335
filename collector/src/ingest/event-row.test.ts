import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UA, rows } from '../../../test/helpers/collector.ts'
import { openStatsDb, type StatsDb } from '../../../test/helpers/stats-fixture.ts'
import { insertStatement } from '../db/client.ts'
import { EVENT_COLUMNS, eventRowObject, rowFormat } from './event-row.ts'
import { parseIp } from './ip.ts'
import { processBatch } from './pipeline.ts'
import { insertLines } from './writer.ts'

let s: StatsDb
beforeAll(async () => {
  s = await openStatsDb()
})
afterAll(() => s?.close())

const NOW = Date.now()
const url = 'https://example.com/über?utm_source=news&utm_campaign=a%09b'
const BATCH = {
  v: 1, site: 'example.com', sw: 390, tz: 'Europe/Amsterdam', lang: 'nl',
  events: [
    { type: 'pageview', url, referrer: 'https://www.google.com/' },
    { type: 'timing', url, metric: 'lcp', value: 1234.5 },
    { type: 'leave', url, exit: 'outbound', target: 'https://other.org/x', engaged: 5200, scroll: 80, grid: Array.from({ length: 100 }, (_, i) => i % 7) },
    { type: 'click', url, el: 'a.say-"hi"\\there', cx: 3, cy: 9 },
    { type: 'error', url, kind: 'img', resource: 'https://cdn.example.com/a.png' },
    { type: 'call', url, number: '+31 20 123 4567' },
    { type: 'custom', url, name: 'signup\ud800', props: { plan: "pro's", "ta_b": 'line\nbreak', emoji: '🦊' } },
  ],
}

describe('positional event rows', () => {
  it('are stored column for column as the same rows written as objects by name', async () => {
    const result = processBatch(BATCH, { ip: parseIp('145.14.1.1'), userAgent: UA.chromeMac, origin: 'https://example.com', now: NOW }, {
      site: () => ({ domain: 'example.com', timezone: 'UTC', queryAllowlist: new Set() }), saltFor: () => Buffer.alloc(32, 3), ipv4Prefix: 24, ipv6Prefix: 48,
    })
    if (!result.ok) throw new Error(result.error)
    expect(result.rows).toHaveLength(BATCH.events.length)
    expect(rowFormat('tellen.events_in', Buffer.from(result.rows.join('\n')))).toEqual({ format: 'JSONCompactEachRow', columns: EVENT_COLUMNS })
    // The same rows as JSONEachRow objects, under another site so that the two sets can be told apart.
    const objects = result.rows.map((line) => JSON.stringify({ ...eventRowObject(line), site: 'copy.example' }))
    expect(rowFormat('tellen.events_in', Buffer.from(objects.join('\n')))).toEqual({ format: 'JSONEachRow' })
    await insertLines(s.db, 'tellen.events_in', result.rows, randomUUID())
    await insertLines(s.db, 'tellen.events_in', objects, randomUUID())

    const stored = (site: string) =>
      rows<Record<string, unknown>>(s.db, `SELECT * EXCEPT (site, visitor), toString(visitor) AS visitor FROM tellen.events WHERE site = '${site}' ORDER BY type, ts, name, target`)
    const positional = await stored('example.com')
    expect(positional).toHaveLength(BATCH.events.length)
    expect(positional).toEqual(await stored('copy.example'))
    const custom = positional.find((r) => r.type === 'custom')!
    expect(custom.name).toBe('signup\ufffd')
    expect(custom.props).toEqual({ plan: "pro's", 'ta_b': 'line break', emoji: '🦊' })
    const view = positional.find((r) => r.type === 'pageview')!
    expect(view).toMatchObject({ path: '/%C3%BCber', utm_source: 'news', utm_campaign: 'a b', source: 'news', referrer_host: 'google.com', screen: 'phone', country: expect.any(String) })
    expect(view.visitor).toBe(eventRowObject(result.rows[0]!).visitor)
    expect(positional.find((r) => r.type === 'click')!.target).toBe('a.say-"hi"\\there')
    expect((positional.find((r) => r.type === 'leave')!.grid as number[]).slice(0, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 0])
  })

  it('are taken by the statement a ClickHouse server gets, with the column list', async () => {
    const result = processBatch({ ...BATCH, events: BATCH.events.slice(0, 2) }, { ip: parseIp('145.14.1.2'), userAgent: UA.chromeMac, origin: undefined, now: NOW }, {
      site: () => ({ domain: 'example.com', timezone: 'UTC', queryAllowlist: new Set() }), saltFor: () => Buffer.alloc(32, 3), ipv4Prefix: 24, ipv6Prefix: 48,
    })
    if (!result.ok) throw new Error(result.error)
    const rowsOfServer = result.rows.map((line) => line.replace('"example.com"', '"server.example"'))
    const payload = Buffer.from(rowsOfServer.join('\n'))
    const query = insertStatement('tellen.events_in', rowFormat('tellen.events_in', payload))
    expect(query).toBe(`INSERT INTO tellen.events_in (${EVENT_COLUMNS.join(', ')}) FORMAT JSONCompactEachRow`)
    // Sent as a statement with a body, the way @clickhouse/client sends it to a server.
    const sent = await s.db.exec({ query, values: Readable.from([payload]) })
    sent.stream.resume()
    const stored = await rows<{ type: string; path: string }>(s.db, `SELECT type, path FROM tellen.events WHERE site = 'server.example' ORDER BY type`)
    expect(stored).toEqual([{ type: 'pageview', path: '/%C3%BCber' }, { type: 'timing', path: '/%C3%BCber' }])
  })

  it('name every column of tellen.events_in once', async () => {
    const columns = await rows<{ name: string }>(s.db, 'DESCRIBE tellen.events_in')
    expect([...EVENT_COLUMNS].sort()).toEqual(columns.map((c) => c.name).sort())
  })
})
