import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDataDir } from '../../../test/helpers/collector.ts'
import { openDb, type Db } from './client.ts'
import { createLease } from './lease.ts'

const TTL_MS = 60_000

describe('leases in ClickHouse', () => {
  let db: Db
  beforeAll(async () => {
    db = openDb({ dataDir: tempDataDir() })
    await db.command({ query: 'CREATE DATABASE IF NOT EXISTS tellen ENGINE = Atomic' })
  })
  afterAll(() => db.close())

  it('gives a released lease to the process that queued first, not to one that asks later', async () => {
    const holder = createLease(db, 'turns', TTL_MS)
    const first = createLease(db, 'turns', TTL_MS)
    const later = createLease(db, 'turns', TTL_MS)
    expect(await holder.acquire()).toBe(true)
    expect(await holder.queued()).toBe(false)
    expect(await first.acquire({ queue: true })).toBe(false)
    expect(await holder.queued()).toBe(true)
    expect(await later.acquire({ queue: true })).toBe(false)
    // Without queueing, nobody else takes it while it is held.
    expect(await createLease(db, 'turns', TTL_MS).acquire()).toBe(false)
    await holder.release()
    expect(await later.acquire({ queue: true })).toBe(false)
    expect(await first.acquire({ queue: true })).toBe(true)
    await first.release()
    expect(await later.acquire({ queue: true })).toBe(true)
    await later.release()
  })
})
