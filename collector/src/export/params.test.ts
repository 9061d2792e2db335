import { describe, expect, it } from 'vitest'
import { ParamError } from '../stats/params.ts'
import { parseExport } from './params.ts'

describe('parseExport', () => {
  it('exports visitors and pageviews by day as CSV at the configured k by default', () => {
    const r = parseExport({ from: '2026-01-01', to: '2026-01-31' }, 'UTC', 10)
    expect(r).toEqual({ from: '2026-01-01', to: '2026-01-31', dimensions: ['day'], metrics: ['visitors', 'pageviews'], format: 'csv', k: 10 })
  })

  it('keeps the dimensions and metrics in the order given', () => {
    const r = parseExport({ from: '2026-01-01', to: '2026-01-01', dimensions: 'country,day', metrics: 'visits,visitors', format: 'parquet', k: '25' }, 'UTC', 10)
    expect(r).toMatchObject({ dimensions: ['country', 'day'], metrics: ['visits', 'visitors'], format: 'parquet', k: 25 })
  })

  it('takes an empty dimension list as one row for the whole range', () => {
    expect(parseExport({ dimensions: '' }, 'UTC', 10).dimensions).toEqual([])
  })

  it('never goes below the configured k, whoever asks', () => {
    expect(() => parseExport({ k: '9' }, 'UTC', 10)).toThrow(new ParamError('k must be at least 10: no export may describe fewer visitors in a row'))
    expect(() => parseExport({ k: '2' }, 'UTC', 50)).toThrow(/at least 50/)
    expect(parseExport({ k: '50' }, 'UTC', 50).k).toBe(50)
  })

  it.each([
    [{ dimensions: 'event' }, /unknown dimension "event"/],
    [{ dimensions: 'day,' }, /unknown dimension ""/],
    [{ metrics: 'bounce_rate' }, /unknown metric "bounce_rate"/],
    [{ format: 'CSV' }, /format must be one of csv, ndjson, parquet/],
    [{ k: '1e3' }, /k must be a whole number/],
    [{ from: '2026-01-10', to: '2026-01-01' }, /is after to/],
    [Object.fromEntries([['__proto__', 'x']]) as Record<string, string>, /unknown parameter "__proto__"/],
  ])('refuses %o', (q, message) => {
    expect(() => parseExport(q, 'UTC', 10)).toThrow(message)
  })
})
