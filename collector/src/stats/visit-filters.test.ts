import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStatsDb, type StatsDb } from '../../../test/helpers/stats-fixture.ts'
import { UA } from '../../../test/helpers/collector.ts'
import { parseIp } from '../ingest/ip.ts'
import { processBatch } from '../ingest/pipeline.ts'
import { insertLines } from '../ingest/writer.ts'
import { runVisitsJob } from '../visits/sessionize.ts'
import { exits } from './queries/exits.ts'

const SITE = 'tokyo-visits.test'
const TZ = 'Asia/Tokyo'
const DAY_MS = 86_400_000
/** A day two days ago; in Tokyo it starts at 15:00 UTC the day before. */
const day = new Date(Date.now() - 2 * DAY_MS).toISOString().slice(0, 10)
const localMidnight = Date.parse(`${day}T00:00:00+09:00`)

let s: StatsDb
beforeAll(async () => {
  s = await openStatsDb()
  const deps = { site: (d: string) => (d === SITE ? { domain: SITE, timezone: TZ, queryAllowlist: new Set<string>() } : undefined), saltFor: () => Buffer.alloc(32, 5), ipv4Prefix: 24, ipv6Prefix: 48 }
  const event = (ts: number, wire: Record<string, unknown>) => {
    const r = processBatch({ v: 1, site: SITE, events: [{ url: `https://${SITE}/docs`, ts, ...wire }] }, { ip: parseIp('203.0.113.9'), userAgent: UA.firefoxWindows, origin: undefined, now: ts + 1000 }, deps)
    if (!r.ok || r.rows.length !== 1) throw new Error(JSON.stringify(r))
    return r.rows[0]!
  }
  // One visit from Google that starts ten minutes before Tokyo's midnight and goes on after it.
  const lines = [
    event(localMidnight - 10 * 60_000, { type: 'pageview', referrer: 'https://www.google.com/' }),
    event(localMidnight - 5 * 60_000, { type: 'leave', exit: 'internal', target: `https://${SITE}/pricing`, engaged: 1000 }),
    event(localMidnight + 5 * 60_000, { type: 'pageview', url: `https://${SITE}/pricing`, referrer: `https://${SITE}/docs` }),
    event(localMidnight + 10 * 60_000, { type: 'leave', url: `https://${SITE}/pricing`, exit: 'hidden', engaged: 2000 }),
  ]
  await insertLines(s.db, 'tellen.events_in', lines, randomUUID())
  await runVisitsJob(s.db)
})
afterAll(() => s?.close())

describe('a filter on a visit dimension', () => {
  it("keeps the events in the range of a visit that began before the range's first local midnight", async () => {
    const q = { site: SITE, tz: TZ, from: day, to: day, filters: { source: 'Google' } }
    const r = await exits(s.db, q, { limit: 10, offset: 0 })
    expect(r.rows.map((x) => [x.page, x.kind, x.leaves])).toEqual([['/pricing', 'hidden', 1]])
    // The day before holds the visit's first leave only.
    const before = new Date(Date.parse(day) - DAY_MS).toISOString().slice(0, 10)
    const earlier = await exits(s.db, { ...q, from: before, to: before }, { limit: 10, offset: 0 })
    expect(earlier.rows.map((x) => [x.page, x.kind, x.leaves])).toEqual([['/docs', 'internal', 1]])
  })
})
