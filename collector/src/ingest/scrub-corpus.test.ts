import { describe, expect, it } from 'vitest'
import { eventRowObject } from './event-row.ts'
import { parseIp } from './ip.ts'
import { processBatch } from './pipeline.ts'
import { SCRUB_CORPUS, type CorpusCase } from './scrub-corpus.ts'

const SITE = 'example.com'
const PAGE = `https://${SITE}/landing`
const deps = {
  site: (d: string) => (d === SITE ? { domain: SITE, timezone: 'UTC', queryAllowlist: new Set<string>() } : undefined),
  saltFor: () => Buffer.alloc(32, 4),
  ipv4Prefix: 24,
  ipv6Prefix: 48,
}
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

/** The batch that carries a case's input in its field. */
function batchOf([field, input]: CorpusCase): Record<string, unknown> {
  const envelope = { v: 1, site: SITE }
  switch (field) {
    case 'path': return { ...envelope, events: [{ type: 'pageview', url: `https://${SITE}${input}` }] }
    case 'query': return { ...envelope, events: [{ type: 'pageview', url: `${PAGE}?utm_campaign=${input}` }] }
    case 'hash': return { ...envelope, hash: true, events: [{ type: 'pageview', url: `https://${SITE}/${input}` }] }
    case 'referrer': return { ...envelope, events: [{ type: 'pageview', url: PAGE, referrer: input }] }
    case 'element': return { ...envelope, events: [{ type: 'click', url: PAGE, el: input, cx: 1, cy: 1 }] }
    case 'event': return { ...envelope, events: [{ type: 'custom', url: PAGE, name: input }] }
    case 'key': return { ...envelope, events: [{ type: 'custom', url: PAGE, name: 'x', props: { [input]: 'v' } }] }
    case 'value': return { ...envelope, events: [{ type: 'custom', url: PAGE, name: 'x', props: { k: input } }] }
    case 'tz': return { ...envelope, tz: input, events: [{ type: 'pageview', url: PAGE }] }
    case 'lang': return { ...envelope, lang: input, events: [{ type: 'pageview', url: PAGE }] }
  }
}

/** What the pipeline stored of a case's field, or null when it refused the event. */
function storedOf(c: CorpusCase): string | null {
  const result = processBatch(batchOf(c), { ip: parseIp('203.0.113.7'), userAgent: UA, origin: undefined, now: Date.now() }, deps)
  if (!result.ok) throw new Error(result.error)
  if (result.rows.length === 0) return null
  const row = eventRowObject(result.rows[0]!)
  const props = row.props as Record<string, string>
  switch (c[0]) {
    case 'path': return row.path as string
    case 'query': return row.utm_campaign as string
    case 'hash': return `${row.path as string}${row.query ? `?${row.query as string}` : ''}`
    case 'referrer': return row.referrer_host as string
    case 'element': return row.target as string
    case 'event': return row.name as string
    case 'key': return Object.keys(props)[0] ?? ''
    case 'value': return props.k ?? ''
    case 'tz': return row.timezone as string
    case 'lang': return row.language as string
  }
}

describe('the scrubbing corpus', () => {
  it('holds at least 200 inputs of every field', () => {
    expect(SCRUB_CORPUS.length).toBeGreaterThanOrEqual(200)
    expect(new Set(SCRUB_CORPUS.map(([field]) => field)).size).toBe(10)
  })

  it.each(SCRUB_CORPUS.map((c) => [c[0], c[1], c[2]] as const))('stores the %s %j as %j', (field, input, stored) => {
    expect(storedOf([field, input, stored])).toBe(stored)
  })
})
