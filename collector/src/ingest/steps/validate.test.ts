import { describe, expect, it } from 'vitest'
import type { Site } from '../../sites.ts'
import { isDrop } from '../drop.ts'
import { validate } from './validate.ts'

const lookup = (d: string): Site | undefined => (d === 'example.com' ? { domain: d, timezone: 'UTC', queryAllowlist: new Set() } : undefined)

describe('validate', () => {
  it('passes a batch envelope on as it is', () => {
    const batch = { v: 1, site: 'example.com', tz: 'Europe/Amsterdam', events: [{ anything: true }] }
    expect(validate(batch, lookup)).toEqual(batch)
  })

  it('refuses a bad envelope with a 400 that says what is wrong, for the site it names', () => {
    const refused = validate({ v: 1, site: 'EXAMPLE.com', events: 'x' }, lookup)
    expect(isDrop(refused)).toBe(true)
    expect(refused).toMatchObject({ reason: 'invalid', status: 400, site: 'example.com', error: expect.stringMatching(/^events: /) })
    expect(validate({ v: 1, site: 'example.com', events: new Array(501).fill({}) }, lookup)).toMatchObject({ error: expect.stringMatching(/more than 500/) })
    expect(validate([], lookup)).not.toHaveProperty('site')
  })
})
