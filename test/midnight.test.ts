import { describe, expect, it } from 'vitest'
import { migrate } from '../collector/src/db/migrate.ts'
import { utcDay, visitorHash } from '../collector/src/ingest/visitor.ts'
import { openSalt, saltSealKey, sealSalt } from '../collector/src/privacy/salt-seal.ts'
import type { Db } from '../collector/src/db/client.ts'
import path from 'node:path'
import { CONDITION_DEADLINE_MS, postEvents, ROOT, rows, startCollector, TEST_SECRET, UA, withDataDir, type Collector } from './helpers/collector.ts'
import { migratedDataDir } from './helpers/migrated-data-dir.ts'

const SITE = 'midnight.test'
const DAY = 86_400_000
/** The longest a collector is given between its start and midnight (by its clock). */
const MAX_MARGIN_MS = 120_000
const KEY = saltSealKey(TEST_SECRET)

/** The salts in use, by day, opened with the collector key as a collector does. */
const openedSalts = async (db: Db) =>
  new Map(
    (await rows<{ d: string; sealed: string }>(db, 'SELECT toString(day) AS d, min(sealed) AS sealed FROM tellen.salts GROUP BY day')).map((r) => [r.d, openSalt(KEY, r.d, r.sealed)]),
  )

describe('events from before midnight that arrive after it', () => {
  it('are stored with the visitor code of their own day, as the same visitor’s events sent before midnight were', async () => {
    const dataDir = migratedDataDir()
    const now = Date.now()
    const midnight = Math.floor(now / DAY) * DAY
    const yesterday = utcDay(midnight - 1)
    // Yesterday's salt, as a collector that ran yesterday left it (kept 48 hours after its day).
    await withDataDir(dataDir, async (db) => {
      await migrate(db)
      await db.insert({ table: 'tellen.salts', values: [{ day: yesterday, sealed: sealSalt(KEY, yesterday, Buffer.alloc(32, 0xab)) }], format: 'JSONEachRow' })
    })
    const c = await startCollector({ TELLEN_SITES: SITE, TELLEN_SECRET: TEST_SECRET }, dataDir)
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
      salts: await openedSalts(db),
    }))
    const code = (day: string) => visitorHash(salts.get(day)!, SITE, '127.0.0.1', UA.chromeMac)
    expect(salts.get(yesterday)!.equals(Buffer.alloc(32, 0xab))).toBe(true)
    expect(stored).toEqual([
      { type: 'pageview', day: yesterday, visitor: code(yesterday) },
      { type: 'leave', day: yesterday, visitor: code(yesterday) },
      { type: 'pageview', day: utcDay(now), visitor: code(utcDay(now)) },
    ])
    expect(code(yesterday)).not.toBe(code(utcDay(now)))
  })

  it('get a new salt of their own day when that day has none, so their code matches the visitor on no other day', async () => {
    const now = Date.now()
    const midnight = Math.floor(now / DAY) * DAY
    const yesterday = utcDay(midnight - 1)
    // Nobody ran yesterday: the collector starts today with no salt stored at all.
    const c = await startCollector({ TELLEN_SITES: SITE, TELLEN_SECRET: TEST_SECRET })
    const url = `https://${SITE}/`
    const events = [
      { type: 'pageview', url, ts: midnight - 1000 },
      { type: 'pageview', url, ts: now },
    ]
    expect((await postEvents(c.url, { v: 1, site: SITE, events }, { 'user-agent': UA.chromeMac })).status).toBe(202)
    expect(await c.stop()).toBe(0)
    const { stored, salts } = await withDataDir(c.dataDir, async (db) => ({
      stored: await rows<{ day: string; visitor: string }>(db, 'SELECT toString(toDate(ts)) AS day, toString(visitor) AS visitor FROM tellen.events ORDER BY ts'),
      salts: await openedSalts(db),
    }))
    expect(stored.map((r) => r.day)).toEqual([yesterday, utcDay(now)])
    const [late, current] = stored
    // Yesterday's salt was made and stored for yesterday, and gives the late event's code.
    expect(late!.visitor).toBe(visitorHash(salts.get(yesterday)!, SITE, '127.0.0.1', UA.chromeMac))
    const otherDays = [...salts].filter(([day]) => day !== yesterday)
    expect(otherDays.length).toBeGreaterThanOrEqual(2)
    for (const [, salt] of otherDays) expect(visitorHash(salt, SITE, '127.0.0.1', UA.chromeMac)).not.toBe(late!.visitor)
    expect(current!.visitor).not.toBe(late!.visitor)
  })

  it('a collector running across UTC midnight: codes change at midnight, late events keep their day, visits are cut per day', async () => {
    // The collector's clock says 15 s before midnight as it starts (which takes a few seconds). A start
    // that took longer than that on a busy machine is tried again with twice the time.
    const midnight = (Math.floor(Date.now() / DAY) + 1) * DAY
    let margin = 15_000
    let shift = 0
    let c: Collector
    for (;;) {
      shift = midnight - margin - Date.now()
      c = await startCollector(
        { TELLEN_SITES: SITE, TELLEN_SECRET: TEST_SECRET, TELLEN_VISITS_INTERVAL_MS: '1000', TELLEN_TEST_CLOCK_SHIFT_MS: String(shift) },
        migratedDataDir(),
        ['--import', path.join(ROOT, 'test/helpers/shifted-clock.mjs')],
      )
      if (Date.now() + shift < midnight - 3000 || margin >= MAX_MARGIN_MS) break
      await c.stop()
      margin *= 2
    }
    const clock = () => Date.now() + shift
    try {
      expect(clock()).toBeLessThan(midnight - 3000)
      const url = `https://${SITE}/`
      const send = (events: unknown[]) => postEvents(c.url, { v: 1, site: SITE, events }, { 'user-agent': UA.chromeMac })
      expect((await send([{ type: 'pageview', url }])).status).toBe(202)
      await new Promise((r) => setTimeout(r, midnight + 2000 - clock()))
      expect((await send([{ type: 'pageview', url: `${url}next` }])).status).toBe(202)
      // Sent after midnight, from before it (a batch the page kept while it was offline).
      expect((await send([{ type: 'pageview', url: `${url}late`, ts: midnight - 5000 }])).status).toBe(202)
      // The visits job has cut all three page views once the stats count two visits of three pages.
      const range = new URLSearchParams({ from: utcDay(midnight - 1), to: utcDay(midnight) })
      const visitsCut = async () => {
        const res = await fetch(`${c.url}/api/stats/${SITE}/overview?${range}`, { headers: { authorization: `Bearer ${c.adminToken}` } })
        const { current } = (await res.json()) as { current?: { visits: number; pages_per_visit: number } }
        return { visits: current?.visits, pages_per_visit: current?.pages_per_visit }
      }
      await expect.poll(visitsCut, { timeout: CONDITION_DEADLINE_MS, interval: 250 }).toEqual({ visits: 2, pages_per_visit: 1.5 })
    } finally {
      expect(await c.stop()).toBe(0)
    }
    const before = utcDay(midnight - 1)
    const after = utcDay(midnight)
    const { stored, visits, salts } = await withDataDir(c.dataDir, async (db) => ({
      stored: await rows<{ path: string; day: string; visitor: string }>(db, 'SELECT path, toString(toDate(ts)) AS day, toString(visitor) AS visitor FROM tellen.events ORDER BY path'),
      visits: await rows<{ day: string; pageviews: number; entry_page: string }>(
        db,
        `SELECT toString(toDate(start)) AS day, toUInt32(pageviews) AS pageviews, entry_page FROM tellen.rollup_visits FINAL WHERE site = {site:String} AND pageviews > 0 ORDER BY day`,
        { site: SITE },
      ),
      salts: await openedSalts(db),
    }))
    const code = (day: string) => visitorHash(salts.get(day)!, SITE, '127.0.0.1', UA.chromeMac)
    expect(stored).toEqual([
      { path: '/', day: before, visitor: code(before) },
      { path: '/late', day: before, visitor: code(before) },
      { path: '/next', day: after, visitor: code(after) },
    ])
    expect(code(before)).not.toBe(code(after))
    expect(visits).toEqual([
      { day: before, pageviews: 2, entry_page: '/' },
      { day: after, pageviews: 1, entry_page: '/next' },
    ])
  }, 6 * 60_000)
})
