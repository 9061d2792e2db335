import { describe, expect, it } from 'vitest'
import { parseState } from './state.ts'
import { viewOf } from './view.ts'

const site = { domain: 'example.com', timezone: 'Pacific/Auckland', events_retention_days: 30 }
const now = new Date('2026-03-15T20:00:00Z') // already the 16th in Auckland
const navigate = () => {}

describe('the view a state asks for', () => {
  it('cuts the range in the site time zone and sends the filters as parameters', () => {
    const v = viewOf(parseState('?period=7d&country=NL&page=%2F'), site, navigate, now)
    expect(v.range).toEqual({ from: '2026-03-10', to: '2026-03-16' })
    expect(v.params).toEqual({ from: '2026-03-10', to: '2026-03-16', page: '/', country: 'NL' })
    expect(v.key).toBe('example.com?from=2026-03-10&to=2026-03-16&page=%2F&country=NL')
  })

  it('falls back to an interval that suits the range', () => {
    expect(viewOf(parseState('?period=90d&interval=hour'), site, navigate, now).interval).toBe('day')
    expect(viewOf(parseState('?period=90d&interval=week'), site, navigate, now).interval).toBe('week')
    expect(viewOf(parseState('?period=today'), site, navigate, now).interval).toBe('hour')
  })
})
