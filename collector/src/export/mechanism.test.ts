import { describe, expect, it } from 'vitest'
import { halfWidth } from './discrete-laplace.ts'
import { DEFAULT_EPSILON, EPSILON_UNIT, EXPORT_DELTA, noiseScales, releaseThreshold, visitorError } from './mechanism.ts'

const DEFAULTS = { period: 'day', metrics: ['visitors', 'pageviews'], epsilonMilli: DEFAULT_EPSILON * EPSILON_UNIT } as const

describe('noiseScales', () => {
  it('scales the noise with the days one person can be a new visitor code in', () => {
    const day = noiseScales({ ...DEFAULTS, period: 'day' }).visitors
    const week = noiseScales({ ...DEFAULTS, period: 'week' }).visitors
    const month = noiseScales({ ...DEFAULTS, period: 'month' }).visitors
    expect(week.numerator / week.denominator).toBeCloseTo((7 * day.numerator) / day.denominator)
    expect(month.numerator / month.denominator).toBeCloseTo((31 * day.numerator) / day.denominator)
  })

  it('spends the whole epsilon across visitors, pageviews and the count of groups', () => {
    for (const metrics of [['visitors'], ['visitors', 'pageviews']]) {
      const scales = noiseScales({ ...DEFAULTS, metrics })
      // epsilon of each figure = sensitivity / scale; sensitivities are 1, 10 (pageviews) and 1 per visitor code.
      const spent = scales.visitors.denominator / scales.visitors.numerator + scales.groups.denominator / scales.groups.numerator +
        (metrics.includes('pageviews') ? (10 * scales.pageviews.denominator) / scales.pageviews.numerator : 0)
      expect(spent).toBeCloseTo(DEFAULT_EPSILON)
    }
  })
})

describe('usefulness at the default settings', () => {
  it('keeps a row of 1,000 visitors well within 1% (95% of rows within ±2, 99.9% within ±6)', () => {
    expect(visitorError(DEFAULTS, 0.95)).toBe(2)
    expect(visitorError(DEFAULTS, 0.999)).toBe(6)
    expect(visitorError(DEFAULTS, 0.999) / 1000).toBeLessThan(0.01)
  })

  it('gives the margins the partner documentation states for rows of 50 and 500 visitors', () => {
    // docs/partners.md: ±2 at 95% on a day (4% of 50, 0.4% of 500); ±17 on a week; ±77 on a month; pageviews ±50 on a day.
    expect(visitorError(DEFAULTS, 0.95)).toBe(2)
    expect(visitorError({ ...DEFAULTS, period: 'week' }, 0.95)).toBe(17)
    expect(visitorError({ ...DEFAULTS, period: 'month' }, 0.95)).toBe(77)
    expect(halfWidth(noiseScales(DEFAULTS).pageviews, 0.95)).toBe(50)
  })
})

describe('releaseThreshold', () => {
  it('raises k where the noise is wide, so one person\'s group shows with a chance of at most EXPORT_DELTA', () => {
    const day = { ...DEFAULTS, period: 'day' } as const
    expect(releaseThreshold(day, 10)).toBe(13)
    expect(releaseThreshold(day, 50)).toBe(50)
    for (const period of ['day', 'week', 'month'] as const) {
      const d = { ...DEFAULTS, period }
      const threshold = releaseThreshold(d, 10)
      const days = { day: 1, week: 7, month: 31 }[period]
      // The largest count one person can give a group of their own is the days of the period.
      const scale = noiseScales(d).visitors
      const p = Math.exp(-scale.denominator / scale.numerator)
      expect(p ** (threshold - days) / (1 + p)).toBeLessThanOrEqual(EXPORT_DELTA)
      expect(p ** (threshold - 1 - days) / (1 + p)).toBeGreaterThan(EXPORT_DELTA)
    }
  })
})
