import { describe, expect, it } from 'vitest'
import { nextPeriod, periodsOf, periodStart, releasableAt } from './periods.ts'

describe('periods', () => {
  it('starts weeks on Monday and months on the first, in UTC', () => {
    expect(periodStart('2026-12-06', 'week')).toBe('2026-11-30')
    expect(periodStart('2026-11-30', 'week')).toBe('2026-11-30')
    expect(periodStart('2026-12-07', 'month')).toBe('2026-12-01')
    expect(nextPeriod('2026-12-01', 'month')).toBe('2027-01-01')
    expect(nextPeriod('2024-02-01', 'month')).toBe('2024-03-01')
  })

  it('cuts a span into whole periods, or names the end that is not whole', () => {
    expect(periodsOf('2026-11-02', '2026-11-15', 'week')).toEqual({ starts: ['2026-11-02', '2026-11-09'] })
    expect(periodsOf('2026-10-01', '2026-11-30', 'month')).toEqual({ starts: ['2026-10-01', '2026-11-01'] })
    expect(periodsOf('2026-11-03', '2026-11-15', 'week')).toEqual({ problem: 'from 2026-11-03 is not the first day of a week (a week starts on 2026-11-02)' })
    expect(periodsOf('2026-11-02', '2026-11-14', 'week')).toEqual({ problem: 'to 2026-11-14 is not the last day of a week (that week ends on 2026-11-15)' })
    expect(periodsOf('2026-11-01', '2026-11-29', 'month')).toEqual({ problem: 'to 2026-11-29 is not the last day of a month (that month ends on 2026-11-30)' })
  })

  it('releases a period only once late events can no longer reach it', () => {
    expect(new Date(releasableAt('2026-12-05', 'day')).toISOString()).toBe('2026-12-07T01:00:00.000Z')
  })
})
