import { describe, expect, it } from 'vitest'
import { dayWeights, demoTraffic } from './traffic.ts'

const DAY = 86_400_000
const midnight = Date.parse('2026-11-26T00:00:00Z')

describe('demo traffic', () => {
  it('holds about the events asked for whatever the time of day it ends, none in the last hour', () => {
    const ends = [27 * 60_000, 61 * 60_000, DAY / 2, DAY - 60_000].map((t) => midnight + t)
    const counts = ends.map((end) => {
      let events = 0
      let last = 0
      for (const req of demoTraffic({ site: 'demo.local', days: 14, events: 100_000, end })) {
        events += req.body.events.length
        last = Math.max(last, ...req.body.events.map((e) => e.ts as number))
      }
      expect(last).toBeLessThan(end - 3_600_000 + 15 * 60_000)
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
