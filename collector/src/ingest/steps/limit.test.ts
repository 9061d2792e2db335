import { describe, expect, it } from 'vitest'
import type { Site } from '../../sites.ts'
import { createRateLimits } from '../rate-limit.ts'
import { limit } from './limit.ts'

const lookup = (d: string): Site | undefined => (d === 'example.com' ? { domain: d, timezone: 'UTC', queryAllowlist: new Set() } : undefined)

describe('limit', () => {
  it('refuses a network past its limit with a 429 and the seconds to wait', async () => {
    const deps = { site: lookup, rateLimits: createRateLimits({ perPrefix: 2, perSite: 0 }) }
    expect(await limit({ site: 'example.com' }, '203.0.113.0/24', deps)).toBeUndefined()
    expect(await limit({ site: 'example.com' }, '203.0.113.0/24', deps)).toBeUndefined()
    const refused = await limit({ site: 'example.com' }, '203.0.113.0/24', deps)
    expect(refused).toMatchObject({ reason: 'rate_limited', status: 429, site: 'example.com', error: expect.stringMatching(/^too many requests from your network; retry in \d+ s$/) })
    expect(refused!.retryAfterSeconds).toBeGreaterThan(0)
    expect(await limit({ site: 'example.com' }, '198.51.100.0/24', deps)).toBeUndefined()
  })

  it('refuses a site past its own limit, naming it', async () => {
    const deps = { site: lookup, rateLimits: createRateLimits({ perPrefix: 0, perSite: 1 }) }
    expect(await limit({ site: 'example.com' }, 'a', deps)).toBeUndefined()
    expect(await limit({ site: 'Example.com' }, 'b', deps)).toMatchObject({ reason: 'rate_limited', error: expect.stringMatching(/for site example\.com/) })
    // A name that is not registered takes no key of its own.
    expect(await limit({ site: 'nope.org' }, 'c', deps)).toBeUndefined()
  })
})
