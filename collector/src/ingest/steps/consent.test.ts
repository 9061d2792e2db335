import { describe, expect, it } from 'vitest'
import type { Site } from '../../sites.ts'
import { createRateLimits } from '../rate-limit.ts'
import { consent } from './consent.ts'

const lookup = (d: string): Site | undefined => (d === 'example.com' ? { domain: d, timezone: 'UTC', queryAllowlist: new Set() } : undefined)
const body = (site = 'example.com') => JSON.stringify({ v: 1, site, events: [{ type: 'pageview', url: `https://${site}/` }] })

function counting(perPrefix = 0) {
  const counted: string[] = []
  return { counted, deps: { site: lookup, rateLimits: createRateLimits({ perPrefix, perSite: 0 }), countOptOut: (site: string) => void counted.push(site) } }
}

describe('consent', () => {
  it('lets a request without a signal through, counting nothing', async () => {
    const { counted, deps } = counting()
    expect(await consent(undefined, body(), undefined, 'p', 0, deps)).toBeUndefined()
    expect(counted).toEqual([])
  })

  it('drops a request with a signal and counts it once for its registered site', async () => {
    const { counted, deps } = counting()
    expect(await consent('gpc', body(), 'https://example.com', 'p', 0, deps)).toMatchObject({ reason: 'opted_out', status: 202, signal: 'gpc', events: 0 })
    expect(counted).toEqual(['example.com'])
  })

  it('answers the same but counts nothing for an unknown site, another origin, a body that is not JSON, or past the rate limit', async () => {
    const { counted, deps } = counting(1)
    const answers = [
      await consent('dnt', body('nope.org'), undefined, 'a', 0, deps),
      await consent('dnt', body(), 'https://evil.example.net', 'b', 0, deps),
      await consent('dnt', 'not json', undefined, 'c', 0, deps),
      await consent('dnt', body(), undefined, 'd', 0, deps),
      await consent('dnt', body(), undefined, 'd', 0, deps),
    ]
    for (const a of answers) expect(a).toMatchObject({ reason: 'opted_out', status: 202, signal: 'dnt' })
    expect(counted).toEqual(['example.com'])
  })
})
