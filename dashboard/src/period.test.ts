import { describe, expect, it } from 'vitest'
import { defaultInterval, describeRange, intervalsFor, isDay, periodRange, previousRange, todayIn } from './period.ts'

describe('dashboard periods', () => {
  const today = '2026-03-15'

  it('covers the chosen number of days up to and including today', () => {
    expect(periodRange('today', today)).toEqual({ from: today, to: today })
    expect(periodRange('7d', today)).toEqual({ from: '2026-03-09', to: today })
    expect(periodRange('30d', today)).toEqual({ from: '2026-02-14', to: today })
    expect(periodRange('90d', today)).toEqual({ from: '2025-12-16', to: today })
    expect(periodRange('month', today)).toEqual({ from: '2026-03-01', to: today })
  })

  it('orders a custom range and ignores days that do not exist', () => {
    expect(periodRange('custom', today, { from: '2026-02-10', to: '2026-01-05' })).toEqual({ from: '2026-01-05', to: '2026-02-10' })
    expect(periodRange('custom', today, { from: '2026-02-30', to: today })).toEqual({ from: '2026-02-14', to: today })
    expect(isDay('2026-02-28')).toBe(true)
    expect(isDay('2026-2-28')).toBe(false)
    // A shared link with a day the API refuses falls back to the default range.
    expect(isDay('9999-12-31')).toBe(false)
    expect(periodRange('custom', today, { from: '2026-02-01', to: '9999-12-31' })).toEqual({ from: '2026-02-01', to: today })
  })

  it('compares with the period of equal length just before', () => {
    expect(previousRange({ from: '2026-03-09', to: '2026-03-15' })).toEqual({ from: '2026-03-02', to: '2026-03-08' })
    expect(previousRange({ from: today, to: today })).toEqual({ from: '2026-03-14', to: '2026-03-14' })
  })

  it('cuts today in the site time zone', () => {
    const now = new Date('2026-01-01T12:00:00Z')
    expect(todayIn('Pacific/Auckland', now)).toBe('2026-01-02')
    expect(todayIn('America/Los_Angeles', new Date('2026-01-01T03:00:00Z'))).toBe('2025-12-31')
    expect(todayIn('UTC', now)).toBe('2026-01-01')
  })

  it('offers hours for short ranges and months for long ones', () => {
    expect(defaultInterval({ from: today, to: today })).toBe('hour')
    expect(defaultInterval({ from: '2026-02-14', to: today })).toBe('day')
    expect(intervalsFor({ from: today, to: today })).toEqual(['hour', 'day'])
    expect(intervalsFor({ from: '2025-12-16', to: today })).toEqual(['day', 'week', 'month'])
  })

  it('describes a range in words', () => {
    expect(describeRange({ from: '2026-03-09', to: today })).toBe('9 Mar – 15 Mar 2026')
    expect(describeRange({ from: today, to: today })).toBe('15 Mar 2026')
  })
})

describe('the current hour of a site', () => {
  it('is labelled the way the API labels hourly buckets, in the site’s time zone', async () => {
    const { hourIn } = await import('./period.ts')
    expect(hourIn('Europe/Amsterdam', new Date('2026-01-01T12:30:00Z'))).toBe('2026-01-01 13:00')
    expect(hourIn('Pacific/Auckland', new Date('2026-01-01T12:30:00Z'))).toBe('2026-01-02 01:00')
    expect(hourIn('UTC', new Date('2026-01-01T00:05:00Z'))).toBe('2026-01-01 00:00')
  })
})
