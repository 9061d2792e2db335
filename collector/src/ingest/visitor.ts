import { createHmac, randomBytes } from 'node:crypto'
import type { Db } from '../db/client.ts'

/** The UTC day of a time, as `YYYY-MM-DD`. */
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/**
 * Daily salts shared by every collector through `tellen.salts`. The salt of a day is the lowest one
 * stored for it, so instances that create one at the same moment still agree once they reload;
 * tomorrow's salt is created a day ahead so that by midnight every instance has read it.
 */
export interface SaltStore {
  /** The salt for the UTC day of `now`; throws if it has not been loaded. */
  saltFor(now: number): Buffer
  /** Loads (creating when missing) the salts of today and tomorrow. */
  refresh(now?: number): Promise<void>
}

export function createSaltStore(db: Db): SaltStore {
  const salts = new Map<string, Buffer>()

  async function lowest(days: string[]): Promise<Map<string, string>> {
    const rs = await db.query({
      query: 'SELECT toString(day) AS d, min(salt) AS salt FROM tellen.salts WHERE day IN {days:Array(Date)} GROUP BY day',
      query_params: { days },
      format: 'JSONEachRow',
    })
    return new Map((await rs.json<{ d: string; salt: string }>()).map((r) => [r.d, r.salt]))
  }

  return {
    saltFor(now) {
      const salt = salts.get(utcDay(now))
      if (!salt) throw new Error(`no salt loaded for ${utcDay(now)}`)
      return salt
    },
    async refresh(now = Date.now()) {
      const days = [utcDay(now), utcDay(now + 86_400_000)]
      let found = await lowest(days)
      const missing = days.filter((d) => !found.has(d))
      if (missing.length) {
        await db.insert({
          table: 'tellen.salts',
          values: missing.map((day) => ({ day, salt: randomBytes(32).toString('hex') })),
          format: 'JSONEachRow',
        })
        found = await lowest(days)
      }
      for (const [day, salt] of found) salts.set(day, Buffer.from(salt, 'hex'))
      for (const day of salts.keys()) if (!days.includes(day) && day < days[0]!) salts.delete(day)
    },
  }
}

/**
 * The visitor hash: HMAC-SHA-256 keyed with the day's salt over site, address and user agent,
 * truncated to 64 bits (as a decimal string for ClickHouse's UInt64).
 */
export function visitorHash(salt: Buffer, site: string, ip: string, userAgent: string): string {
  const digest = createHmac('sha256', salt).update(site).update('\0').update(ip).update('\0').update(userAgent).digest()
  return digest.readBigUInt64BE(0).toString()
}
