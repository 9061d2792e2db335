import { describe, expect, it } from 'vitest'
import { dayWeights, DEMO_PLACES, demoTraffic, type DemoRequest } from './traffic.ts'

const DAY = 86_400_000
const midnight = Date.parse('2026-11-26T00:00:00Z')

describe('demo traffic', () => {
  it('holds about the events asked for whatever the time of day it ends, none in the last hour but a few in its last minutes', () => {
    const ends = [27 * 60_000, 61 * 60_000, DAY / 2, DAY - 60_000].map((t) => midnight + t)
    const counts = ends.map((end) => {
      let events = 0
      let last = 0
      let recent = 0
      for (const req of demoTraffic({ site: 'demo.local', days: 14, events: 100_000, end })) {
        events += req.body.events.length
        const latest = Math.max(...req.body.events.map((e) => e.ts as number))
        if (latest > end - 5 * 60_000) recent++
        else last = Math.max(last, latest)
      }
      expect(last).toBeLessThan(end - 3_600_000 + 15 * 60_000)
      expect(recent).toBeGreaterThan(0)
      expect(recent).toBeLessThan(10)
      return events
    })
    for (const n of counts) {
      expect(n).toBeGreaterThan(92_000)
      expect(n).toBeLessThanOrEqual(105_000)
    }
    expect(Math.max(...counts) / Math.min(...counts)).toBeLessThan(1.03)
  })

  it('gives the last day only the share of its curve that has passed', () => {
    const early = dayWeights(7, midnight + 30 * 60_000)
    // Before 01:00 no visit may start on the last day: its share is 0.
    expect(early.open.at(-1)).toBe(0)
    expect(early.shares.at(-1)).toBe(0)
    // The day before loses its last half hour.
    expect(early.open.at(-2)).toBeLessThan(1)
    expect(early.open.at(-2)).toBeGreaterThan(0.97)
    const late = dayWeights(7, midnight + DAY - 1)
    expect(late.open.at(-1)).toBeGreaterThan(0.95)
    expect(late.shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10)
    expect(late.open.slice(0, -1).every((o) => o === 1)).toBe(true)
  })
})

describe('demo traffic looks like a real site', () => {
  const requests: DemoRequest[] = [...demoTraffic({ site: 'demo.local', days: 7, events: 60_000, end: midnight + DAY / 2 })]
  const events: (Record<string, unknown> & { req: DemoRequest })[] = requests.flatMap((r) => r.body.events.map((e) => ({ ...e, req: r })))

  it('names each failed resource with its own kind', () => {
    const kinds = new Map<string, Set<string>>()
    for (const e of events.filter((x) => x.type === 'error')) kinds.set(String(e.resource), (kinds.get(String(e.resource)) ?? new Set()).add(String(e.kind)))
    expect(Object.fromEntries([...kinds].map(([r, k]) => [r.split('/').pop(), [...k]]))).toEqual({ 'hero.webp': ['img'], 'chart.js': ['script'] })
  })

  it('clicks in every column and moves the mouse over the whole page, most in the middle and at the top', () => {
    const columns = new Set(events.filter((e) => e.type === 'click').map((e) => e.cx))
    expect([...columns].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    const grid = Array.from({ length: 100 }, () => 0)
    for (const e of events.filter((x) => x.type === 'leave')) (e.grid as number[]).forEach((n, i) => (grid[i]! += n))
    const cell = (x: number, y: number) => grid[y * 10 + x]!
    expect(cell(4, 0)).toBeGreaterThan(cell(0, 0) * 2)
    expect(cell(4, 0)).toBeGreaterThan(cell(4, 9) * 5)
    expect(cell(0, 0)).toBeGreaterThan(0)
    expect(new Set(grid).size).toBeGreaterThan(20)
  })

  it('varies the deepest scroll: a hump in the middle and a share read to the end', () => {
    const depths = events.filter((e) => e.type === 'leave').map((e) => e.scroll as number)
    const share = (keep: (d: number) => boolean) => depths.filter(keep).length / depths.length
    expect(share((d) => d === 100)).toBeGreaterThan(0.12)
    expect(share((d) => d >= 40 && d < 70)).toBeGreaterThan(share((d) => d < 30) * 1.5)
  })

  it('gives sources their own bounce rates and times on page', () => {
    const bySource = new Map<string, { visits: number; bounces: number }>()
    let current: { referrer: string; pages: number } | undefined
    const close = () => {
      if (!current) return
      const s = bySource.get(current.referrer) ?? { visits: 0, bounces: 0 }
      s.visits++
      if (current.pages === 1) s.bounces++
      bySource.set(current.referrer, s)
    }
    for (const e of events.filter((x) => x.type === 'pageview' && !x.req.origin && !/bot/i.test(x.req.userAgent))) {
      const internal = String(e.referrer ?? '').startsWith('https://demo.local/')
      if (!internal) {
        close()
        current = { referrer: String(e.referrer ?? ''), pages: 1 }
      } else if (current) current.pages++
    }
    close()
    const rate = (ref: string) => bySource.get(ref)!.bounces / bySource.get(ref)!.visits
    expect(rate('https://t.co/abc')).toBeGreaterThan(rate('https://github.com/tellen/tellen') + 0.2)
  })

  it('does not tie language or time zone one to one to the country', () => {
    const byPrefix = new Map<string, { tz: Set<string>; lang: Set<string> }>()
    for (const r of requests) {
      const prefix = r.ip.split('.').slice(0, 3).join('.')
      const seen = byPrefix.get(prefix) ?? { tz: new Set(), lang: new Set() }
      seen.tz.add(r.body.tz)
      seen.lang.add(r.body.lang)
      byPrefix.set(prefix, seen)
    }
    const us = byPrefix.get('8.8.8')!
    expect(us.tz.size).toBeGreaterThan(1)
    expect(us.lang.size).toBeGreaterThan(1)
    const english = [...byPrefix].filter(([, s]) => s.lang.has('en-US')).length
    expect(english).toBeGreaterThan(3)
    expect(DEMO_PLACES.length).toBeGreaterThan(5)
  })

  it('holds a few crawlers and foreign pages for the security view', () => {
    const bots = requests.filter((r) => /bot/i.test(r.userAgent)).length
    const foreign = requests.filter((r) => r.origin).length
    expect(bots / requests.length).toBeGreaterThan(0.003)
    expect(bots / requests.length).toBeLessThan(0.03)
    expect(foreign).toBeGreaterThan(0)
  })
})
