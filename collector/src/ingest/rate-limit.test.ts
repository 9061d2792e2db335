import { describe, expect, it } from 'vitest'
import { createRateLimits } from './rate-limit.ts'

describe('createRateLimits', () => {
  it('refuses a prefix past its per-minute limit and leaves other prefixes alone', async () => {
    const limits = createRateLimits({ perPrefix: 3, perSite: 0 })
    for (let i = 0; i < 3; i++) expect(await limits.check('198.51.100.0/24', 'a.test')).toEqual({ ok: true })
    const refused = await limits.check('198.51.100.0/24', 'a.test')
    expect(refused).toMatchObject({ ok: false, scope: 'prefix' })
    expect(refused.ok === false && refused.retryAfterSeconds).toBeGreaterThanOrEqual(1)
    expect(refused.ok === false && refused.retryAfterSeconds).toBeLessThanOrEqual(60)
    expect(await limits.check('203.0.113.0/24', 'a.test')).toEqual({ ok: true })
  })

  it('refuses a site past its per-minute limit whatever the prefix', async () => {
    const limits = createRateLimits({ perPrefix: 0, perSite: 2 })
    expect(await limits.check('p1', 'busy.test')).toEqual({ ok: true })
    expect(await limits.check('p2', 'busy.test')).toEqual({ ok: true })
    expect(await limits.check('p3', 'busy.test')).toMatchObject({ ok: false, scope: 'site' })
    expect(await limits.check('p3', 'quiet.test')).toEqual({ ok: true })
    expect(await limits.check('p3', undefined)).toEqual({ ok: true })
  })
})
