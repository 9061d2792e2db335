import { describe, expect, it } from 'vitest'
import { DAY_START_GUARD_MS, untilDayStarted } from './helpers/day-start.ts'

describe('untilDayStarted', () => {
  it('makes a test file that would start in the first five minutes of a UTC day wait until they are over, and no other', () => {
    const midnight = Date.parse('2026-12-08T00:00:00Z')
    expect(untilDayStarted(midnight)).toBe(DAY_START_GUARD_MS + 1000)
    expect(untilDayStarted(midnight + 60_000)).toBe(DAY_START_GUARD_MS - 60_000 + 1000)
    expect(untilDayStarted(midnight + DAY_START_GUARD_MS - 1)).toBe(1001)
    expect(untilDayStarted(midnight + DAY_START_GUARD_MS)).toBe(0)
    expect(untilDayStarted(midnight - 1)).toBe(0)
    expect(untilDayStarted(midnight + 12 * 3_600_000)).toBe(0)
    // What the wait leads to: today's date is that of every event sent up to the guard's length before.
    const started = midnight + 60_000 + untilDayStarted(midnight + 60_000)
    expect(new Date(started - DAY_START_GUARD_MS + 1).toISOString().slice(0, 10)).toBe('2026-12-08')
  })
})
