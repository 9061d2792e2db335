import { describe, expect, it } from 'vitest'
import { requireSalt } from './salt.ts'

describe('requireSalt', () => {
  it('passes once the salt of the day is loaded', () => {
    expect(requireSalt({ events: [1, 2] }, 0, () => true)).toBeUndefined()
  })

  it('refuses with a 503 and a time to retry, counting the events of the body, when it is not', () => {
    expect(requireSalt({ events: [1, 2, 3] }, 0, () => false)).toMatchObject({ reason: 'no_salt', status: 503, events: 3, retryAfterSeconds: 30, error: expect.stringMatching(/daily salt/) })
    expect(requireSalt('x', 0, () => false)).toMatchObject({ events: 1 })
  })
})
