import { describe, expect, it } from 'vitest'
import type { Site } from '../../sites.ts'
import { admit, namedSite, originRefusal } from './admit.ts'

const EXAMPLE: Site = { domain: 'example.com', timezone: 'UTC', queryAllowlist: new Set() }
const lookup = (d: string) => (d === 'example.com' ? EXAMPLE : undefined)
const batch = (site: string) => ({ v: 1 as const, site, events: [{}] })

describe('admit', () => {
  it('admits a registered site, named in any case, from its own pages or without an origin', () => {
    expect(admit(batch('Example.COM'), 'https://www.example.com', lookup)).toBe(EXAMPLE)
    expect(admit(batch('example.com'), undefined, lookup)).toBe(EXAMPLE)
    expect(admit(batch('example.com'), 'null', lookup)).toBe(EXAMPLE)
  })

  it('refuses a site that is not registered with a 403 naming it', () => {
    expect(admit(batch('nope.org'), undefined, lookup)).toMatchObject({ reason: 'unknown_site', status: 403, error: 'site "nope.org" is not registered with this collector' })
  })

  it('refuses a page of another host, and an origin that is not a URL, with a 403 for the site', () => {
    expect(admit(batch('example.com'), 'https://evil.example.net', lookup)).toMatchObject({
      reason: 'bad_origin', status: 403, site: 'example.com', error: 'origin evil.example.net does not belong to site example.com',
    })
    expect(originRefusal('not a url', 'example.com')).toBe('origin is not a URL')
  })

  it('finds the registered site a body names before the body is validated', () => {
    expect(namedSite({ site: 'EXAMPLE.com', events: 'x' }, lookup)).toBe(EXAMPLE)
    expect(namedSite({ site: 'nope.org' }, lookup)).toBeUndefined()
    expect(namedSite(null, lookup)).toBeUndefined()
    expect(namedSite({ site: 5 }, lookup)).toBeUndefined()
  })
})
