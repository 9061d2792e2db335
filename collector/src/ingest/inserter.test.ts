import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rows } from '../../../test/helpers/collector.ts'
import { migratedDataDir } from '../../../test/helpers/migrated-data-dir.ts'
import { openDb, type Db } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { createLogger } from '../log.ts'
import { createInserter, type BatchSource } from './inserter.ts'
import { newToken } from './spool.ts'
import type { Batch } from './spool-writer.ts'

/** How long a condition may take to hold on a busy machine; a poll ends as soon as it holds. */
const DEADLINE_MS = 60_000
const log = createLogger('silent')
const dataDir = migratedDataDir('tellen-inserter-')
let db: Db

beforeAll(async () => {
  db = openDb({ dataDir })
  await migrate(db)
})
afterAll(() => db.close())

/** The lines of every batch by token, as the spool would read them back. */
const onDisk = new Map<string, Buffer>()
/** A batch made in this process, its lines in memory (and on disk). */
const batch = (lines: string[]): Batch => {
  const token = newToken()
  onDisk.set(token, Buffer.from(lines.join('\n')))
  return { token, segment: 1, records: [], lines: [onDisk.get(token)!], rows: lines.length, started: Date.now(), dataErrors: 0 }
}
/** A source that reads batches from `onDisk` and records those given back. */
const source = () => {
  const released: string[] = []
  const from: BatchSource = { read: async (b) => onDisk.get(b.token)!, release: async (b) => void released.push(b.token), idle: () => undefined }
  return { released, from }
}
const rejection = (site: string, count = 1) => JSON.stringify({ site, day: '2026-12-07', reason: 'bot', ip_prefix: '', count })
const counted = async (site: string) => (await rows<{ n: number }>(db, 'SELECT toUInt32(sum(count)) AS n FROM tellen.rejections WHERE site = {site:String}', { site }))[0]!.n

describe('the inserter', () => {
  it('inserts the batches it takes in order, once each, and gives each back', async () => {
    const { released, from } = source()
    const inserter = createInserter(db, 'tellen.rejections', from, { quarantineDir: path.join(dataDir, 'q-order') }, log)
    const batches = [batch([rejection('order.test', 1)]), batch([rejection('order.test', 2), rejection('order.test', 4)])]
    for (const b of batches) inserter.take(b)
    // The second waits behind the first with its lines on disk only, as in an outage.
    expect(batches[1]!.lines).toBeUndefined()
    await inserter.drain()
    expect(released).toEqual(batches.map((b) => b.token))
    expect(await counted('order.test')).toBe(7)
    expect(inserter.stats()).toMatchObject({ rowsWritten: 3, batchesWritten: 2, failing: false })
  })

  it('retries a batch while ClickHouse cannot take it, and goes on once it can', async () => {
    const { released, from } = source()
    await db.command({ query: 'DROP TABLE IF EXISTS tellen.inserter_later' })
    const inserter = createInserter(db, 'tellen.inserter_later', from, { quarantineDir: path.join(dataDir, 'q-later') }, log)
    const waiting = batch([JSON.stringify({ x: 1 })])
    inserter.take(waiting)
    await expect.poll(() => inserter.stats().insertErrors, { timeout: DEADLINE_MS }).toBeGreaterThanOrEqual(1)
    expect(inserter.stats().failing).toBe(true)
    expect(released).toEqual([])
    await db.command({ query: 'CREATE TABLE tellen.inserter_later (x UInt8) ENGINE = MergeTree ORDER BY x' })
    await expect.poll(() => released, { timeout: DEADLINE_MS }).toEqual([waiting.token])
    expect(inserter.stats()).toMatchObject({ failing: false, lastError: undefined, rowsWritten: 1 })
    expect(await rows(db, 'SELECT x FROM tellen.inserter_later')).toEqual([{ x: 1 }])
  })

  it('sets a batch whose content ClickHouse refuses three times aside, and inserts the next', async () => {
    const { released, from } = source()
    const quarantineDir = path.join(dataDir, 'q-refused')
    const inserter = createInserter(db, 'tellen.rejections', from, { quarantineDir }, log)
    const refused = batch(['{"site": "refused.test", "count": "not a number"'])
    const next = batch([rejection('after-refused.test')])
    inserter.take(refused)
    inserter.take(next)
    await expect.poll(() => released, { timeout: DEADLINE_MS }).toEqual([refused.token, next.token])
    expect(fs.readdirSync(quarantineDir)).toEqual([`${refused.token}.jsonl`])
    expect(inserter.stats().quarantinedRows).toBe(1)
    expect(await counted('after-refused.test')).toBe(1)
  })
})
