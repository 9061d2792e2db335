import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, fixtureQuery, openStatsDb, type SentEvent, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
import { properties } from './properties.ts'

const events = buildFixture()
let s: StatsDb

beforeAll(async () => {
  s = await openStatsDb()
  await s.ingest(events)
})
afterAll(() => s?.close())

function expected(keep: (e: SentEvent) => boolean) {
  const groups = new Map<string, { event: string; prop: string; value: string; events: number; visitors: Set<number> }>()
  for (const e of events.filter((x) => x.type === 'custom' && keep(x))) {
    for (const [prop, value] of Object.entries(e.wire.props as Record<string, string>)) {
      const key = `${e.wire.name}|${prop}|${value}`
      const g = groups.get(key) ?? { event: e.wire.name as string, prop, value, events: 0, visitors: new Set<number>() }
      g.events++
      g.visitors.add(e.visitor)
      groups.set(key, g)
    }
  }
  return [...groups.values()]
    .map((g) => ({ ...g, visitors: g.visitors.size }))
    .sort((a, b) => b.events - a.events || a.event.localeCompare(b.event) || a.prop.localeCompare(b.prop) || a.value.localeCompare(b.value))
}

describe('custom event properties', () => {
  it('counts each property value of each custom event', async () => {
    const r = await properties(s.db, fixtureQuery(), { limit: 100, offset: 0 })
    expect(r.source).toBe('rollup')
    expect(r.rows).toEqual(expected(() => true))
  })

  it('narrows to one event from the rollup, and to a country from the events', async () => {
    const signup = await properties(s.db, fixtureQuery({ filters: { event: 'signup' } }), { limit: 100, offset: 0 })
    expect(signup.source).toBe('rollup')
    expect(signup.rows).toEqual(expected((e) => e.wire.name === 'signup'))
    const nl = await properties(s.db, fixtureQuery({ filters: { event: 'trial', country: 'NL' } }), { limit: 100, offset: 0 })
    expect(nl.source).toBe('events')
    expect(nl.rows).toEqual(expected((e) => e.wire.name === 'trial' && e.country === 'NL'))
  })
})
