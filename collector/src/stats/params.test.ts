import { describe, expect, it } from 'vitest'
import { today } from './params.ts'

describe('today', () => {
  it("gives each time zone's own date, with the formats it keeps per zone never mixed up", () => {
    // 2026-03-01 02:30 UTC: still the last day of February west of UTC, March to the east.
    const now = Date.UTC(2026, 2, 1, 2, 30)
    for (let round = 0; round < 2; round++) {
      expect(today('UTC', now)).toBe('2026-03-01')
      expect(today('America/Los_Angeles', now)).toBe('2026-02-28')
      expect(today('Asia/Tokyo', now)).toBe('2026-03-01')
      expect(today('Pacific/Kiritimati', now - 14 * 3_600_000)).toBe('2026-03-01')
    }
    expect(today('America/Los_Angeles', now + 8 * 3_600_000)).toBe('2026-03-01')
  })
})
