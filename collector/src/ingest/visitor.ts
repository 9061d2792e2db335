import { hash, randomBytes } from 'node:crypto'
import type { Db } from '../db/client.ts'
import type { Logger } from '../log.ts'
import { SALT_BYTES, SALT_KEEP_HOURS_AFTER_DAY, VISITOR_HASH_BITS } from '../privacy/policy.ts'
import { openSalt, sealSalt } from '../privacy/salt-seal.ts'

/** The UTC day of a time, as `YYYY-MM-DD`. */
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)

const DAY_MS = 86_400_000

/**
 * The first UTC day whose salt must still be kept at `now`: a day's salt is deleted
 * `SALT_KEEP_HOURS_AFTER_DAY` hours after the day ends.
 * @example firstKeptDay(Date.parse('2026-11-25T10:00:00Z')) // '2026-11-23'
 */
export const firstKeptDay = (now: number) => utcDay(now - SALT_KEEP_HOURS_AFTER_DAY * 3_600_000)

/**
 * Daily salts shared by every collector through `tellen.salts`, stored only sealed with the collector
 * key (privacy/salt-seal.ts), so that a reader of ClickHouse cannot recompute visitor codes. The salt
 * of a day is the one whose sealed form is lowest, so instances that create one at the same moment
 * still agree once they reload; tomorrow's salt is created a day ahead so that by midnight every
 * instance has read it. A day never borrows another day's salt: a day without one gets its own.
 */
export interface SaltStore {
  /**
   * The salt for the UTC day of `now` (an event's time: yesterday, today or tomorrow). One of these
   * days that has none loaded gets a new random salt, shared through ClickHouse as the others are;
   * an older day throws.
   */
  saltFor(now: number): Buffer
  /**
   * Deletes salts whose day ended `SALT_KEEP_HOURS_AFTER_DAY` hours ago (beside the table's TTL, so
   * that deletion does not wait for a merge), then loads, creating when missing, the salts of
   * yesterday, today and tomorrow (events may be up to a day old). Runs every minute. Throws
   * `SaltSealError` when a stored salt was sealed with another TELLEN_SECRET: it never replaces it.
   */
  refresh(now?: number): Promise<void>
  /**
   * Whether the salt of the UTC day of `now` is loaded, so that events received at `now` can be
   * taken. When it is not (ClickHouse was away across more than a day), a refresh is started, at
   * most once every `retryMs`, so that events are taken again as soon as ClickHouse answers.
   */
  ready(now: number): boolean
}

export interface SaltStoreOptions {
  /** The key that seals and opens the salts (`saltSealKey(TELLEN_SECRET)`). */
  key: Buffer
  /** The clock; tests move it forward. */
  now?: () => number
  /** Says once when events start to be refused for want of today's salt, and when they are taken again. */
  log?: Logger
  /** Least time between two refreshes started by `ready` (default 5 s). */
  retryMs?: number
}

export function createSaltStore(db: Db, options: SaltStoreOptions): SaltStore {
  const clock = options.now ?? Date.now
  const { key } = options
  const salts = new Map<string, Buffer>()

  async function lowest(days: string[]): Promise<Map<string, string>> {
    const rs = await db.query({
      query: 'SELECT toString(day) AS d, min(sealed) AS sealed FROM tellen.salts WHERE day IN {days:Array(Date)} GROUP BY day',
      query_params: { days },
      format: 'JSONEachRow',
    })
    return new Map((await rs.json<{ d: string; sealed: string }>()).map((r) => [r.d, r.sealed]))
  }

  const insertSalts = (made: [string, Buffer][]) =>
    db.insert({
      table: 'tellen.salts',
      values: made.map(([day, salt]) => ({ day, sealed: sealSalt(key, day, salt) })),
      format: 'JSONEachRow',
    })

  async function deleteExpired(now: number): Promise<void> {
    const cutoff = firstKeptDay(now)
    const rs = await db.query({
      query: 'SELECT count() AS n FROM tellen.salts WHERE day < {cutoff:Date}',
      query_params: { cutoff },
      format: 'JSONEachRow',
    })
    const [{ n } = { n: 0 }] = await rs.json<{ n: number }>()
    if (Number(n) === 0) return
    await db.command({
      query: 'ALTER TABLE tellen.salts DELETE WHERE day < {cutoff:Date}',
      query_params: { cutoff },
      clickhouse_settings: { mutations_sync: '2' },
    })
  }

  // The salt of the last day asked for, by day number: every request asks, and naming the day costs a Date.
  let cached: { day: number; salt: Buffer } | undefined
  const retryMs = options.retryMs ?? 5000
  /** Set while events are refused: the day without a salt, and when a refresh was last started for it. */
  let refusing: { day: string; triedAt: number } | undefined
  let retrying = false
  const store: SaltStore = {
    ready(now) {
      if (cached?.day === Math.floor(now / DAY_MS)) return true
      const day = utcDay(now)
      const salt = salts.get(day)
      if (salt) {
        cached = { day: Math.floor(now / DAY_MS), salt }
        return true
      }
      const at = performance.now()
      if (!refusing) {
        refusing = { day, triedAt: -Infinity }
        options.log?.warn({ day }, 'no salt is loaded for today (ClickHouse cannot be read): events are answered 503 until it is')
      }
      if (!retrying && at - refusing.triedAt >= retryMs) {
        refusing.triedAt = at
        retrying = true
        // A failure is not logged here: the refresh of every minute says so.
        void store.refresh().catch(() => undefined).finally(() => (retrying = false))
      }
      return false
    },
    saltFor(now) {
      const day = Math.floor(now / DAY_MS)
      if (cached?.day === day) return cached.salt
      const name = utcDay(now)
      let salt = salts.get(name)
      if (!salt) {
        // Events are at most a day old: an older day is never given a salt after the fact.
        if (name < utcDay(clock() - DAY_MS)) throw new Error(`no salt loaded for ${name}`)
        // A day the last refresh did not reach (tomorrow, a few minutes early): its own new salt,
        // shared at once; the next refresh settles on the lowest if another collector made one too.
        salt = randomBytes(SALT_BYTES)
        salts.set(name, salt)
        insertSalts([[name, salt]]).catch((err: Error) => options.log?.error({ err: err.message, day: name }, 'a new salt could not be stored'))
      }
      cached = { day, salt }
      return salt
    },
    async refresh(now = clock()) {
      await deleteExpired(now)
      const days = [utcDay(now - DAY_MS), utcDay(now), utcDay(now + DAY_MS)]
      let found = await lowest(days)
      const missing = days.filter((d) => !found.has(d))
      if (missing.length) {
        await insertSalts(missing.map((day) => [day, salts.get(day) ?? randomBytes(SALT_BYTES)]))
        found = await lowest(days)
      }
      // Opened before anything is replaced: a salt sealed with another key stops the refresh whole.
      const opened = [...found].map(([day, sealed]) => [day, openSalt(key, day, sealed)] as const)
      for (const [day, salt] of opened) salts.set(day, salt)
      for (const day of salts.keys()) if (!found.has(day)) salts.delete(day)
      cached = undefined
      if (refusing && salts.has(utcDay(clock()))) {
        options.log?.info({ day: utcDay(clock()) }, 'the salt of today is loaded: events are taken again')
        refusing = undefined
      }
    },
  }
  return store
}

const HASH_SHIFT = BigInt(64 - VISITOR_HASH_BITS)
/** SHA-256 works on blocks of 64 bytes; HMAC pads its key to one block. */
const BLOCK = 64

/** The two padded keys of HMAC for a salt: the inner one, and the outer one with room for the inner digest. */
const padsOfSalt = new WeakMap<Buffer, { inner: Buffer; outer: Buffer }>()
function pads(salt: Buffer): { inner: Buffer; outer: Buffer } {
  let p = padsOfSalt.get(salt)
  if (!p) {
    const key = salt.length > BLOCK ? hash('sha256', salt, 'buffer') : salt
    p = { inner: Buffer.alloc(BLOCK, 0x36), outer: Buffer.alloc(BLOCK + 32, 0x5c) }
    for (let i = 0; i < key.length; i++) {
      p.inner[i]! ^= key[i]!
      p.outer[i]! ^= key[i]!
    }
    padsOfSalt.set(salt, p)
  }
  return p
}
/** The inner pad and the message of one hash; reused, since a hash is computed synchronously. */
let scratch = Buffer.alloc(2048)

/**
 * The visitor hash: HMAC-SHA-256 keyed with the day's salt over site, address and user agent,
 * truncated to 64 bits (as a decimal string for ClickHouse's UInt64).
 *
 * HMAC is computed from its definition, H(K ^ opad || H(K ^ ipad || m)), with the padded keys
 * made once per salt and two one-shot `crypto.hash` calls that return strings: `createHmac`
 * builds a native object and two buffers per call and costs about twice the CPU (2.7 against
 * 1.2 µs per hash). A test checks the result against `createHmac`.
 */
export function visitorHash(salt: Buffer, site: string, ip: string, userAgent: string): string {
  const { inner, outer } = pads(salt)
  const message = `${site}\0${ip}\0${userAgent}`
  const length = BLOCK + Buffer.byteLength(message)
  if (scratch.length < length) scratch = Buffer.alloc(length * 2)
  inner.copy(scratch, 0)
  scratch.write(message, BLOCK)
  outer.write(hash('sha256', scratch.subarray(0, length), 'binary'), BLOCK, 'latin1')
  // The message holds the address: it does not stay in the buffer until the next hash.
  scratch.fill(0, BLOCK, length)
  return (BigInt(`0x${hash('sha256', outer, 'hex').slice(0, 16)}`) >> HASH_SHIFT).toString()
}
