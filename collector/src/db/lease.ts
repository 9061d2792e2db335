import { randomUUID } from 'node:crypto'
import type { Db } from './client.ts'

/**
 * Claims of leases: one row per claim, keyed by (name, claimed, holder); extending or giving up a
 * claim writes the same key with a later `version`. The holder of a lease is the one whose unexpired
 * claim came first, by the server's clock, so every collector reading the table agrees on it.
 */
export const LEASES_TABLE = `CREATE TABLE IF NOT EXISTS tellen.leases
  (name String, holder String, claimed DateTime64(3, 'UTC'), expires DateTime64(3, 'UTC'), version UInt64)
  ENGINE = ReplacingMergeTree(version) ORDER BY (name, claimed, holder)
  TTL toDateTime(expires) + INTERVAL 1 DAY`

/**
 * How long a claimant waits between writing its claim and reading who holds the lease: longer than
 * an insert takes to become visible, so two claims written at the same moment both count.
 */
export const CLAIM_SETTLE_MS = 250

const CURRENT = `SELECT holder, toString(claimed) AS claimed FROM tellen.leases FINAL
  WHERE name = {name:String} AND expires > now64(3)
  ORDER BY claimed, holder LIMIT 1`

const CLAIM = `INSERT INTO tellen.leases (name, holder, claimed, expires, version)
  SELECT {name:String}, {holder:String}, now64(3), now64(3) + toIntervalMillisecond({ttl:UInt32}), {version:UInt64}`

const EXTEND = `INSERT INTO tellen.leases (name, holder, claimed, expires, version)
  SELECT {name:String}, {holder:String}, toDateTime64({claimed:String}, 3, 'UTC'),
         if({ttl:UInt32} = 0, toDateTime64({claimed:String}, 3, 'UTC'), now64(3) + toIntervalMillisecond({ttl:UInt32})), {version:UInt64}`

const OTHER_CLAIMS = `SELECT toUInt32(count()) AS n FROM tellen.leases FINAL
  WHERE name = {name:String} AND expires > now64(3) AND holder != {holder:String}`

const MY_LAST_CLAIM = `SELECT toString(max(claimed)) AS claimed FROM tellen.leases
  WHERE name = {name:String} AND holder = {holder:String}`

export interface Lease {
  /** This process's name in the table. */
  readonly holder: string
  /**
   * Takes the lease or extends it for `ttlMs`; false when another holder has it. With `queue`, a
   * claim is left (and kept alive by each call) while another holds it, so this process is next:
   * the holder is the earliest unexpired claim, and a claim written later cannot overtake it.
   */
  acquire(options?: { queue?: boolean }): Promise<boolean>
  /** Gives the lease up, so another process need not wait for it to expire. */
  release(): Promise<void>
  /** True when another process has queued a claim (`acquire({ queue: true })`) and waits for this one. */
  queued(): Promise<boolean>
}

/** Every write carries a version above the last one of this process, even within one millisecond. */
let lastVersion = 0
const nextVersion = () => (lastVersion = Math.max(lastVersion + 1, Date.now()))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * A lease named `name` in ClickHouse, shared by every collector on the same database: at most one
 * process holds it at a time, and a holder that dies loses it after `ttlMs`. Each write uses a
 * fresh deduplication token, so a claim is never taken for a replay of an older one.
 * @example
 * const lease = createLease(db, 'visits', 120_000)
 * if (await lease.acquire()) await runVisitsJob(db)
 */
export function createLease(db: Db, name: string, ttlMs: number): Lease {
  const holder = randomUUID()
  let claimed: string | undefined
  let tableReady = false
  const write = (query: string, params: Record<string, unknown>) =>
    db.command({ query, query_params: { name, holder, version: nextVersion(), ...params }, clickhouse_settings: { insert_deduplication_token: randomUUID() } })
  const current = async () => {
    const rs = await db.query({ query: CURRENT, query_params: { name }, format: 'JSONEachRow' })
    return (await rs.json<{ holder: string; claimed: string }>())[0]
  }
  return {
    holder,
    async acquire({ queue = false } = {}) {
      if (!tableReady) await db.command({ query: LEASES_TABLE })
      tableReady = true
      const now = await current()
      if (now && now.holder === holder) {
        claimed = now.claimed
        await write(EXTEND, { claimed, ttl: ttlMs })
        return true
      }
      if (now && !queue) return false
      if (now && claimed !== undefined) {
        await write(EXTEND, { claimed, ttl: ttlMs })
        return false
      }
      await write(CLAIM, { ttl: ttlMs })
      const rs = await db.query({ query: MY_LAST_CLAIM, query_params: { name, holder }, format: 'JSONEachRow' })
      claimed = (await rs.json<{ claimed: string }>())[0]!.claimed
      if (now) return false
      await sleep(CLAIM_SETTLE_MS)
      if ((await current())?.holder === holder) return true
      if (queue) return false
      await write(EXTEND, { claimed, ttl: 0 })
      claimed = undefined
      return false
    },
    async queued() {
      const rs = await db.query({ query: OTHER_CLAIMS, query_params: { name, holder }, format: 'JSONEachRow' })
      return Number((await rs.json<{ n: number }>())[0]?.n ?? 0) > 0
    },
    async release() {
      if (claimed === undefined) return
      await write(EXTEND, { claimed, ttl: 0 })
      claimed = undefined
    },
  }
}

/**
 * Runs `fn` while holding the lease `name`, waiting for it in turn (a queued claim, polled every
 * `pollMs`) up to `waitMs`; the lease is extended every `ttlMs / 3` while `fn` runs and released
 * after. Processes that take the same lease again and again cannot keep a waiting one out.
 * @example
 * await withLease(db, 'migrations', () => applyMigrations(db))
 */
export async function withLease<T>(db: Db, name: string, fn: () => Promise<T>, { ttlMs = 60_000, waitMs = 300_000, pollMs = 500 } = {}): Promise<T> {
  const lease = createLease(db, name, ttlMs)
  const deadline = Date.now() + waitMs
  while (!(await lease.acquire({ queue: true }))) {
    if (Date.now() > deadline) {
      await lease.release().catch(() => undefined)
      throw new Error(`lease ${name} is still held by another process after ${waitMs} ms`)
    }
    await sleep(pollMs)
  }
  const renewing = setInterval(() => void lease.acquire().catch(() => undefined), ttlMs / 3)
  renewing.unref()
  try {
    return await fn()
  } finally {
    clearInterval(renewing)
    await lease.release().catch(() => undefined)
  }
}
