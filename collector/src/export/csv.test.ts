import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { answerRows, csvCell, toCsv } from './csv.ts'

describe('stats answers as CSV', () => {
  it('quotes text a spreadsheet would run as a formula, and leaves numbers alone', () => {
    for (const text of ['=HYPERLINK("x")', '+1', '-cmd', '@SUM(A1)', '\tx', '\rx']) expect(csvCell(text).replace(/^"|"$/g, '').startsWith(`'`)).toBe(true)
    expect(csvCell(-3)).toBe('-3')
    expect(csvCell('/pricing')).toBe('/pricing')
  })

  it('writes rows that a CSV reader reads back, commas, quotes and line breaks included', () => {
    const rows = [{ value: 'a,"b"\nc', visitors: 2 }, { value: '=1+1', visitors: 1, extra: true }]
    const csv = toCsv(rows)
    expect(csv.endsWith('\r\n')).toBe(true)
    expect(parse(csv, { columns: true })).toEqual([{ value: 'a,"b"\nc', visitors: '2', extra: '' }, { value: `'=1+1`, visitors: '1', extra: 'true' }])
  })

  it('makes rows of an answer: its one list, each of several lists by part, none when its lists are empty, or its fields', () => {
    expect(answerRows({ source: 'rollup', rows: [{ value: 'NL', visitors: 3 }] })).toEqual([{ value: 'NL', visitors: 3 }])
    expect(answerRows({ goals: [{ id: 'a', property: { key: 'plan', value: 'pro' } }] })).toEqual([{ id: 'a', 'property.key': 'plan', 'property.value': 'pro' }])
    expect(answerRows({ page: '/', previous: [{ kind: 'entry' }], next: [{ kind: 'exit' }] })).toEqual([{ part: 'previous', kind: 'entry' }, { part: 'next', kind: 'exit' }])
    expect(answerRows({ current: { visitors: 2 }, previous: { visitors: 1 } })).toEqual([{ 'current.visitors': 2, 'previous.visitors': 1 }])
    expect(answerRows({ clicks: [[1, 2]], elements: [{ element: 'a' }] })).toEqual([{ part: 'clicks', row: 0, 0: 1, 1: 2 }, { part: 'elements', element: 'a' }])
    expect(answerRows({ source: 'rollup', dimension: 'event', rows: [] })).toEqual([])
    expect(answerRows({ page: '/', previous: [], next: [{ kind: 'exit' }] })).toEqual([{ kind: 'exit' }])
    expect(answerRows({ source: 'events', span: null, page: '/', previous: [], next: [] })).toEqual([])
  })
})
