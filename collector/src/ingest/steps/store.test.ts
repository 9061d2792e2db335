import { describe, expect, it } from 'vitest'
import { Drop, type Stored } from '../drop.ts'
import { WriterFullError } from '../writer.ts'
import { store } from './store.ts'

const stored = (): Stored => ({ ok: true, site: 'example.com', rows: ['[1]', '[2]'], ids: [undefined, undefined], errors: [], ipPrefix: '', drops: [new Drop('spam', 'listed', { status: 202 })] })

describe('store', () => {
  it('hands the rows to the writer and passes the batch on once it took them', async () => {
    const written: string[][] = []
    const s = stored()
    expect(await store(s, async (rows) => void written.push(rows))).toBe(s)
    expect(written).toEqual([['[1]', '[2]']])
  })

  it('refuses with a 503 and a time to retry when the spool is full, counting the other drops beside it', async () => {
    const d = await store(stored(), () => Promise.reject(new WriterFullError('the spool holds 10 MiB')))
    expect(d).toMatchObject({ reason: 'spool_full', status: 503, events: 2, retryAfterSeconds: 30, besides: [{ reason: 'spam' }] })
    expect((d as Drop).error).toBe('the collector cannot take more events right now (the spool holds 10 MiB); retry later')
  })

  it('throws any other failure of the writer', async () => {
    await expect(store(stored(), () => Promise.reject(new Error('disk on fire')))).rejects.toThrow('disk on fire')
  })
})
