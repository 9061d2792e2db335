import { describe, expect, it } from 'vitest'
import { migrate } from '../collector/src/db/migrate.ts'
import { utcDay, visitorHash } from '../collector/src/ingest/visitor.ts'
import { postEvents, rows, startCollector, tempDataDir, UA, withDataDir } from './helpers/collector.ts'

const SITE = 'midnight.test'
const DAY = 86_400_000

describe('events from before midnight that arrive after it', () => {
  it('are stored with the visitor code of their own day, as the same visitor’s events sent before midnight were', async () => {
    const dataDir = tempDataDir()
    const now = Date.now()
    const midnight = Math.floor(now / DAY) * DAY
    const yesterday = utcDay(midnight - 1)
    // Yesterday's salt, as a collector that ran yesterday left it (kept 48 hours after its day).
    await withDataDir(dataDir, async (db) => {
      await migrate(db)
      await db.insert({ table: 'tellen.salts', values: [{ day: yesterday, salt: 'ab'.repeat(32) }], format: 'JSONEachRow' })
    })
    const c = await startCollector({ TELLEN_SITES: SITE }, dataDir)
    const url = `https://${SITE}/`
    const events = [
      { type: 'pageview', url, ts: midnight - 10_000 },
      { type: 'leave', url, exit: 'hidden', ts: midnight - 2000 },
      { type: 'pageview', url, ts: now },
    ]
    expect((await postEvents(c.url, { v: 1, site: SITE, events }, { 'user-agent': UA.chromeMac })).status).toBe(202)
    expect(await c.stop()).toBe(0)

    const { stored, salts } = await withDataDir(dataDir, async (db) => ({
      stored: await rows<{ type: string; day: string; visitor: string }>(db, 'SELECT toString(type) AS type, toString(toDate(ts)) AS day, toString(visitor) AS visitor FROM tellen.events ORDER BY ts'),
      salts: new Map((await rows<{ d: string; salt: string }>(db, 'SELECT toString(day) AS d, min(salt) AS salt FROM tellen.salts GROUP BY day')).map((r) => [r.d, r.salt])),
    }))
    const code = (day: string) => visitorHash(Buffer.from(salts.get(day)!, 'hex'), SITE, '127.0.0.1', UA.chromeMac)
    expect(stored).toEqual([
      { type: 'pageview', day: yesterday, visitor: code(yesterday) },
      { type: 'leave', day: yesterday, visitor: code(yesterday) },
      { type: 'pageview', day: utcDay(now), visitor: code(utcDay(now)) },
    ])
    expect(code(yesterday)).not.toBe(code(utcDay(now)))
  })
})
