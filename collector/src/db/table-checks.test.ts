import { describe, expect, it } from 'vitest'
import { differences, sameTotal, summedColumns, totalOf } from './table-checks.ts'

describe('the figures compared of a table after a copy', () => {
  it('totals each measure in a way that merges and row order do not change', () => {
    const none = new Set<string>()
    expect(totalOf({ name: 'pageviews', type: 'SimpleAggregateFunction(sum, UInt64)' }, none)).toBe('sum(`pageviews`)')
    expect(totalOf({ name: 'visitors', type: 'AggregateFunction(uniqCombined(12), UInt64)' }, none)).toBe('uniqCombinedMerge(12)(`visitors`)')
    expect(totalOf({ name: 'grid', type: 'AggregateFunction(sumForEach, Array(UInt32))' }, none)).toBe('arraySum(sumForEachMerge(`grid`))')
    expect(totalOf({ name: 'count', type: 'UInt64' }, summedColumns('SummingMergeTree(count) ORDER BY (site, day)'))).toBe('sum(`count`)')
    // A t-digest's state depends on the order it was merged in: only its rows are compared.
    expect(totalOf({ name: 'lcp', type: 'AggregateFunction(quantilesTDigest(0.5, 0.75, 0.95), Float64)' }, none)).toBeUndefined()
    expect(totalOf({ name: 'path', type: 'String' }, none)).toBeUndefined()
  })

  it('calls integers equal only when they are, and sums of floats equal up to the order they were added in', () => {
    expect(sameTotal('12', '12')).toBe(true)
    expect(sameTotal('12', '13')).toBe(false)
    expect(sameTotal('0.30000000000000004', '0.3')).toBe(true)
    expect(sameTotal('0.31', '0.3')).toBe(false)
  })

  it('names each difference', () => {
    expect(differences({ rows: '3', totals: { pageviews: '10' } }, { rows: '3', totals: { pageviews: '20' } })).toEqual(['pageviews 10 against 20'])
    expect(differences({ rows: '3', totals: {} }, { rows: '4', totals: {} })).toEqual(['rows 3 against 4'])
    expect(differences({ rows: '3', totals: { n: '1' } }, { rows: '3', totals: { n: '1' } })).toEqual([])
  })
})
