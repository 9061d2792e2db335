import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyRules, decodeRepeatedly, scrubPath, scrubText } from './scrub.ts'

/** What scrubText does without its shortcut. */
const everyRule = (text: string) => {
  const decoded = decodeRepeatedly(text)
  const scrubbed = applyRules(decoded)
  return scrubbed === decoded ? text : scrubbed
}

describe('scrubText', () => {
  it('skips the patterns only for text that none of them could change', () => {
    const chars = fc.constantFrom(...'abcdefXYZQ0123456789@%.-_+ eyJ:/é()\u200b\u202e\t'.split(''))
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
        expect(scrubText(text)).toBe(everyRule(text))
      }),
      { numRuns: 20_000 },
    )
  })

  it('skips a pattern only where the text cannot hold what it looks for, whatever the rules before it replaced', () => {
    const pieces = fc.constantFrom(
      'jan@example.nl', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', '2001:db8::5', '::ffff:203.0.113.7', '81.2.69.14', '3f2b1c9e-8a7d-4c1e-9b2a-1d2e3f4a5b6c',
      'sk_live_-LveA18GBPogs_j7H_jl-RZG', '+1 (555) 123-4567', '2026-12-07', '123456', 'privacy-first-analytics', 'Class::method', 'a', ':', '.', '-', ' ', '\u202e', '\t', 'é',
    )
    const text = fc.oneof(fc.array(pieces, { maxLength: 6 }).map((a) => a.join('')), fc.string({ maxLength: 60 }))
    fc.assert(fc.property(text, (t) => applyRules(t) === applyRules(t, false)), { numRuns: 2000 })
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

describe('scrubbing what the earlier rules let through', () => {
  it.each([
    // Phone numbers in national and international notations.
    ['+1 (555) 123-4567', ':number'],
    ['(020) 123 4567', ':number'],
    ['06-12345678', ':number'],
    ['+44 20 7946 0958', ':number'],
    ['0612 34 56 78', ':number'],
    ['06.12.34.56.78', ':number'],
    ['+49 (0)30 12345678', ':number'],
    ['+33 1 23 45 67 89', ':number'],
    ['32 12 34 56', ':number'],
    ['bel 020-123 45 67 nu', 'bel :number nu'],
    // Dates, years and short numbers stay.
    ['2026-12-07', '2026-12-07'],
    ['07.12.2026', '07.12.2026'],
    ['2024-2025', '2024-2025'],
    ['page 12 of 30', 'page 12 of 30'],
    // Encoded more than once.
    ['jan%2540example.nl', ':email'],
    ['jan%252540example.nl', ':email'],
    ['%2B31%2520612345678', ':number'],
    ['100%', '100%'],
    ['summer%20sale', 'summer%20sale'],
    // Invisible and bidi control characters.
    ['abc\u202edcba', 'abcdcba'],
    ['pa\u200by\u200dpal', 'paypal'],
    ['\u2066name\u2069', 'name'],
    ['line\nbreak', 'line break'],
    ['%E2%80%AEtxt.exe', 'txt.exe'],
  ])('scrubs %j to %j', (text, expected) => {
    expect(scrubText(text)).toBe(expected)
  })

  it('finds an address encoded twice in a path segment, and stores the segment encoded once', () => {
    expect(scrubPath('/unsubscribe/jan%2540example.nl')).toBe('/unsubscribe/:email')
    expect(scrubPath('/bel/%2B31%20(0)20%20123%204567')).toBe('/bel/:number')
    expect(scrubPath('/a%E2%80%AEb/c')).toBe('/ab/c')
  })
})
