import { describe, expect, it } from 'vitest'
import { UA } from '../../../test/helpers/collector.ts'
import { EVENT_COLUMNS, TYPE_COLUMNS, eventRowObject } from './event-row.ts'
import { parseIp } from './ip.ts'
import { processBatch, type PipelineDeps, type RequestContext } from './pipeline.ts'
import { screenClass } from './steps/encode.ts'
import { utcDay, visitorHash } from './visitor.ts'

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0)
const salt = Buffer.alloc(32, 7)
const deps: PipelineDeps = {
  site: (d) => (d === 'example.com' ? { domain: d, timezone: 'UTC', queryAllowlist: new Set(['q']) } : undefined),
  saltFor: () => salt,
  ipv4Prefix: 24,
  ipv6Prefix: 48,
}
const req = (over: Partial<RequestContext> = {}): RequestContext => ({
  ip: parseIp('145.14.1.1'), userAgent: UA.chromeMac, origin: 'https://example.com', now: NOW, ...over,
})
const batch = (events: unknown[], over: Record<string, unknown> = {}) => ({ v: 1, site: 'example.com', events, ...over })
const rowsOf = (result: ReturnType<typeof processBatch>) => (result.ok ? result.rows.map((r) => eventRowObject(r) as Record<string, unknown>) : [])

describe('processBatch', () => {
  it('turns every event kind into one anonymised row', () => {
    const url = 'https://example.com/p'
    const result = processBatch(
      batch([
        { type: 'pageview', url, referrer: 'https://duckduckgo.com/' },
        { type: 'leave', url, exit: 'outbound', target: 'https://other.org/x?y=1', engaged: 5200, scroll: 80, grid: Array.from({ length: 100 }, (_, i) => i % 3) },
        { type: 'timing', url, metric: 'lcp', value: 1234.5 },
        { type: 'error', url, kind: 'img', resource: 'https://cdn.example.com/a.png?sig=secret' },
        { type: 'download', url, resource: 'https://example.com/files/report.pdf' },
        { type: 'click', url, el: 'button#buy', cx: 3, cy: 9 },
        { type: 'call', url, number: '+31 (20) 123-4567' },
        { type: 'custom', url, name: 'signup', props: { plan: 'pro', seats: 3, trial: true } },
      ], { sw: 1920, tz: 'Europe/Amsterdam', lang: 'nl' }),
      req(),
      deps,
    )
    expect(result.ok && result.errors).toEqual([])
    const rows = rowsOf(result)
    expect(rows.map((r) => r.type)).toEqual(['pageview', 'leave', 'timing', 'error', 'download', 'click', 'call', 'custom'])
    for (const r of rows) {
      expect(r).toMatchObject({ site: 'example.com', path: '/p', country: 'NL', ip_prefix: '', screen: 'desktop', timezone: 'Europe/Amsterdam', language: 'nl', browser: 'Chrome' })
      expect(r.visitor).toBe(rows[0]!.visitor)
      expect(r.ts).toBe(new Date(NOW).toISOString())
    }
    expect(rows[0]).toMatchObject({ source: 'DuckDuckGo', referrer_host: 'duckduckgo.com' })
    expect(rows[1]).toMatchObject({ name: 'outbound', target: 'other.org', value: 5200, scroll: 80 })
    expect((rows[1]!.grid as number[]).length).toBe(100)
    expect(rows[2]).toMatchObject({ name: 'lcp', value: 1234.5 })
    expect(rows[3]).toMatchObject({ name: 'img', target: 'cdn.example.com/a.png' })
    expect(rows[4]).toMatchObject({ target: 'example.com/files/report.pdf' })
    expect(rows[5]).toMatchObject({ target: 'button#buy', cell_x: 3, cell_y: 9 })
    expect(rows[6]).toMatchObject({ target: '+31201234567' })
    expect(rows[7]).toMatchObject({ name: 'signup', props: { plan: 'pro', seats: '3', trial: 'true' } })
  })

  it('keeps a custom event whose property key is not an identifier or looks personal without that property, naming the key', () => {
    const url = 'https://example.com/p'
    const keys = ['jan@example.nl', 'name with spaces', 'x'.repeat(41), 'user_0612345678', 'a1b2c3d4e5f6a7b8c9d0e1f2', '3f2b1c9e-8a7d-4c1e-9b2a-1d2e3f4a5b6c', 'naam\u200b']
    const result = processBatch(
      batch([{ type: 'pageview', url }, { type: 'custom', url, name: 'signup', props: { plan: 'pro', 'step.count': 2, ...Object.fromEntries(keys.map((k) => [k, 'x'])) } }]),
      req(),
      deps,
    )
    expect(rowsOf(result).map((r) => [r.type, r.props])).toEqual([['pageview', {}], ['custom', { plan: 'pro', 'step.count': '2' }]])
    expect(result.ok && result.errors.map((e) => e.index)).toEqual(keys.map(() => 1))
    expect(result.ok && result.errors.every((e) => e.stored === true)).toBe(true)
    for (const key of keys) expect(result.ok && result.errors.map((e) => e.error).join('\n')).toContain(`property key ${JSON.stringify(key)}`)
    // Nothing of the batch was refused: no drop is counted for it.
    expect(result.ok && result.drops).toEqual([])
  })

  it('maps the tag name of a failed element to its kind, and names of Object.prototype to other', () => {
    const kinds = ['IMG', 'video', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'blink']
    const result = processBatch(batch(kinds.map((kind) => ({ type: 'error', url: 'https://example.com/', kind, resource: 'https://example.com/x' }))), req(), deps)
    expect(result.ok && result.errors).toEqual([])
    expect(rowsOf(result).map((r) => r.name)).toEqual(['img', 'media', 'other', 'other', 'other', 'other', 'other'])
  })

  it('writes the same page columns and time for every event of a page, and each its own time when it has one', () => {
    const url = 'https://www.example.com/p?utm_source=news&utm_campaign=winter'
    const rows = rowsOf(processBatch(batch([
      { type: 'pageview', url },
      { type: 'timing', url, metric: 'ttfb', value: 80 },
      { type: 'click', url: 'https://example.com/other', el: 'a', cx: 0, cy: 0, ts: NOW - 60_000 },
      { type: 'leave', url, exit: 'hidden' },
    ]), req(), deps))
    expect(rows.map((r) => [r.hostname, r.path, r.utm_source, r.utm_campaign, r.ts])).toEqual([
      ['www.example.com', '/p', 'news', 'winter', new Date(NOW).toISOString()],
      ['www.example.com', '/p', 'news', 'winter', new Date(NOW).toISOString()],
      ['example.com', '/other', '', '', new Date(NOW - 60_000).toISOString()],
      ['www.example.com', '/p', 'news', 'winter', new Date(NOW).toISOString()],
    ])
  })

  it('keeps the site-allowlisted query parameters and drops the others', () => {
    const [row] = rowsOf(processBatch(batch([{ type: 'pageview', url: 'https://example.com/search?q=shoes&token=abc&utm_medium=cpc' }]), req(), deps))
    expect(row).toMatchObject({ query: 'q=shoes&utm_medium=cpc', utm_medium: 'cpc' })
  })

  it('keeps a hash route only for sites that use hash routing', () => {
    const url = 'https://example.com/app#/users/list'
    expect(rowsOf(processBatch(batch([{ type: 'pageview', url }]), req(), deps))[0]!.path).toBe('/app')
    expect(rowsOf(processBatch(batch([{ type: 'pageview', url }], { hash: true }), req(), deps))[0]!.path).toBe('/app#/users/list')
  })

  it('gives another visitor hash to another address, user agent or day salt', () => {
    const one = (over: Partial<RequestContext>, d: PipelineDeps = deps) => rowsOf(processBatch(batch([{ type: 'pageview', url: 'https://example.com/' }]), req(over), d))[0]!.visitor
    const base = one({})
    expect(one({ ip: parseIp('145.14.1.2') })).not.toBe(base)
    expect(one({ userAgent: UA.firefoxWindows })).not.toBe(base)
    expect(one({}, { ...deps, saltFor: () => Buffer.alloc(32, 8) })).not.toBe(base)
    expect(one({})).toBe(base)
  })

  it('gives an event the visitor code of its own UTC day: a page open across midnight sends both days in one batch', () => {
    const midnight = Date.UTC(2026, 10, 26)
    const salts: Record<string, Buffer> = { '2026-11-25': Buffer.alloc(32, 1), '2026-11-26': Buffer.alloc(32, 2) }
    const byDay: PipelineDeps = {
      ...deps,
      saltFor: (t) => {
        const salt = salts[utcDay(t)]
        if (!salt) throw new Error('no salt loaded')
        return salt
      },
    }
    const url = 'https://example.com/'
    const events = [{ type: 'pageview', url, ts: midnight - 10_000 }, { type: 'pageview', url, ts: midnight + 1000 }, { type: 'leave', url, exit: 'hidden', ts: midnight - 5000 }]
    const rows = rowsOf(processBatch(batch(events), req({ now: midnight + 3000 }), byDay))
    const code = (day: string) => visitorHash(salts[day]!, 'example.com', '145.14.1.1', UA.chromeMac)
    expect(rows.map((r) => r.visitor)).toEqual([code('2026-11-25'), code('2026-11-26'), code('2026-11-25')])
    // A day never borrows another day's salt (that would link the visitor's two days): where a day's
    // salt cannot be had, its events are reported, not stored with the code of the day of receipt.
    delete salts['2026-11-25']
    const late = processBatch(batch(events), req({ now: midnight + 3000 }), byDay)
    expect(rowsOf(late).map((r) => r.visitor)).toEqual([code('2026-11-26')])
    expect(late).toMatchObject({ errors: [{ index: 0 }, { index: 2 }] })
  })

  it('drops bots as a whole and says how many events they sent', () => {
    const result = processBatch(batch([{ type: 'pageview', url: 'https://example.com/' }]), req({ userAgent: UA.googlebot }), deps)
    expect(result).toMatchObject({ ok: false, status: 202, reason: 'bot', events: 1 })
  })

  it('refuses unknown sites, foreign origins and malformed batches', () => {
    expect(processBatch(batch([{}], { site: 'nope.org' }), req(), deps)).toMatchObject({ ok: false, status: 403, reason: 'unknown_site' })
    expect(processBatch(batch([{}]), req({ origin: 'https://evil.example.net' }), deps)).toMatchObject({ ok: false, status: 403, reason: 'bad_origin' })
    expect(processBatch({ site: 'example.com' }, req(), deps)).toMatchObject({ ok: false, status: 400, reason: 'invalid' })
    expect(processBatch([], req(), deps)).toMatchObject({ ok: false, status: 400 })
    expect(processBatch(batch(new Array(501).fill({})), req(), deps)).toMatchObject({ ok: false, status: 400, error: expect.stringMatching(/more than 500/) })
  })

  it('counts a malformed batch for the registered site it names, and for no site otherwise', () => {
    expect(processBatch({ site: 'EXAMPLE.com', events: 'x' }, req(), deps)).toMatchObject({ ok: false, reason: 'invalid', site: 'example.com' })
    expect(processBatch({ site: 'nope.org', events: 'x' }, req(), deps)).not.toHaveProperty('site')
    expect(processBatch('example.com', req(), deps)).not.toHaveProperty('site')
  })

  it('accepts subdomains of the site as origin and page host', () => {
    const result = processBatch(batch([{ type: 'pageview', url: 'https://shop.example.com/' }]), req({ origin: 'https://shop.example.com' }), deps)
    expect(result).toMatchObject({ ok: true, errors: [] })
  })

  it('reports each bad event by index with a reason and keeps the rest', () => {
    const result = processBatch(
      batch([
        { type: 'pageview', url: 'https://example.com/ok' },
        { type: 'timing', url: 'https://example.com/', metric: 'fid', value: 1 },
        { type: 'click', url: 'https://example.com/', el: 'a', cx: 12, cy: 0 },
        { type: 'pageview', url: 'https://example.com/', ts: NOW + 3_600_000 },
        { type: 'call', url: 'https://example.com/', number: 'call me' },
        { type: 'custom', url: 'https://example.com/', name: 'x', props: { nested: { a: 1 } } },
        { type: 'leave', url: 'https://example.com/', exit: 'outbound', target: 'javascript:alert(1)' },
        null,
      ]),
      req(),
      deps,
    )
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.rows).toHaveLength(1)
    expect(result.errors.map((e) => e.index)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(result.errors[0]!.error).toMatch(/metric/)
    expect(result.errors[2]!.error).toMatch(/in the future/)
    expect(result.errors[3]!.error).toMatch(/not a phone number/)
    expect(result.errors[5]!.error).toMatch(/target is not an http\(s\) URL/)
  })

  it('stores custom properties named like object internals as plain keys, and refuses __proto__', () => {
    const body = JSON.parse('{"v":1,"site":"example.com","events":[{"type":"custom","url":"https://example.com/","name":"x","props":{"constructor":"c","toString":1}}]}')
    const [row] = rowsOf(processBatch(body, req(), deps))
    expect(row!.props).toEqual({ constructor: 'c', toString: '1' })
    for (const props of ['{"__proto__":"p","constructor":"c"}', '{"__proto__":{"polluted":[1]}}']) {
      const refused = processBatch(JSON.parse(`{"v":1,"site":"example.com","events":[{"type":"custom","url":"https://example.com/","name":"x","props":${props}}]}`), req(), deps)
      expect(refused.ok && refused.errors).toEqual([{ index: 0, error: expect.stringMatching(/props.*must not have a property named __proto__/) }])
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('reports an event whose processing fails by index and keeps the others of the batch', () => {
    const url = 'https://example.com/'
    const failing = { ...deps, isSpamReferrer: (host: string) => { if (host === 'boom.example') throw new Error('unforeseen'); return false } }
    const result = processBatch(batch([
      { type: 'pageview', url },
      { type: 'pageview', url, referrer: 'https://boom.example/' },
      { type: 'timing', url, metric: 'lcp', value: 900 },
    ]), req(), failing)
    expect(result.ok && result.errors).toEqual([{ index: 1, error: 'the event could not be processed' }])
    expect(rowsOf(result).map((r) => r.type)).toEqual(['pageview', 'timing'])
  })

  it('scrubs what a page names itself: element ids, event names and property values', () => {
    const url = 'https://example.com/'
    const rows = rowsOf(processBatch(batch([
      { type: 'click', url, el: 'a#user-jan@example.nl', cx: 1, cy: 1 },
      { type: 'custom', url, name: 'signup 3f2b1c9e-8a7d-4c1e-9b2a-1d2e3f4a5b6c', props: { plan: 'pro', email: 'jan@example.nl', order: 100045873, ip: '81.2.69.14', seats: 3 } },
    ]), req(), deps))
    expect(rows[0]).toMatchObject({ target: 'a#:email' })
    expect(rows[1]).toMatchObject({ name: 'signup :id', props: { plan: 'pro', email: ':email', order: ':number', ip: ':ip', seats: '3' } })
  })

  it('writes every column in order, empty ones with their empty value', () => {
    const url = 'https://example.com/plain'
    const result = processBatch(batch([{ type: 'pageview', url }, { type: 'leave', url, exit: 'hidden' }]), req(), deps)
    for (const line of result.ok ? result.rows : []) expect((JSON.parse(line) as unknown[]).length).toBe(EVENT_COLUMNS.length)
    expect(EVENT_COLUMNS.slice(-Object.keys(TYPE_COLUMNS).length)).toEqual(Object.keys(TYPE_COLUMNS))
    const [view, leave] = rowsOf(result)
    expect(view).toMatchObject({ path: '/plain', source: 'Direct', type: 'pageview', site: 'example.com', ts: new Date(NOW).toISOString() })
    for (const key of ['query', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'referrer_host', 'name', 'target']) expect(view![key]).toBe('')
    expect(view).toMatchObject({ value: 0, scroll: 0, cell_x: 0, cell_y: 0, grid: [], props: {} })
    expect(leave).toMatchObject({ name: 'hidden', target: '', value: 0, scroll: 0, grid: [], source: '' })
  })

  it('gives every event of a batch that shares a page the same cleaned page', () => {
    const url = 'https://www.example.com/a?utm_source=x&email=a@b.c#top'
    const rows = rowsOf(processBatch(batch([{ type: 'pageview', url }, { type: 'timing', url, metric: 'lcp', value: 1 }, { type: 'pageview', url: 'https://example.com/b' }]), req(), deps))
    expect(rows.map((r) => [r.hostname, r.path, r.query ?? ''])).toEqual([
      ['www.example.com', '/a', 'utm_source=x'],
      ['www.example.com', '/a', 'utm_source=x'],
      ['example.com', '/b', ''],
    ])
  })

  it('writes the same row with the prefix the route derived as when it derives it, and no prefix beside the visitor', () => {
    const body = batch([{ type: 'pageview', url: 'https://example.com/' }])
    const derived = processBatch(body, req({ ip: parseIp('2a02:a210:2:3::4') }), deps)
    const given = processBatch(body, req({ ip: parseIp('2a02:a210:2:3::4'), ipPrefix: '2a02:a210:2::/48' }), deps)
    expect(given).toEqual(derived)
    expect(given).toMatchObject({ ipPrefix: '2a02:a210:2::/48' })
    const [row] = rowsOf(given)
    expect(row).toMatchObject({ ip_prefix: '', country: 'NL' })
    expect(JSON.stringify(row)).not.toContain('2a02:a210:2')
  })

  it('works without a client address: no country, no prefix', () => {
    const [row] = rowsOf(processBatch(batch([{ type: 'pageview', url: 'https://example.com/' }]), req({ ip: undefined }), deps))
    expect(row).toMatchObject({ country: '', ip_prefix: '' })
  })
})

describe('screenClass', () => {
  it.each([[0, ''], [375, 'phone'], [768, 'tablet'], [1280, 'laptop'], [2560, 'desktop']])('classes a %i px screen as %j', (w, c) => {
    expect(screenClass(w)).toBe(c)
  })
})
