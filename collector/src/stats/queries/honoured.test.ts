import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../log.ts'
import { countRejection } from '../../ingest/rejections.ts'
import { createBatchWriter } from '../../ingest/writer.ts'
import { fixtureDay, fixtureQuery, openStatsDb, SITE, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
import { honoured } from './honoured.ts'

let s: StatsDb
beforeAll(async () => {
  s = await openStatsDb()
  const writer = createBatchWriter(s.db, 'tellen.rejections', { batchRows: 100, flushIntervalMs: 50 }, createLogger('silent'))
  const yesterday = Date.parse(`${fixtureDay()}T12:00:00Z`)
  const signals = ['dnt', 'gpc', 'gpc', 'dnt', 'gpc', 'bot'] as const
  signals.forEach((reason) => countRejection(writer, SITE, reason, '', 1, yesterday))
  countRejection(writer, 'other.org', 'gpc', '', 5, yesterday)
  countRejection(writer, SITE, 'gpc', '', 3, Date.now())
  await writer.close()
})
afterAll(() => s?.close())

describe('honoured', () => {
  it('counts the requests honoured for DNT and for GPC on the site in the range', async () => {
    expect(await honoured(s.db, fixtureQuery())).toEqual({ dnt: 2, gpc: 3 })
  })
})
