import { describe, expect, it } from 'vitest'
import { postEvents, startCollector } from './helpers/collector.ts'

const SITE = 'flood.test'
const event = { type: 'pageview', url: `https://${SITE}/` }

describe('a flood of refused requests to /api/event', () => {
  it('writes a bounded number of info lines that still count every refusal by status and reason', async () => {
    const c = await startCollector({ TELLEN_SITES: SITE, TELLEN_RATE_LIMIT_PER_MINUTE: '20', TELLEN_MAX_BODY_KB: '1' })
    const sent: Record<string, number> = {}
    const send = async (expected: string, body: string, headers: Record<string, string> = {}) => {
      const res = await postEvents(c.url, body, headers)
      const key = `${res.status} ${expected}`
      sent[key] = (sent[key] ?? 0) + 1
    }
    try {
      for (let i = 0; i < 100; i++) await send('content_type', '{}', { 'content-type': 'image/png' })
      for (let i = 0; i < 100; i++) await send('invalid', '{not json')
      for (let i = 0; i < 50; i++) await send('too_large', JSON.stringify({ v: 1, site: SITE, events: [{ ...event, url: `https://${SITE}/${'a'.repeat(2000)}` }] }))
      // Twenty accepted, then the network is over its limit.
      for (let i = 0; i < 120; i++) await send('rate_limited', JSON.stringify({ v: 1, site: SITE, events: [event] }))
    } finally {
      // A collector that stops writes the counts it holds.
      expect(await c.stop()).toBe(0)
    }
    expect(sent).toEqual({ '415 content_type': 100, '400 invalid': 100, '413 too_large': 50, '202 rate_limited': 20, '429 rate_limited': 100 })

    const lines = c.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>)
    expect(lines.filter((l) => l.msg === 'request')).toEqual([])
    const about = lines.filter((l) => /\/api\/event/.test(l.msg))
    // The first refusal at once, the counts at shutdown (and one a minute on a slow machine).
    expect(about.length).toBeLessThanOrEqual(4)
    expect(about[0]).toMatchObject({ level: 30, status: 415, reason: 'content_type' })
    const counts: Record<string, number> = {}
    for (const l of about.filter((l) => l.counts)) for (const [k, n] of Object.entries(l.counts as Record<string, number>)) counts[k] = (counts[k] ?? 0) + n
    expect(counts).toEqual({ '415 content_type': 100, '400 invalid': 100, '413 too_large': 50, '429 rate_limited': 100 })
    expect(about.filter((l) => l.counts).reduce((n, l) => n + l.refused, 0)).toBe(350)
  })
})
