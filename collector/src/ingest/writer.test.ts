import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rows, tempDataDir } from '../../../test/helpers/collector.ts'
import { openDb, type Db } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { createLogger } from '../log.ts'
import { createBatchWriter, insertLines, WriterFullError } from './writer.ts'

const log = createLogger('silent')
const line = (site: string, path: string) => JSON.stringify({ site, type: 'pageview', ts: new Date().toISOString(), path })
const count = async (db: Db, site: string) =>
  (await rows<{ n: number }>(db, 'SELECT toUInt32(count()) AS n FROM tellen.events WHERE site = {site:String}', { site }))[0]!.n

describe('createBatchWriter against the embedded engine', () => {
  let db: Db
  beforeAll(async () => {
    db = openDb({ dataDir: tempDataDir() })
    await migrate(db)
  })
  afterAll(() => db.close())

  it('writes buffered rows in batches of at most batchRows', async () => {
    const writer = createBatchWriter(db, 'tellen.events_in', { batchRows: 100, flushIntervalMs: 60_000 }, log)
    await writer.write(Array.from({ length: 250 }, (_, i) => line('batches.test', `/${i}`)))
    await writer.flush()
    expect(writer.stats()).toMatchObject({ rowsWritten: 250, batchesWritten: 3, pendingRows: 0, failing: false })
    expect(await count(db, 'batches.test')).toBe(250)
    await writer.close()
  })

  it('writes a partial batch after the flush interval', async () => {
    const writer = createBatchWriter(db, 'tellen.events_in', { batchRows: 1000, flushIntervalMs: 50 }, log)
    await writer.write([line('timer.test', '/a')])
    await expect.poll(() => count(db, 'timer.test'), { timeout: 5000 }).toBe(1)
    await writer.close()
  })

  it('counts a batch inserted twice with the same token once, in events', async () => {
    const lines = [line('dedup.test', '/a'), line('dedup.test', '/b')]
    await insertLines(db, 'tellen.events_in', lines, 'token-1')
    await insertLines(db, 'tellen.events_in', lines, 'token-1')
    expect(await count(db, 'dedup.test')).toBe(2)
    await insertLines(db, 'tellen.events_in', lines, 'token-2')
    expect(await count(db, 'dedup.test')).toBe(4)
  })

  it('refuses rows beyond its limit instead of holding more than it may', async () => {
    const writer = createBatchWriter(db, 'tellen.events_in', { batchRows: 10, flushIntervalMs: 60_000, maxPendingRows: 5 }, log)
    await writer.write([line('full.test', '/1')])
    await expect(writer.write(Array.from({ length: 5 }, () => line('full.test', '/2')))).rejects.toThrow(WriterFullError)
    await writer.close()
    expect(await count(db, 'full.test')).toBe(1)
  })

  it('writes everything left at close and refuses writes afterwards', async () => {
    const writer = createBatchWriter(db, 'tellen.events_in', { batchRows: 1000, flushIntervalMs: 60_000 }, log)
    await writer.write([line('close.test', '/1'), line('close.test', '/2')])
    await writer.close()
    expect(await count(db, 'close.test')).toBe(2)
    await expect(writer.write([line('close.test', '/3')])).rejects.toThrow(/shutting down/)
  })

  it('keeps a batch that ClickHouse refused and retries it with backoff', async () => {
    const writer = createBatchWriter(db, 'tellen.nonexistent', { batchRows: 10, flushIntervalMs: 60_000 }, log)
    await writer.write([line('retry.test', '/1')])
    const flushing = writer.flush().catch((err: Error) => err)
    await expect.poll(() => writer.stats().insertErrors, { timeout: 5000 }).toBeGreaterThanOrEqual(2)
    expect(writer.stats()).toMatchObject({ failing: true, pendingRows: 1, rowsWritten: 0 })
    await expect(writer.close(500)).rejects.toThrow()
    expect(await flushing).toBeInstanceOf(Error)
  })
})
