import { describe, expect, it } from 'vitest'
import { compareMetric, formatCount, formatDuration, formatMetric, formatMs, formatShare } from './format.ts'

describe('dashboard number formats', () => {
  it('writes counts exactly below a thousand and compactly above', () => {
    expect(formatCount(0)).toBe('0')
    expect(formatCount(999)).toBe('999')
    expect(formatCount(1234)).toBe('1.2k')
    expect(formatCount(56_789)).toBe('56.8k')
    expect(formatCount(3_400_000)).toBe('3.4M')
  })

  it('writes shares as percentages with a decimal only below ten percent', () => {
    expect(formatShare(0.342)).toBe('34%')
    expect(formatShare(0.0456)).toBe('4.6%')
    expect(formatShare(0)).toBe('0%')
    expect(formatShare(1)).toBe('100%')
  })

  it('writes durations in seconds, minutes and hours', () => {
    expect(formatDuration(45)).toBe('45s')
    expect(formatDuration(80)).toBe('1m 20s')
    expect(formatDuration(7500)).toBe('2h 5m')
    expect(formatDuration(180)).toBe('3m')
    expect(formatDuration(7200)).toBe('2h')
    expect(formatMs(850)).toBe('850 ms')
    expect(formatMs(2430)).toBe('2.4 s')
  })

  it('formats each metric the way its card shows it', () => {
    expect(formatMetric('bounce_rate', 0.5)).toBe('50%')
    expect(formatMetric('visit_duration', 125)).toBe('2m 5s')
    expect(formatMetric('pages_per_visit', 2.3456)).toBe('2.35')
    expect(formatMetric('visitors', 1500)).toBe('1.5k')
  })

  it('compares with the previous period, where a falling bounce rate is good', () => {
    expect(compareMetric('visitors', 120, 100)).toEqual({ text: '+20%', direction: 'up', good: true })
    expect(compareMetric('pageviews', 90, 100)).toEqual({ text: '−10%', direction: 'down', good: false })
    expect(compareMetric('visitors', 5, 0)).toEqual({ text: 'new', direction: 'up', good: true })
    expect(compareMetric('visitors', 0, 0)).toEqual({ text: '0%', direction: 'flat', good: undefined })
    expect(compareMetric('bounce_rate', 0.4, 0.5)).toEqual({ text: '−10 pp', direction: 'down', good: true })
  })
})
