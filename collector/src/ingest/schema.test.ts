import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { batchSchema, describeIssues, eventSchema, parseBatch, parseEvent, propertyKeyProblem } from './schema.ts'

const error = (kind: string) => eventSchema.parse({ type: 'error', url: 'https://example.com/', kind, resource: 'https://example.com/a.png' })

describe('error event kinds', () => {
  it('keeps a kind of the protocol as it is', () => {
    for (const kind of ['img', 'script', 'css', 'media', 'fetch', 'other']) expect(error(kind)).toMatchObject({ kind })
  })

  it('maps the tag name of the element that failed to its kind', () => {
    expect(error('link')).toMatchObject({ kind: 'css' })
    expect(error('VIDEO')).toMatchObject({ kind: 'media' })
    expect(error('source')).toMatchObject({ kind: 'media' })
    expect(error('iframe')).toMatchObject({ kind: 'other' })
  })

  it('refuses a kind that is too long to be a tag name', () => {
    expect(eventSchema.safeParse({ type: 'error', url: 'https://example.com/', kind: 'x'.repeat(41), resource: 'https://example.com/' }).success).toBe(false)
  })
})

/** Strings around the protocol's bounds, some with characters outside the BMP (two UTF-16 units each). */
const text = fc.oneof(
  fc.constantFrom('', 'a', 'https://example.com/', 'https://example.com/pricing?utm_source=x', '+31 (20) 123-45.67', '06-12345678', 'tel:123', 'img', 'LINK', 'ttfb', 'cls', 'internal', 'outbound', 'pageview'),
  // Lone surrogates, and strings of n code points of one or two UTF-16 units around every bound.
  fc.constantFrom('\ud800', 'a\udc00b', '\udbff\udbff', `${'x'.repeat(2047)}\ud800`),
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(1, 2, 35, 36, 39, 40, 41, 64, 65, 99, 100, 101, 199, 200, 201, 252, 253, 254, 2047, 2048, 2049), fc.constantFrom('x', '😀', 'é', '1')).map(([n, c]) => c.repeat(n)) },
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
)
const number = fc.oneof(
  fc.constantFrom(0, 1, -1, 9, 10, 99, 100, 101, 1.5, -0.5, 3_600_000, 3_600_001, 86_400_000, 86_400_001, 1_000_000, 1_000_001, Number.MAX_SAFE_INTEGER, 2 ** 53, 1e300),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
)
/** Any JSON value the wire may carry in a field, valid for it or not. */
const value = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 4, arbitrary: number },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null) },
  { weight: 1, arbitrary: fc.array(fc.oneof(number, text), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(Array(100).fill(3), Array(100).fill(-1), Array(99).fill(0), Array(100).fill(1.5)) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(text, number, fc.boolean()), { maxKeys: 3 }) },
)
const FIELDS = ['url', 'ts', 'id', 'referrer', 'exit', 'target', 'engaged', 'scroll', 'grid', 'metric', 'value', 'kind', 'resource', 'el', 'cx', 'cy', 'number', 'name', 'props', 'extra']
const TYPES = ['pageview', 'leave', 'timing', 'error', 'download', 'click', 'call', 'custom', 'other']
const event = fc.record(
  { type: fc.oneof(fc.constantFrom(...TYPES), value), ...Object.fromEntries(FIELDS.map((f) => [f, value])) },
  { requiredKeys: [] },
)
/** A valid event of each plain type, with fields then replaced or removed at random. */
const VALID: Record<string, unknown>[] = [
  { type: 'pageview', url: 'https://example.com/', referrer: '', ts: 5 },
  { type: 'leave', url: 'https://example.com/', exit: 'outbound', target: 'https://other.org/', engaged: 10, scroll: 100, grid: Array(100).fill(0) },
  { type: 'timing', url: 'https://example.com/', metric: 'lcp', value: 1.5 },
  { type: 'download', url: 'https://example.com/', resource: 'https://example.com/a.pdf' },
  { type: 'click', url: 'https://example.com/', el: 'a#buy', cx: 9, cy: 0 },
  { type: 'call', url: 'https://example.com/', number: '+31 20 123' },
]
const nearlyValid = fc.constantFrom(...VALID).chain((base) => fc.tuple(fc.constant(base), fc.constantFrom(...Object.keys(base), 'ts', 'id', 'extra'), fc.option(value))).map(([base, field, v]) => {
  const out: Record<string, unknown> = { ...base }
  if (v === null) delete out[field]
  else out[field] = v
  return out
})

/** Every field of every valid event set to every boundary value, and removed. */
const LENGTHS = [1, 2, 35, 36, 39, 40, 41, 64, 65, 99, 100, 101, 199, 200, 201, 252, 253, 254, 499, 500, 501, 2047, 2048, 2049]
const BOUNDARY_VALUES: unknown[] = [
  ...LENGTHS.flatMap((n) => ['x', '😀', 'é', '1'].map((c) => c.repeat(n))),
  ...LENGTHS.map((n) => `https://example.com/${'x'.repeat(Math.max(0, n - 20))}`),
  '', '\ud800', 'a\udc00b', `${'x'.repeat(2047)}\ud800`, 'pageview', 'outbound', 'lcp', 'img', 'LINK', '+31 (20) 123-45.67', '06 12 34', 'tel:1',
  0, 1, -1, 9, 10, 99, 100, 101, 1.5, -0.5, 0.5, 1 - 2 ** -53, 2 ** -1074, 3_600_000, 3_600_001, 86_400_000, 86_400_001, 1_000_000, 1_000_001,
  Number.MAX_SAFE_INTEGER, 2 ** 53, 1e300, -1e300, true, false, null, [], {}, Array(100).fill(3), Array(100).fill(-1), Array(99).fill(0),
  Array(101).fill(0), Array(100).fill(1.5), Array(100).fill(1_000_001),
]

describe('parseEvent and parseBatch', () => {
  it('agree with zod on every field of every plain event at its bounds', () => {
    let cases = 0
    for (const base of VALID) {
      for (const field of [...Object.keys(base), 'ts', 'id', 'extra']) {
        for (const v of [...BOUNDARY_VALUES, undefined]) {
          const e: Record<string, unknown> = { ...base }
          if (v === undefined) delete e[field]
          else e[field] = v
          const fast = parseEvent(e)
          const slow = eventSchema.safeParse(e)
          if (fast.success !== slow.success) throw new Error(`parseEvent says ${fast.success}, zod ${slow.success}, for ${JSON.stringify(e).slice(0, 120)}`)
          cases++
        }
      }
    }
    expect(cases).toBeGreaterThan(5000)
  })

  it('accept and refuse exactly what the zod schemas do, and return what zod returns', () => {
    fc.assert(
      fc.property(fc.oneof({ weight: 1, arbitrary: event }, { weight: 3, arbitrary: nearlyValid }), (e) => {
        const fast = parseEvent(e)
        const slow = eventSchema.safeParse(e)
        expect(fast.success).toBe(slow.success)
        if (fast.success && slow.success) {
          // Zod drops keys its schema does not name; the pipeline reads only the named ones.
          expect(Object.fromEntries(Object.keys(slow.data).map((k) => [k, (fast.data as Record<string, unknown>)[k]]))).toEqual(slow.data)
        }
      }),
      { numRuns: 10_000 },
    )
  })

  it('say what is wrong in zod\'s words', () => {
    const r = parseEvent({ type: 'timing', url: 'https://example.com/', metric: 'speed', value: 1 })
    expect(r.success).toBe(false)
    if (!r.success) expect(describeIssues(r.error)).toMatch(/^metric: /)
    const b = parseBatch({ v: 2, site: 'example.com', events: [{}] })
    expect(b.success).toBe(false)
    if (!b.success) expect(describeIssues(b.error)).toBe('v: v must be 1')
  })

  it('agree with zod on every field of a batch envelope at its bounds', () => {
    const base = { v: 1, site: 'example.com', sw: 1280, sh: 800, tz: 'Europe/Amsterdam', lang: 'nl-NL', hash: true, events: [{}] }
    const events = [[], [{}], Array(500).fill(1), Array(501).fill(1)]
    for (const field of [...Object.keys(base), 'extra']) {
      for (const v of [...BOUNDARY_VALUES, ...events, undefined]) {
        const b: Record<string, unknown> = { ...base }
        if (v === undefined) delete b[field]
        else b[field] = v
        if (parseBatch(b).success !== batchSchema.safeParse(b).success) throw new Error(`parseBatch and zod disagree on ${field} = ${JSON.stringify(v).slice(0, 60)}`)
      }
    }
  })

  it('agree on batch envelopes', () => {
    const batch = fc.record(
      { v: fc.oneof(fc.constant(1), value), site: fc.oneof(fc.constantFrom('example.com', 'x'.repeat(253), 'x'.repeat(254)), value), sw: value, sh: value, tz: value, lang: value, hash: value, events: fc.oneof(fc.constantFrom([], [{}], Array(500).fill(1), Array(501).fill(1)), value) },
      { requiredKeys: [] },
    )
    fc.assert(
      fc.property(batch, (b) => {
        const fast = parseBatch(b)
        const slow = batchSchema.safeParse(b)
        expect(fast.success).toBe(slow.success)
        if (fast.success && slow.success) expect(Object.fromEntries(Object.keys(slow.data).map((k) => [k, (fast.data as Record<string, unknown>)[k]]))).toEqual(slow.data)
      }),
      { numRuns: 5_000 },
    )
  })
})

describe('free text in the envelope and in property keys', () => {
  const batch = (extra: Record<string, unknown>) => parseBatch({ v: 1, site: 'example.com', events: [{}], ...extra })

  it('keeps a known time zone and a canonical language tag, and empties anything else', () => {
    expect(batch({ tz: 'Europe/Amsterdam', lang: 'nl-nl' })).toMatchObject({ success: true, data: { tz: 'Europe/Amsterdam', lang: 'nl-NL' } })
    expect(batch({ tz: 'jan@example.nl', lang: 'jan@example.nl' })).toMatchObject({ success: true, data: { tz: '', lang: '' } })
    expect(batch({ tz: '+31 6 12345678', lang: 'Jan Jansen' })).toMatchObject({ success: true, data: { tz: '', lang: '' } })
  })

  it('leaves property keys to the pipeline: a key that is not an identifier refuses its property, not the event', () => {
    const custom = (props: Record<string, unknown>) => parseEvent({ type: 'custom', url: 'https://example.com/', name: 'signup', props })
    expect(custom({ plan: 'pro', 'step.count': 2, 'ab-test_v2': true }).success).toBe(true)
    expect(custom({ plan: 'pro', 'jan@example.nl': 'x' }).success).toBe(true)
    expect(propertyKeyProblem('jan@example.nl')).toMatch(/not an identifier/)
    expect(propertyKeyProblem('user_0612345678')).toMatch(/personal data/)
    expect(propertyKeyProblem('plan')).toBeUndefined()
  })
})
