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
      // Addresses alone and in words, and dotted or colon-separated numbers that are not addresses.
      fc.ipV4(),
      fc.ipV6(),
      fc.tuple(fc.constantFrom('ip-', 'v', 'x.', ''), fc.oneof(fc.ipV4(), fc.ipV6()), fc.constantFrom('', '.', '/x', '5')).map(([a, ip, b]) => `${a}${ip}${b}`),
      fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 2, maxLength: 6 }).chain((ns) => fc.constantFrom('.', ':', '::').map((sep) => ns.join(sep))),
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
    ['81.2.69.14', ':ip'],
    ['1.1.1.1', ':ip'],
    ['my-ip-81.2.69.14.', 'my-ip-:ip.'],
    ['2001:db8:77::5', ':ip'],
    ['::1', ':ip'],
    ['::ffff:203.0.113.7', ':ip'],
    ['v1.2.3.4.5', 'v1.2.3.4.5'],
    ['256.1.1.1', '256.1.1.1'],
    ['Class::method', 'Class::method'],
    ['12:30:00', '12:30:00'],
  ])('scrubs %j to %j', (text, expected) => {
    expect(scrubText(text)).toBe(expected)
  })
})
