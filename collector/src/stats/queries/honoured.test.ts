import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../log.ts'
import { createBatchWriter } from '../../ingest/writer.ts'
import { honouredRow } from '../../privacy/opt-out.ts'
import { tempDataDir } from '../../../../test/helpers/collector.ts'
import { fixtureDay, fixtureQuery, openStatsDb, SITE, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
import { addDays } from '../range.ts'
import { honoured } from './honoured.ts'

let s: StatsDb
const day = fixtureDay()
const at = (time: string) => Date.parse(`${day}T${time}Z`)
const requests = [
  [SITE, at('00:30:00')], [SITE, at('12:00:00')], [SITE, at('12:10:00')], [SITE, at('23:30:00')], ['other.org', at('12:00:00')],
] as const

beforeAll(async () => {
  s = await openStatsDb()
  const writer = createBatchWriter(s.db, 'tellen.rollup_honoured', { batchRows: 100, flushIntervalMs: 50, spoolDir: path.join(tempDataDir('tellen-spool-'), 'honoured'), maxSpoolBytes: 2 ** 20 }, createLogger('silent'))
  await writer.write(requests.map(([site, ts]) => honouredRow(site, ts)))
  await writer.close()
})
afterAll(() => s?.close())

describe('honoured', () => {
  it('counts the requests of the site not tracked for DNT or GPC in the range', async () => {
    expect(await honoured(s.db, fixtureQuery())).toEqual({ requests: requests.filter(([site]) => site === SITE).length })
  })

  it('cuts days in the site time zone', async () => {
    // In Tokyo (UTC+9) 23:30 UTC belongs to the next day.
    const q = fixtureQuery({ tz: 'Asia/Tokyo' })
    expect(await honoured(s.db, q)).toEqual({ requests: 3 })
    expect(await honoured(s.db, { ...q, from: addDays(day, 1), to: addDays(day, 1) })).toEqual({ requests: 1 })
  })
})
