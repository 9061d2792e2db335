import { describe, expect, it } from 'vitest'
import { parseState, stateQuery } from './state.ts'

describe('dashboard view state in the URL', () => {
  it('reads the site, period, chart and filters from the query', () => {
    const s = parseState('?site=example.com&period=7d&metric=pageviews&interval=hour&country=NL&page=%2Fpricing')
    expect(s).toEqual({
      site: 'example.com', period: '7d', from: undefined, to: undefined, metric: 'pageviews', interval: 'hour',
      filters: { country: 'NL', page: '/pricing' }, heatmap: undefined, overlay: false, compare: false, table: false, tabs: {}, errors: undefined,
      goal: undefined, funnel: undefined, journey: undefined,
    })
  })

  it('reads the chosen tab of each breakdown panel and the kind of failed resources', () => {
    const s = parseState('?pages=exit_page&sources=utm_campaign&locations=language&tech=os_version&errors=script')
    expect(s.tabs).toEqual({ pages: 'exit_page', sources: 'utm_campaign', locations: 'language', tech: 'os_version' })
    expect(s.errors).toBe('script')
  })

  it('does not take started downloads as a kind of failure', () => {
    expect(parseState('?errors=download').errors).toBeUndefined()
  })

  it('keeps the chosen goal, the funnel and the journey page in the URL', () => {
    const query = '?goal=g1&funnel=%2F%2C%2Fpricing%2Cevent%3Asignup&journey=%2Fpricing'
    expect(parseState(query)).toMatchObject({ goal: 'g1', funnel: '/,/pricing,event:signup', journey: '/pricing' })
    expect(stateQuery(parseState(query))).toBe(query)
  })

  it('ignores a tab of another panel, an unknown tab or kind, and a tab that is the default', () => {
    const s = parseState('?pages=country&sources=nope&tech=browser&errors=pdf')
    expect(s.tabs).toEqual({})
    expect(s.errors).toBeUndefined()
    expect(stateQuery(s)).toBe('')
  })

  it('falls back to the defaults for unknown or malformed values', () => {
    const s = parseState('?period=year&metric=money&interval=minute&from=2026-13-01&colour=red')
    expect(s).toMatchObject({ site: undefined, period: '30d', metric: 'visitors', interval: undefined, from: undefined, filters: {} })
  })

  it('writes back exactly what it read, leaving defaults out', () => {
    const query = '?site=example.com&period=custom&from=2026-01-01&to=2026-01-31&metric=bounce_rate&compare=1&country=NL&device=mobile&heatmap=%2F'
    expect(stateQuery(parseState(query))).toBe(query)
    expect(stateQuery(parseState('?period=30d&metric=visitors'))).toBe('')
    const choices = '?period=7d&table=1&pages=entry_page&tech=device&errors=script'
    expect(stateQuery(parseState(choices))).toBe(choices)
    expect(stateQuery({ ...parseState(''), tabs: { pages: 'page', sources: 'referrer' } })).toBe('?sources=referrer')
  })
})
