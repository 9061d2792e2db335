import { describe, expect, it } from 'vitest'
import { hoursOf, type HourlySeries } from './same-hours.ts'

const series: HourlySeries = {
  visitors: [{ bucket: '2026-01-01 09:00', value: 4 }, { bucket: '2026-01-01 20:00', value: 40 }, { bucket: '2026-01-02 09:00', value: 5 }],
  visits: [{ bucket: '2026-01-01 09:00', value: 4 }, { bucket: '2026-01-01 10:00', value: 6 }, { bucket: '2026-01-01 20:00', value: 50 }, { bucket: '2026-01-02 09:00', value: 5 }],
  pageviews: [{ bucket: '2026-01-01 09:00', value: 8 }, { bucket: '2026-01-01 10:00', value: 12 }, { bucket: '2026-01-01 20:00', value: 99 }],
  bounce_rate: [{ bucket: '2026-01-01 09:00', value: 0.5 }, { bucket: '2026-01-01 10:00', value: 0 }, { bucket: '2026-01-01 20:00', value: 1 }],
  visit_duration: [{ bucket: '2026-01-01 09:00', value: 60 }, { bucket: '2026-01-01 10:00', value: 10 }],
}

describe('the same hours of another day', () => {
  it('sums counts and weighs rates by visits over the hours up to the given one only', () => {
    const m = hoursOf(series, '2026-01-01', '10:00')
    expect(m).toEqual({ visitors: 4, visits: 10, pageviews: 20, pages_per_visit: 2, bounce_rate: 0.2, visit_duration: 30 })
  })

  it('leaves out the hours still to come, and other days', () => {
    expect(hoursOf(series, '2026-01-02', '10:00').visits).toBe(5)
    expect(hoursOf(series, '2026-01-01', '08:00')).toEqual({ visitors: 0, visits: 0, pageviews: 0, pages_per_visit: 0, bounce_rate: 0, visit_duration: 0 })
  })
})
