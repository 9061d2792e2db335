import { describe, expect, it } from 'vitest'
import { forgetRequestSchema } from './forget.ts'

describe('forgetRequestSchema', () => {
  it('takes a site and calendar days', () => {
    expect(forgetRequestSchema.parse({ site: ' Shop.Example ', from: '2026-02-01', to: '2026-02-28' })).toEqual({ site: 'shop.example', from: '2026-02-01', to: '2026-02-28' })
  })

  it.each([
    [{ site: 'a.example', from: '2026-02-30' }, 'is not a calendar date'],
    [{ site: 'a.example', to: '2026-13-01' }, 'is not a calendar date'],
    [{ site: 'a.example', from: '9999-12-31' }, 'must be a day from 2000-01-01 to 2099-12-31'],
    [{ site: 'a.example', from: '2026-03-02', to: '2026-03-01' }, 'from must not be after to'],
  ])('refuses %j, which would erase other days than asked', (request, message) => {
    const r = forgetRequestSchema.safeParse(request)
    expect(r.success).toBe(false)
    expect(JSON.stringify(r.error?.issues)).toContain(message)
  })
})
