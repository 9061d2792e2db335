import { randomInt } from 'node:crypto'
import type { Db } from '../../collector/src/db/client.ts'

/** One visit as the visits job writes it: a visitor code of one UTC day, where it came from and what it used. */
export interface SeedVisit {
  day: string
  country: string
  device: string
  browser?: string
  source?: string
  pageviews?: number
  /** The visitor code; a fresh one when left out (codes last one day, so a person is a new code each day). */
  visitor?: number
  /** Minutes after 08:00 UTC the visit starts. */
  minute?: number
}

/** A fresh visitor code. */
export const visitorCode = () => randomInt(1, 2 ** 47)

/**
 * Writes visits into `tellen.rollup_visits`, the table the visits job fills and releases are counted
 * from, for days that have closed (events of those days can no longer arrive).
 * @example await seedVisits(db, 'example.com', [{ day: '2026-11-30', country: 'NL', device: 'desktop' }])
 */
export async function seedVisits(db: Db, site: string, visits: readonly SeedVisit[]): Promise<void> {
  const rows = visits.map((v) => {
    const start = new Date(Date.parse(`${v.day}T08:00:00Z`) + (v.minute ?? randomInt(0, 600)) * 60_000)
    const hour = new Date(Math.floor(start.getTime() / 3_600_000) * 3_600_000)
    return {
      site, hour: hour.toISOString(), visitor: v.visitor ?? visitorCode(), start: start.toISOString(), end: new Date(start.getTime() + 60_000).toISOString(),
      pageviews: v.pageviews ?? 1, customs: 0, entry_page: '/', exit_page: '/', pages: ['/'], events: [], source: v.source ?? 'Direct', referrer_host: '',
      utm_source: '', utm_medium: '', utm_campaign: '', country: v.country, browser: v.browser ?? 'Firefox', browser_version: '', os: 'Linux', os_version: '',
      device: v.device, screen: '', timezone: '', language: 'en', version: 1,
    }
  })
  for (let i = 0; i < rows.length; i += 10_000) {
    await db.insert({ table: 'tellen.rollup_visits', values: rows.slice(i, i + 10_000), format: 'JSONEachRow' })
  }
}
