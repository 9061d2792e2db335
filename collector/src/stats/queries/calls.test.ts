import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, fixtureQuery, openStatsDb, type SentEvent, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
import { calls } from './calls.ts'

const events = buildFixture()
let s: StatsDb

beforeAll(async () => {
  s = await openStatsDb()
  await s.ingest(events)
})
afterAll(() => s?.close())

function expected(keep: (e: SentEvent) => boolean) {
  const groups = new Map<string, { page: string; number: string; calls: number; visitors: Set<number> }>()
  for (const e of events.filter((x) => x.type === 'call' && keep(x))) {
    const number = String(e.wire.number).replace(/[^+0-9]/g, '')
    const g = groups.get(e.path) ?? { page: e.path, number, calls: 0, visitors: new Set<number>() }
    g.calls++
    g.visitors.add(e.visitor)
    groups.set(e.path, g)
  }
  return [...groups.values()].map((g) => ({ ...g, visitors: g.visitors.size })).sort((a, b) => b.calls - a.calls || a.page.localeCompare(b.page))
}

describe('calls', () => {
  it('counts clicks on tel: links by page and number', async () => {
    const r = await calls(s.db, fixtureQuery(), { limit: 100, offset: 0 })
    expect(r.source).toBe('rollup')
    expect(r.rows.length).toBeGreaterThan(0)
    expect(r.rows).toEqual(expected(() => true))
    expect(r.rows[0]!.number).toBe('+31201234567')
  })

  it('answers a device filter from the events', async () => {
    const r = await calls(s.db, fixtureQuery({ filters: { device: 'desktop' } }), { limit: 100, offset: 0 })
    expect(r.source).toBe('events')
    expect(r.rows).toEqual(expected((e) => e.device === 'desktop'))
  })
})
