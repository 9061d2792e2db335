import { describe, expect, it } from 'vitest'
import { parseDefinition } from './definition.ts'

describe('parseDefinition', () => {
  it('defines daily visitors and pageviews at epsilon 2 by default', () => {
    expect(parseDefinition({ site: 'Example.com', name: 'totals' })).toEqual({
      site: 'example.com', name: 'totals', dimensions: [], metrics: ['visitors', 'pageviews'], period: 'day', epsilonMilli: 2000,
    })
  })

  it('takes lists as arrays or comma-separated text, and epsilon as a number or text', () => {
    expect(parseDefinition({ site: 'example.com', name: 'a', dimensions: 'country, device', period: 'month', epsilon: '0.25' })).toMatchObject({ dimensions: ['country', 'device'], period: 'month', epsilonMilli: 250 })
    expect(parseDefinition({ site: 'example.com', name: 'a', dimensions: ['referrer'], metrics: ['visitors'], epsilon: 1 })).toMatchObject({ dimensions: ['referrer'], metrics: ['visitors'], epsilonMilli: 1000 })
  })

  it.each([
    [{ dimensions: 'country,country' }, 'dimensions: names a dimension twice'],
    [{ dimensions: 'country,device,browser,os,language' }, 'dimensions: must name at most 4'],
    [{ dimensions: 'page' }, /dimensions: unknown dimension "page"/],
    [{ metrics: 'visits' }, /metrics: unknown metric "visits"/],
    [{ epsilon: '0.0001' }, 'epsilon: must be a number with at most three decimals, such as 0.5 or 2'],
    [{ epsilon: 21 }, 'epsilon: must be at most 20'],
    [{ epsilon: -1 }, 'epsilon: must be a number with at most three decimals, such as 0.5 or 2'],
    [{ name: '' }, /name: must be 1 to 63/],
    [{ period: 'hour' }, 'period: must be one of day, week, month'],
  ])('refuses %o', (fields, message) => {
    expect(() => parseDefinition({ site: 'example.com', name: 'a', ...fields })).toThrow(message)
  })
})
