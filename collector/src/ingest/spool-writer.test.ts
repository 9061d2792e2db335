import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../log.ts'
import { listSegments, scanSegment, segmentName } from './spool.ts'
import { createSpoolWriter, WriterFullError, type Batch, type SpoolWriterOptions } from './spool-writer.ts'

const log = createLogger('silent')
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-spool-writer-'))
/** Delays long enough that no batch is due by itself while a test runs. */
const options = (over: Partial<SpoolWriterOptions> = {}): SpoolWriterOptions => ({
  batchRows: 1000, flushIntervalMs: 3_600_000, flushIdleMs: 3_600_000, maxSpoolBytes: 2 ** 20, ...over,
})
/** A sink that keeps the batches it is handed, busy while `busy` says so. */
const sink = () => {
  const taken: Batch[] = []
  let busy = false
  return { taken, setBusy: (b: boolean) => (busy = b), take: (b: Batch) => void taken.push(b), busy: () => busy }
}
const line = (n: number) => JSON.stringify({ site: 'spool.test', n })

describe('the spool writer', () => {
  it('makes concurrent writes durable in one record before they resolve, and hands their batch over when closed', async () => {
    const dir = tmp()
    const to = sink()
    const spool = createSpoolWriter(dir, options(), to, log, 'tellen.test')
    await Promise.all(Array.from({ length: 20 }, (_, n) => spool.write([line(n)])))
    const [segment] = listSegments(dir)
    const { records } = scanSegment(fs.readFileSync(path.join(dir, segmentName(segment!))))
    expect(records).toHaveLength(1)
    expect(to.taken).toEqual([])
    expect(spool.open()?.rows).toBe(20)
    spool.closeOpen()
    expect(to.taken).toHaveLength(1)
    expect(to.taken[0]!.rows).toBe(20)
    expect(Buffer.concat(to.taken[0]!.lines!).toString()).toBe(Array.from({ length: 20 }, (_, n) => line(n)).join('\n'))
    await spool.close()
  })

  it('refuses a write beyond its budget with WriterFullError and keeps nothing of it', async () => {
    const dir = tmp()
    const spool = createSpoolWriter(dir, options({ maxSpoolBytes: 400 }), sink(), log, 'tellen.test')
    await spool.write([line(1)])
    const before = spool.bytes()
    await expect(spool.write(Array.from({ length: 10 }, (_, n) => line(n)))).rejects.toThrow(WriterFullError)
    expect(spool.bytes()).toBe(before)
    expect(spool.open()?.rows).toBe(1)
    await spool.close()
  })

  it('keeps the open batch growing while the sink is busy, and hands it over once it is not', async () => {
    const to = sink()
    const spool = createSpoolWriter(tmp(), options({ flushIntervalMs: 0, flushIdleMs: 0 }), to, log, 'tellen.test')
    to.setBusy(true)
    await spool.write([line(1)])
    spool.closeIfDue()
    expect(to.taken).toEqual([])
    to.setBusy(false)
    spool.closeIfDue()
    expect(to.taken.map((b) => b.rows)).toEqual([1])
    await spool.close()
  })

  it('gives back the batches an earlier run left, readable from disk, and removes their segment once released', async () => {
    const dir = tmp()
    const first = sink()
    const before = createSpoolWriter(dir, options({ batchRows: 2 }), first, log, 'tellen.test')
    await before.write([line(1), line(2), line(3)])
    await before.close()
    expect(first.taken).toHaveLength(1)

    const after = createSpoolWriter(dir, options(), sink(), log, 'tellen.test')
    expect(after.recovered.map((b) => [b.token, b.rows])).toEqual([[first.taken[0]!.token, 2], [expect.any(String), 1]])
    expect((await after.read(after.recovered[0]!)).toString()).toBe(`${line(1)}\n${line(2)}`)
    for (const batch of after.recovered) await after.release(batch)
    await after.close()
    expect(listSegments(dir)).toEqual([])
    expect(after.bytes()).toBe(0)
  })
})
