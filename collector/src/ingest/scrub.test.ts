import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyRules, scrubText } from './scrub.ts'

describe('scrubText', () => {
  it('skips the patterns only for text that none of them could change', () => {
    const chars = fc.constantFrom(...'abcdefXYZQ0123456789@%.-_+ eyJ:/é'.split(''))
    const text = fc.oneof(
      fc.array(chars, { maxLength: 80 }).map((a) => a.join('')),
      fc.string({ maxLength: 60 }),
      fc.uuid().map((u) => `order-${u}`),
      fc.emailAddress(),
      // Slugs and tokens around the lengths and digit counts the rules need.
      fc.stringMatching(/^[A-Za-z0-9_-]{14,40}$/),
      fc.tuple(fc.stringMatching(/^[a-z-]{10,30}$/), fc.integer({ min: 0, max: 99 })).map(([w, n]) => `${w}${n}`),
    )
    fc.assert(
      fc.property(text, (text) => {
        expect(scrubText(text)).toBe(applyRules(text))
      }),
      { numRuns: 20_000 },
    )
  })

  it.each([
    ['123456', ':number'],
    ['12-34-56-789', ':number'],
    ['a@b.nl', ':email'],
    ['post-1', 'post-1'],
    ['2024', '2024'],
  ])('scrubs %j to %j', (text, expected) => {
    expect(scrubText(text)).toBe(expected)
  })
})
