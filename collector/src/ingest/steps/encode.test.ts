import { describe, expect, it } from 'vitest'
import { EVENT_COLUMNS, eventRowObject } from '../event-row.ts'
import type { CleanUrl } from '../url.ts'
import type { Agent } from '../user-agent.ts'
import { rowEncoder, screenClass } from './encode.ts'

const DAY = 86_400_000
const NOW = Date.UTC(2026, 10, 25, 0, 1)
const agent: Agent = { bot: false, browser: 'Firefox', browserVersion: '125', os: 'Windows', osVersion: '10', device: 'desktop' }
const page = (path: string, query = ''): CleanUrl => ({ hostname: 'example.com', path, query, params: new Map(query ? [['utm_source', 'news']] : []) })
const visitorOn = (ts: number) => String(1000 + Math.floor(ts / DAY))

describe('rowEncoder', () => {
  const batch = { v: 1 as const, site: 'example.com', sw: 390, tz: 'Europe/Amsterdam', lang: 'nl', events: [] }
  const encode = () => rowEncoder(batch, 'example.com', agent, { country: 'NL', visitorOn }, NOW)

  it('writes one positional row per event with every column, the address prefix empty', () => {
    const line = encode()({ type: 'timing', ts: NOW, page: page('/a', 'utm_source=news'), columns: { name: 'lcp', value: 1200 } })
    expect((JSON.parse(line.replace(/,(\d+),/, ',"$1",')) as unknown[]).length).toBe(EVENT_COLUMNS.length)
    expect(eventRowObject(line)).toMatchObject({
      site: 'example.com', visitor: visitorOn(NOW), browser: 'Firefox', screen: 'phone', timezone: 'Europe/Amsterdam', language: 'nl', country: 'NL', ip_prefix: '',
      type: 'timing', ts: new Date(NOW).toISOString(), path: '/a', query: 'utm_source=news', utm_source: 'news', name: 'lcp', value: 1200, grid: [], props: {},
    })
  })

  it('gives an event of the day before its own day\'s visitor code', () => {
    const e = encode()
    const before = eventRowObject(e({ type: 'pageview', ts: NOW - 2 * 60_000, page: page('/'), columns: {} }))
    const after = eventRowObject(e({ type: 'pageview', ts: NOW, page: page('/'), columns: {} }))
    expect([before.visitor, after.visitor]).toEqual([visitorOn(NOW - 2 * 60_000), visitorOn(NOW)])
  })

  it('writes a lone surrogate so that ClickHouse can read it', () => {
    const line = encode()({ type: 'custom', ts: NOW, page: page('/'), columns: { name: 'a\ud800', props: { k: 'v' } } })
    expect(line).not.toContain('\\ud800')
    expect(eventRowObject(line)).toMatchObject({ name: 'a\ufffd', props: { k: 'v' } })
  })
})

describe('screenClass', () => {
  it('classes a screen width', () => {
    expect([0, 390, 800, 1280, 1920].map(screenClass)).toEqual(['', 'phone', 'tablet', 'laptop', 'desktop'])
  })
})
