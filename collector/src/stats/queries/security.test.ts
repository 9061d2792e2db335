import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../log.ts'
import { createCountingWriter } from '../../ingest/counting-writer.ts'
import { utcDay } from '../../ingest/visitor.ts'
import { createBatchWriter } from '../../ingest/writer.ts'
import { honouredRow } from '../../privacy/opt-out.ts'
import { tempDataDir } from '../../../../test/helpers/collector.ts'
import { fixtureDay, fixtureQuery, openStatsDb, SITE, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
import { addDays } from '../range.ts'
import { security } from './security.ts'

let s: StatsDb
const day = fixtureDay()
const before = addDays(day, -1)
const at = (d: string, time = '12:00:00') => Date.parse(`${d}T${time}Z`)
/** site, reason, prefix, count, day */
const counted = [
  [SITE, 'bot', '198.51.100.0/24', 3, day], [SITE, 'bot', '198.51.100.0/24', 2, day], [SITE, 'bot', '10.0.0.0/24', 1, day],
  [SITE, 'spam', '203.0.113.0/24', 4, day], [SITE, 'rate_limited', '2001:db8:1::/48', 7, day], [SITE, 'invalid', '10.0.0.0/24', 1, before],
  ['other.org', 'bot', '192.0.2.0/24', 9, day],
] as const

beforeAll(async () => {
  s = await openStatsDb()
  const writer = (name: string, table: string) =>
    createBatchWriter(s.db, table, { batchRows: 100, flushIntervalMs: 50, spoolDir: path.join(tempDataDir('tellen-spool-'), name), maxSpoolBytes: 2 ** 20 }, createLogger('silent'))
  const rejections = createCountingWriter(writer('rejections', 'tellen.rejections'), { column: 'count', flushMs: 50 })
  for (const [site, reason, prefix, n, d] of counted) rejections.add({ site, day: utcDay(at(d)), reason, ip_prefix: prefix }, n)
  const honoured = writer('honoured', 'tellen.rollup_honoured')
  await honoured.write([honouredRow(SITE, at(day)), honouredRow(SITE, at(day, '13:00:00')), honouredRow('other.org', at(day))])
  await new Promise((r) => setTimeout(r, 100))
  await Promise.all([rejections.close(), honoured.close()])
})
afterAll(() => s?.close())

describe('security', () => {
  it('counts a site’s rejections by day and reason, its networks by reason, and its honoured requests', async () => {
    expect(await security(s.db, fixtureQuery({ from: before, to: day }), 10)).toEqual({
      source: 'rejections',
      days: [
        { day: before, reason: 'invalid', count: 1 },
        { day, reason: 'bot', count: 6 },
        { day, reason: 'rate_limited', count: 7 },
        { day, reason: 'spam', count: 4 },
      ],
      prefixes: [
        { reason: 'bot', ip_prefix: '198.51.100.0/24', count: 5 },
        { reason: 'bot', ip_prefix: '10.0.0.0/24', count: 1 },
        { reason: 'invalid', ip_prefix: '10.0.0.0/24', count: 1 },
        { reason: 'rate_limited', ip_prefix: '2001:db8:1::/48', count: 7 },
        { reason: 'spam', ip_prefix: '203.0.113.0/24', count: 4 },
      ],
      honoured: { requests: 2 },
    })
  })

  it('keeps the top networks of each reason up to the limit and cuts the range by day', async () => {
    const r = await security(s.db, fixtureQuery({ from: day, to: day }), 1)
    expect(r.prefixes.filter((p) => p.reason === 'bot')).toEqual([{ reason: 'bot', ip_prefix: '198.51.100.0/24', count: 5 }])
    expect(r.days.map((d) => d.reason)).not.toContain('invalid')
  })
})
