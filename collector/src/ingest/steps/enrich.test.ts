import { describe, expect, it } from 'vitest'
import type { Site } from '../../sites.ts'
import { isDrop } from '../drop.ts'
import { eventEnricher, MAX_EVENT_AGE_MS } from './enrich.ts'

const NOW = Date.UTC(2026, 10, 25, 12)
const SITE: Site = { domain: 'example.com', timezone: 'UTC', queryAllowlist: new Set(['q']) }
const batch = (events: unknown[], hash = false) => ({ v: 1 as const, site: 'example.com', events, hash })
const enricher = (hash = false) => eventEnricher(batch([], hash), SITE, NOW, { isSpamReferrer: (h) => h === 'spam.example.org' })

describe('eventEnricher', () => {
  it('keeps the time, the cleaned page and the columns of the kind', () => {
    const e = enricher()({ type: 'pageview', url: 'https://example.com/p?q=1&email=jan@example.nl', referrer: 'https://duckduckgo.com/' })
    expect(e).toMatchObject({ type: 'pageview', ts: NOW, page: { hostname: 'example.com', path: '/p', query: 'q=1' }, columns: { referrer_host: 'duckduckgo.com', source: 'DuckDuckGo' } })
  })

  it('cleans the URL of a page once for the events on it', () => {
    const enrich = enricher()
    const a = enrich({ type: 'timing', url: 'https://example.com/a', metric: 'lcp', value: 1 })
    const b = enrich({ type: 'click', url: 'https://example.com/a', el: 'button', cx: 1, cy: 1 })
    expect(isDrop(a) || isDrop(b)).toBe(false)
    if (!isDrop(a) && !isDrop(b)) expect(b.page).toBe(a.page)
  })

  it('drops a page view from a listed spam referrer as spam', () => {
    expect(enricher()({ type: 'pageview', url: 'https://example.com/', referrer: 'https://spam.example.org/x' })).toMatchObject({ reason: 'spam', status: 202, site: 'example.com' })
  })

  it('drops an event that cannot be stored as invalid, saying why', () => {
    const enrich = enricher()
    const why = (raw: unknown) => {
      const e = enrich(raw)
      return isDrop(e) ? [e.reason, e.status, e.error] : e
    }
    expect(why({ type: 'timing', url: 'https://example.com/', metric: 'nope', value: 1 })).toEqual(['invalid', 202, expect.stringMatching(/metric/)])
    expect(why({ type: 'pageview', url: 'ftp://example.com/' })).toEqual(['invalid', 202, 'url is not an http(s) URL'])
    expect(why({ type: 'pageview', url: 'https://other.org/' })).toEqual(['invalid', 202, 'url host other.org does not belong to site example.com'])
    expect(why({ type: 'pageview', url: 'https://example.com/', ts: NOW - MAX_EVENT_AGE_MS - 1 })).toEqual(['invalid', 202, 'ts is more than 24 hours before receipt or in the future'])
    expect(why({ type: 'leave', url: 'https://example.com/', exit: 'outbound', target: 'javascript:alert(1)' })).toEqual(['invalid', 202, 'target is not an http(s) URL'])
  })

  it('keeps a hash route as part of the path only for a site with hash routing', () => {
    const url = 'https://example.com/#/orders/list'
    expect(enricher(true)({ type: 'pageview', url })).toMatchObject({ page: { path: '/#/orders/list' } })
    expect(enricher(false)({ type: 'pageview', url })).toMatchObject({ page: { path: '/' } })
  })
})
