import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, type Db } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { createLogger } from '../log.ts'
import { EVENT_COLUMNS, TYPE_COLUMNS } from './event-row.ts'
import { encodeRecord, listSegments, scanSegment, segmentName } from './spool.ts'
import { createBatchWriter, insertLines, WriterFullError, type WriterOptions } from './writer.ts'
import { migratedDataDir } from '../../../test/helpers/migrated-data-dir.ts'

const log = createLogger('silent')
const dataDir = migratedDataDir('tellen-writer-')
let db: Db
/** How long a condition may take to hold on a busy machine; a poll ends as soon as it holds. */
const DEADLINE_MS = 60_000

let n = 0
const line = (tag: string) => JSON.stringify({ site: 'writer.test', type: 'pageview', ts: new Date().toISOString(), path: `/${tag}/${n++}` })
const count = async (tag: string) => {
  const rs = await db.query({ query: `SELECT toUInt32(count()) AS n FROM tellen.events WHERE path LIKE {p:String}`, query_params: { p: `/${tag}/%` }, format: 'JSONEachRow' })
  return (await rs.json<{ n: number }>())[0]!.n
}
const spoolDir = (name: string) => path.join(dataDir, 'spool', name)
const options = (name: string, over: Partial<WriterOptions> = {}): WriterOptions => ({
  batchRows: 1000, flushIntervalMs: 50, spoolDir: spoolDir(name), maxSpoolBytes: 64 * 1024 * 1024, ...over,
})

beforeAll(async () => {
  db = openDb({ dataDir })
  await migrate(db)
})
afterAll(async () => {
  await db.close()
})

describe('the spooled batch writer', () => {
  it('has the lines on disk, fsynced, when write resolves, and many concurrent writes share few records', async () => {
    const w = createBatchWriter(db, 'tellen.events_in', options('group', { flushIntervalMs: 60_000 }), log)
    await Promise.all(Array.from({ length: 200 }, () => w.write([line('group')])))
    const [seg] = listSegments(spoolDir('group'))
    const { records } = scanSegment(fs.readFileSync(path.join(spoolDir('group'), segmentName(seg!))))
    expect(records.reduce((sum, r) => sum + r.payload.toString().split('\n').length - 1, 0)).toBe(200)
    expect(records.length).toBeLessThanOrEqual(3)
    expect(await count('group')).toBe(0)
    await w.close(DEADLINE_MS)
    expect(await count('group')).toBe(200)
    expect(listSegments(spoolDir('group'))).toEqual([])
  })

  it('inserts a batch written in several records once, with every line as it was spooled', async () => {
    const w = createBatchWriter(db, 'tellen.events_in', options('records', { flushIntervalMs: 60_000 }), log)
    for (let i = 0; i < 5; i++) await w.write([line('records'), line('records')])
    const [seg] = listSegments(spoolDir('records'))
    expect(scanSegment(fs.readFileSync(path.join(spoolDir('records'), segmentName(seg!)))).records).toHaveLength(5)
    await w.close(DEADLINE_MS)
    expect(w.stats()).toMatchObject({ rowsWritten: 10, batchesWritten: 1, pendingRows: 0 })
    expect(await count('records')).toBe(10)
  })

  it('refuses a write that cannot reach the spool and keeps nothing of it, so a retry counts once', async () => {
    const w = createBatchWriter(db, 'tellen.events_in', options('refused', { batchRows: 2, segmentBytes: 1, flushIntervalMs: 60_000 }), log)
    await w.write([line('refused')])
    // The next batch needs segment 2; a file already there makes creating it fail.
    const blocker = path.join(spoolDir('refused'), segmentName(2))
    fs.writeFileSync(blocker, '')
    const lines = [line('refused'), line('refused'), line('refused')]
    // The first of these would have filled the open batch before the failure.
    await expect(w.write(lines)).rejects.toThrow(WriterFullError)
    expect(w.stats()).toMatchObject({ pendingRows: 1 })
    fs.rmSync(blocker)
    await w.write(lines)
    await w.close(DEADLINE_MS)
    expect(await count('refused')).toBe(4)
  })

  it('deletes quarantined batches older than their retention when it starts', async () => {
    const qdir = path.join(spoolDir('expire'), 'quarantine')
    fs.mkdirSync(qdir, { recursive: true })
    fs.writeFileSync(path.join(qdir, 'old.jsonl'), `${line('expire')}\n`)
    fs.writeFileSync(path.join(qdir, 'recent.jsonl'), `${line('expire')}\n`)
    const old = new Date(Date.now() - 8 * 86_400_000)
    fs.utimesSync(path.join(qdir, 'old.jsonl'), old, old)
    const w = createBatchWriter(db, 'tellen.events_in', options('expire', { quarantineDays: 7 }), log)
    await expect.poll(() => fs.readdirSync(qdir), { timeout: DEADLINE_MS }).toEqual(['recent.jsonl'])
    await w.close(DEADLINE_MS)
  })

  it('splits large writes into batches of batchRows and deletes segments once ClickHouse confirmed them', async () => {
    const w = createBatchWriter(db, 'tellen.events_in', options('split', { batchRows: 7, segmentBytes: 512 }), log)
    await w.write(Array.from({ length: 50 }, () => line('split')))
    await w.flush()
    expect(await count('split')).toBe(50)
    expect(w.stats()).toMatchObject({ rowsWritten: 50, batchesWritten: 8, pendingRows: 0 })
    await w.close(DEADLINE_MS)
    expect(listSegments(spoolDir('split'))).toEqual([])
  })

  it('replays what an earlier run left in the spool, in order, before new data', async () => {
    const first = createBatchWriter(db, 'tellen.events_in', options('replay', { flushIntervalMs: 60_000 }), log)
    await first.write([line('replay'), line('replay')])
    // The process dies here: nothing was inserted, the spool keeps the batch.
    expect(await count('replay')).toBe(0)
    const second = createBatchWriter(db, 'tellen.events_in', options('replay'), log)
    expect(second.stats()).toMatchObject({ replayedBatches: 1, pendingRows: 2 })
    await second.write([line('replay')])
    await second.close(DEADLINE_MS)
    expect(await count('replay')).toBe(3)
    await first.close(100).catch(() => undefined)
  })

  it('does not count a batch twice when its segment is replayed after ClickHouse already took it', async () => {
    const w = createBatchWriter(db, 'tellen.events_in', options('twice', { flushIntervalMs: 60_000 }), log)
    await w.write(Array.from({ length: 5 }, () => line('twice')))
    const [seg] = listSegments(spoolDir('twice'))
    const saved = fs.readFileSync(path.join(spoolDir('twice'), segmentName(seg!)))
    await w.close(DEADLINE_MS)
    expect(await count('twice')).toBe(5)
    // A crash between the insert and the removal of the segment leaves it behind.
    fs.writeFileSync(path.join(spoolDir('twice'), segmentName(seg!)), saved)
    const again = createBatchWriter(db, 'tellen.events_in', options('twice'), log)
    await again.close(DEADLINE_MS)
    expect(await count('twice')).toBe(5)
    expect(listSegments(spoolDir('twice'))).toEqual([])
  })

  it('drops a torn last record, which was never acknowledged, and keeps the records before it', async () => {
    fs.mkdirSync(spoolDir('torn'), { recursive: true })
    const good = encodeRecord('torn-token-1', [line('torn'), line('torn')])
    const torn = encodeRecord('torn-token-2', [line('torn')])
    fs.writeFileSync(path.join(spoolDir('torn'), segmentName(1)), Buffer.concat([good, torn.subarray(0, torn.length - 4)]))
    const w = createBatchWriter(db, 'tellen.events_in', options('torn'), log)
    await w.close(DEADLINE_MS)
    expect(await count('torn')).toBe(2)
  })

  it('replays the records after a damaged one, which were acknowledged, and keeps the damaged bytes aside', async () => {
    fs.mkdirSync(spoolDir('damaged'), { recursive: true })
    const first = encodeRecord('damaged-token-1', [line('damaged'), line('damaged')])
    const hit = encodeRecord('damaged-token-2', [line('damaged-lost')])
    const after = [encodeRecord('damaged-token-3', [line('damaged'), line('damaged'), line('damaged')]), encodeRecord('damaged-token-4', [line('damaged')])]
    // One byte of the second record changes on disk, long after it was fsynced and acknowledged.
    hit[hit.length - 5]! ^= 0x20
    fs.writeFileSync(path.join(spoolDir('damaged'), segmentName(1)), Buffer.concat([first, hit, ...after]))
    const w = createBatchWriter(db, 'tellen.events_in', options('damaged'), log)
    expect(w.stats()).toMatchObject({ replayedBatches: 3, pendingRows: 6 })
    await w.close(DEADLINE_MS)
    expect(await count('damaged')).toBe(6)
    expect(listSegments(spoolDir('damaged'))).toEqual([])
    const kept = fs.readdirSync(path.join(spoolDir('damaged'), 'quarantine'))
    expect(kept).toEqual([`${segmentName(1)}.${first.length}.damaged`])
    expect(fs.readFileSync(path.join(spoolDir('damaged'), 'quarantine', kept[0]!)).length).toBe(hit.length)
  })

  it('replays batches spooled as objects by column name and writes positional rows after them', async () => {
    fs.mkdirSync(spoolDir('layouts'), { recursive: true })
    fs.writeFileSync(path.join(spoolDir('layouts'), segmentName(1)), encodeRecord('layouts-old', [line('layouts'), line('layouts')]))
    const w = createBatchWriter(db, 'tellen.events_in', options('layouts'), log)
    const values: Record<string, unknown> = { ...TYPE_COLUMNS, site: 'writer.test', visitor: 7, type: 'pageview', ts: new Date().toISOString(), path: '/layouts/new' }
    await w.write([JSON.stringify(EVENT_COLUMNS.map((c) => values[c] ?? ''))])
    await w.close(DEADLINE_MS)
    expect(await count('layouts')).toBe(3)
  })

  it('sets a batch that ClickHouse refuses as malformed aside and goes on with the next ones', async () => {
    const w = createBatchWriter(db, 'tellen.events_in', options('poison', { batchRows: 1 }), log)
    const poison = '{"site":"writer.test","type":"pageview","path":"/poison/\\ud800"}'
    await w.write([line('poison'), poison, line('poison')])
    await w.close(DEADLINE_MS)
    expect(await count('poison')).toBe(2)
    expect(w.stats()).toMatchObject({ quarantinedRows: 1, pendingRows: 0 })
    const [file] = fs.readdirSync(path.join(spoolDir('poison'), 'quarantine'))
    expect(fs.readFileSync(path.join(spoolDir('poison'), 'quarantine', file!), 'utf8')).toBe(`${poison}\n`)
    expect(listSegments(spoolDir('poison'))).toEqual([])
  })

  it('refuses writes with WriterFullError once the spool holds TELLEN_SPOOL_MAX_MB', async () => {
    const w = createBatchWriter(db, 'tellen.events_in', options('full', { flushIntervalMs: 60_000, maxSpoolBytes: 2000 }), log)
    await w.write([line('full'), line('full')])
    await expect(w.write(Array.from({ length: 40 }, () => line('full')))).rejects.toBeInstanceOf(WriterFullError)
    await w.close(DEADLINE_MS)
    await expect(w.write([line('full')])).rejects.toThrow(/shutting down/)
    expect(await count('full')).toBe(2)
  })
})

describe('createBatchWriter batching and retries', () => {
  const opts = (name: string, over: Partial<WriterOptions>): WriterOptions => ({ ...options(name), ...over })
  const countSite = async (site: string) => {
    const rs = await db.query({ query: 'SELECT toUInt32(count()) AS n FROM tellen.events WHERE site = {site:String}', query_params: { site }, format: 'JSONEachRow' })
    return (await rs.json<{ n: number }>())[0]!.n
  }
  const siteLine = (site: string, p: string) => JSON.stringify({ site, type: 'pageview', ts: new Date().toISOString(), path: p })

  it('writes buffered rows in batches of at most batchRows', async () => {
    const writer = createBatchWriter(db, 'tellen.events_in', opts('batches', { batchRows: 100, flushIntervalMs: 60_000 }), log)
    await writer.write(Array.from({ length: 250 }, (_, i) => siteLine('batches.test', `/${i}`)))
    await writer.flush()
    expect(writer.stats()).toMatchObject({ rowsWritten: 250, batchesWritten: 3, pendingRows: 0, failing: false })
    expect(await countSite('batches.test')).toBe(250)
    await writer.close(DEADLINE_MS)
  })

  it('writes a partial batch after the flush interval', async () => {
    const writer = createBatchWriter(db, 'tellen.events_in', opts('timer', { batchRows: 1000, flushIntervalMs: 50 }), log)
    await writer.write([siteLine('timer.test', '/a')])
    await expect.poll(() => countSite('timer.test'), { timeout: DEADLINE_MS }).toBe(1)
    await writer.close(DEADLINE_MS)
  })

  it('writes a partial batch once rows stop coming, in one batch while they keep coming', async () => {
    const writer = createBatchWriter(db, 'tellen.events_in', opts('idle', { batchRows: 1000, flushIntervalMs: 60_000, flushIdleMs: 2000 }), log)
    for (let i = 0; i < 10; i++) {
      await writer.write([siteLine('idle.test', `/${i}`)])
      await new Promise((r) => setTimeout(r, 100))
    }
    const lastWrite = Date.now()
    expect(writer.stats().rowsWritten).toBe(0)
    // Long before the interval: the gap after the last rows closed the batch.
    await expect.poll(() => countSite('idle.test'), { timeout: DEADLINE_MS, interval: 100 }).toBe(10)
    expect(Date.now() - lastWrite).toBeGreaterThanOrEqual(1800)
    // The rows can be read a moment before the insert's answer reaches the writer.
    await expect.poll(() => writer.stats().rowsWritten, { timeout: DEADLINE_MS }).toBe(10)
    expect(writer.stats()).toMatchObject({ rowsWritten: 10, batchesWritten: 1 })
    await writer.close(DEADLINE_MS)
  })

  it('counts a batch inserted twice with the same token once, in events', async () => {
    const lines = [siteLine('dedup.test', '/a'), siteLine('dedup.test', '/b')]
    await insertLines(db, 'tellen.events_in', lines, 'token-1')
    await insertLines(db, 'tellen.events_in', lines, 'token-1')
    expect(await countSite('dedup.test')).toBe(2)
    await insertLines(db, 'tellen.events_in', lines, 'token-2')
    expect(await countSite('dedup.test')).toBe(4)
  })

  it('lets the open batch grow past the flush interval while an earlier insert has not gone through', async () => {
    const writer = createBatchWriter(db, 'tellen.nonexistent', opts('grow', { batchRows: 1000, flushIntervalMs: 20 }), log)
    await writer.write([siteLine('grow.test', '/0')])
    await expect.poll(() => writer.stats().insertErrors, { timeout: DEADLINE_MS }).toBeGreaterThanOrEqual(1)
    for (let i = 1; i <= 5; i++) {
      await writer.write([siteLine('grow.test', `/${i}`)])
      await new Promise((r) => setTimeout(r, 40))
    }
    // One batch waits to be retried; the five later writes, each older than the interval, share one.
    expect(writer.stats()).toMatchObject({ pendingBatches: 2, pendingRows: 6, rowsWritten: 0 })
    await expect(writer.close(200)).rejects.toThrow(/stay in the spool/)
  })

  it('holds the lines of one queued batch in memory while ClickHouse is away, and reads the others back', async () => {
    const table = 'tellen.writer_later'
    const writer = createBatchWriter(db, table, opts('later', { batchRows: 10, flushIntervalMs: 60_000 }), log)
    const lines = Array.from({ length: 100 }, (_, i) => JSON.stringify({ site: 'later.test', type: 'pageview', ts: new Date().toISOString(), path: `/later/${i}` }))
    await writer.write(lines)
    const flushing = writer.flush()
    await expect.poll(() => writer.stats().insertErrors, { timeout: DEADLINE_MS }).toBeGreaterThanOrEqual(1)
    const held = writer.stats()
    expect(held).toMatchObject({ pendingBatches: 10, pendingRows: 100 })
    // The first queued batch keeps its lines (and an open one would); the nine behind it are on disk only.
    const perBatch = Buffer.byteLength(lines.slice(0, 10).join('\n'))
    expect(held.bufferedBytes).toBeGreaterThan(0)
    expect(held.bufferedBytes).toBeLessThanOrEqual(perBatch + 10)
    expect(held.spoolBytes).toBeGreaterThan(9 * perBatch)
    await db.command({ query: `CREATE TABLE ${table} AS tellen.events_in ENGINE = MergeTree ORDER BY tuple()` })
    await flushing
    await writer.close(DEADLINE_MS)
    const [n] = await (await db.query({ query: `SELECT toUInt32(count()) AS n, toUInt32(uniqExact(path)) AS paths FROM ${table}`, format: 'JSONEachRow' })).json<{ n: number; paths: number }>()
    expect(n).toEqual({ n: 100, paths: 100 })
    expect(writer.stats()).toMatchObject({ bufferedBytes: 0, pendingRows: 0, failing: false })
  }, DEADLINE_MS)

  it('keeps a batch that ClickHouse refused in the spool and retries it with backoff', async () => {
    const writer = createBatchWriter(db, 'tellen.nonexistent', opts('retry', { batchRows: 10, flushIntervalMs: 60_000 }), log)
    await writer.write([siteLine('retry.test', '/1')])
    const flushing = writer.flush()
    await expect.poll(() => writer.stats().insertErrors, { timeout: DEADLINE_MS }).toBeGreaterThanOrEqual(2)
    expect(writer.stats()).toMatchObject({ failing: true, pendingRows: 1, rowsWritten: 0 })
    await expect(writer.close(500)).rejects.toThrow(/stay in the spool/)
    await flushing
    expect(listSegments(spoolDir('retry'))).toHaveLength(1)
  })
})
