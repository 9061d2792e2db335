import { createHmac, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, type Db } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { SALT_BYTES } from '../privacy/policy.ts'
import { SaltSealError, saltSealKey } from '../privacy/salt-seal.ts'
import { createSaltStore, firstKeptDay, utcDay, visitorHash } from './visitor.ts'
import { migratedDataDir } from '../../../test/helpers/migrated-data-dir.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const key = saltSealKey('the collector secret of these tests, 32+ characters')

describe('daily salts in ClickHouse', () => {
  let db: Db
  const dir = migratedDataDir('tellen-salts-')
  const saltDays = async () => {
    const rs = await db.query({ query: 'SELECT toString(day) AS d, count() AS n FROM tellen.salts GROUP BY day ORDER BY day', format: 'JSONEachRow' })
    return Object.fromEntries((await rs.json<{ d: string; n: number }>()).map((r) => [r.d, Number(r.n)]))
  }

  beforeAll(async () => {
    db = openDb({ dataDir: dir })
    await migrate(db)
  })
  afterAll(async () => {
    await db.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('keeps a salt until 48 hours after its UTC day ends', () => {
    expect(firstKeptDay(Date.parse('2026-11-25T10:00:00Z'))).toBe('2026-11-23')
    expect(firstKeptDay(Date.parse('2026-11-25T00:00:00Z'))).toBe('2026-11-23')
    expect(firstKeptDay(Date.parse('2026-11-24T23:59:59Z'))).toBe('2026-11-22')
  })

  it('gives two instances creating salts at the same moment the same salt, today and tomorrow', async () => {
    const start = Date.now()
    let now = start
    const a = createSaltStore(db, { key, now: () => now })
    const b = createSaltStore(db, { key, now: () => now })
    await Promise.all([a.refresh(), b.refresh()])
    now += 60_000
    // After one reload both see every salt created at that moment, and use the lowest.
    await Promise.all([a.refresh(), b.refresh()])
    expect(a.saltFor(now).equals(b.saltFor(now))).toBe(true)
    expect(a.saltFor(now)).toHaveLength(SALT_BYTES)
    const tomorrowAgreed = a.saltFor(start + DAY)
    expect(b.saltFor(start + DAY).equals(tomorrowAgreed)).toBe(true)
    // Tomorrow's salt was created a day ahead: at midnight both use the one agreed on the day before.
    now = start + DAY
    await Promise.all([a.refresh(), b.refresh()])
    expect(a.saltFor(now).equals(b.saltFor(now))).toBe(true)
    expect(a.saltFor(now).equals(tomorrowAgreed)).toBe(true)
    const days = await saltDays()
    expect(days[utcDay(start)]).toBeLessThanOrEqual(2)
    expect(days[utcDay(start + DAY)]).toBeLessThanOrEqual(2)
  })

  it('keeps yesterday’s salt loaded through today, for events sent after midnight', async () => {
    const start = Date.now() + 10 * DAY
    const dayStart = Date.parse(`${utcDay(start)}T00:00:00Z`)
    let now = dayStart + 23 * HOUR
    const store = createSaltStore(db, { key, now: () => now })
    await store.refresh()
    const yesterdays = store.saltFor(now)
    // A fresh store the day after the first one ran finds yesterday's salt in ClickHouse.
    now = dayStart + DAY + 60_000
    const next = createSaltStore(db, { key, now: () => now })
    await Promise.all([store.refresh(), next.refresh()])
    for (const s of [store, next]) {
      expect(s.saltFor(dayStart + 23 * HOUR + 59 * 60_000).equals(yesterdays)).toBe(true)
      expect(s.saltFor(now).equals(yesterdays)).toBe(false)
    }
    now = dayStart + 2 * DAY + 60_000
    await store.refresh()
    expect(() => store.saltFor(dayStart + 23 * HOUR)).toThrow(/no salt loaded/)
  })

  it('gives a day that has no salt a new one of its own, shared through ClickHouse, never another day’s', async () => {
    const dayStart = Date.parse(`${utcDay(Date.now() + 20 * DAY)}T00:00:00Z`)
    const now = dayStart + 2 * HOUR
    // Nobody ran yesterday: the store starts today.
    const store = createSaltStore(db, { key, now: () => now })
    await store.refresh()
    const yesterday = store.saltFor(now - 3 * HOUR)
    const today = store.saltFor(now)
    const tomorrow = store.saltFor(now + DAY)
    expect(yesterday.equals(today)).toBe(false)
    expect(tomorrow.equals(today)).toBe(false)
    expect(yesterday.equals(tomorrow)).toBe(false)
    expect(Object.keys(await saltDays())).toContain(utcDay(now - 3 * HOUR))
    // Another collector reads the same salt for yesterday.
    const other = createSaltStore(db, { key, now: () => now })
    await other.refresh()
    expect(other.saltFor(now - 3 * HOUR).equals(yesterday)).toBe(true)
    // A day the last refresh did not reach gets its own salt at once, and shares it.
    const late = createSaltStore(db, { key, now: () => now + 2 * DAY })
    const dayAfter = late.saltFor(now + 2 * DAY)
    expect([yesterday, today, tomorrow].some((s) => s.equals(dayAfter))).toBe(false)
    const end = Date.now() + 10_000
    while (!Object.keys(await saltDays()).includes(utcDay(now + 2 * DAY)) && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
    expect(Object.keys(await saltDays())).toContain(utcDay(now + 2 * DAY))
    // Days whose salt is past keeping get none after the fact.
    expect(() => late.saltFor(now)).toThrow(/no salt loaded/)
  })

  it('refuses salts sealed with another key instead of replacing them', async () => {
    const dayStart = Date.parse(`${utcDay(Date.now() + 60 * DAY)}T00:00:00Z`)
    const first = createSaltStore(db, { key, now: () => dayStart + HOUR })
    await first.refresh()
    const before = await saltDays()
    const other = createSaltStore(db, { key: saltSealKey('another collector secret of 32 characters'), now: () => dayStart + HOUR })
    await expect(other.refresh()).rejects.toThrow(SaltSealError)
    await expect(other.refresh()).rejects.toThrow(/TELLEN_SECRET/)
    expect(await saltDays()).toEqual(before)
  })

  it('is not ready without the salt of the day, loads it by itself, and says so once each way', async () => {
    const dayStart = Date.parse(`${utcDay(Date.now() + 40 * DAY)}T00:00:00Z`)
    let now = dayStart + HOUR
    const said: string[] = []
    const log = { warn: (_: unknown, msg: string) => said.push(msg), info: (_: unknown, msg: string) => said.push(msg) }
    const store = createSaltStore(db, { key, now: () => now, log: log as never, retryMs: 300 })
    await store.refresh()
    expect(store.ready(now)).toBe(true)
    // Two days on without a refresh: today's salt was never read.
    now += 2 * DAY
    for (let i = 0; i < 100; i++) expect(store.ready(now)).toBe(false)
    expect(said).toEqual([expect.stringMatching(/no salt is loaded for today/)])
    const end = Date.now() + 10_000
    while (!store.ready(now) && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
    expect(store.ready(now)).toBe(true)
    expect(store.saltFor(now)).toHaveLength(SALT_BYTES)
    expect(said).toEqual([expect.stringMatching(/no salt is loaded/), expect.stringMatching(/the salt of today is loaded/)])
  })

  it('deletes a salt 48 hours after its day ends, so that day’s hashes cannot be recomputed', async () => {
    const start = Date.now()
    const dayStart = Date.parse(`${utcDay(start)}T00:00:00Z`)
    let now = start
    const store = createSaltStore(db, { key, now: () => now })
    await store.refresh()
    const hash = visitorHash(store.saltFor(now), 'example.com', '203.0.113.7', 'agent')
    expect(visitorHash(store.saltFor(now), 'example.com', '203.0.113.7', 'agent')).toBe(hash)

    now = dayStart + 72 * HOUR - 1
    await store.refresh()
    expect(Object.keys(await saltDays())).toContain(utcDay(start))
    expect(() => store.saltFor(start)).toThrow(/no salt loaded/)

    now = dayStart + 72 * HOUR
    await store.refresh()
    const days = await saltDays()
    expect(Object.keys(days)).not.toContain(utcDay(start))
    expect(Object.keys(days)).toContain(utcDay(now))
    // Nothing anywhere can produce the old day's salt again: a fresh instance has none either.
    const fresh = createSaltStore(db, { key, now: () => now })
    await fresh.refresh()
    expect(() => fresh.saltFor(start)).toThrow(/no salt loaded/)
    const raw = await db.query({ query: 'SELECT sealed FROM tellen.salts', format: 'JSONEachRow' })
    for (const { sealed } of await raw.json<{ sealed: string }>()) {
      expect(visitorHash(Buffer.from(sealed, 'hex'), 'example.com', '203.0.113.7', 'agent')).not.toBe(hash)
    }
  })
})

describe('visitorHash', () => {
  it('is the first 64 bits of HMAC-SHA-256 keyed with the salt over site, address and user agent', () => {
    const salt = Buffer.alloc(32, 9)
    // openssl dgst -sha256 -mac HMAC -macopt hexkey:0909…09 (32 bytes) over the bytes
    // "example.com", NUL, "203.0.113.7", NUL, "agent"; the first 16 hex digits as a decimal number.
    expect(visitorHash(salt, 'example.com', '203.0.113.7', 'agent')).toBe('2238271949867918801')
  })

  it('equals createHmac for any salt, address and user agent, long or not ASCII', () => {
    const hmac = (salt: Buffer, message: string) => BigInt(`0x${createHmac('sha256', salt).update(message).digest('hex').slice(0, 16)}`).toString()
    const agents = ['', 'agent', 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0', 'Brôwser ✓ 😀', 'x'.repeat(5000), 'y'.repeat(100)]
    for (const [i, userAgent] of agents.entries()) {
      // Salts of a block or shorter and one longer than a block (hashed first, as HMAC does).
      for (const salt of [randomBytes(32), randomBytes(64), randomBytes(100)]) {
        const ip = i % 2 ? `2001:db8::${i}` : `198.51.100.${i}`
        expect(visitorHash(salt, 'example.com', ip, userAgent)).toBe(hmac(salt, `example.com\0${ip}\0${userAgent}`))
      }
    }
  })
})
