import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, fixtureQuery, openStatsDb, type SentEvent, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
import { matchesPage, type Goal } from '../../goals/goals.ts'
import { goalStats } from './goals.ts'

const events = buildFixture()
let s: StatsDb

beforeAll(async () => {
  s = await openStatsDb()
  await s.ingest(events)
})
afterAll(() => s?.close())

const GOALS: Goal[] = [
  { id: 'pricing', site: 'example.com', name: 'saw pricing', page: '/pricing' },
  { id: 'blog', site: 'example.com', name: 'read the blog', page: '/blog/*' },
  { id: 'nothing', site: 'example.com', name: 'never', page: '/checkout/*' },
  { id: 'signup', site: 'example.com', name: 'signed up', event: 'signup' },
  { id: 'pro', site: 'example.com', name: 'signed up for pro', event: 'signup', property: { key: 'plan', value: 'pro' } },
]

const converts = (g: Omit<Goal, 'site'>, e: SentEvent) =>
  g.page !== undefined
    ? e.type === 'pageview' && matchesPage(g.page, e.path)
    : e.type === 'custom' && e.wire.name === g.event && (!g.property || (e.wire.props as Record<string, string>)[g.property.key] === g.property.value)

function expected(keep: (e: SentEvent) => boolean) {
  const visitors = new Set(events.filter((e) => e.type === 'pageview' && keep(e)).map((e) => e.visitor)).size
  return {
    visitors,
    goals: GOALS.map(({ site: _, ...g }) => {
      const hits = events.filter((e) => keep(e) && converts(g, e))
      const converted = new Set(hits.map((e) => e.visitor)).size
      return { ...g, visitors: converted, conversion_rate: visitors ? converted / visitors : 0, events: hits.length }
    }),
  }
}

describe('goalStats', () => {
  it('counts converted visitors, conversion rates and events of page patterns and custom events from the rollups', async () => {
    const r = await goalStats(s.db, fixtureQuery(), GOALS)
    expect(r.source).toBe('rollup')
    expect({ visitors: r.visitors, goals: r.goals }).toEqual(expected(() => true))
    expect(r.goals.find((g) => g.id === 'blog')!.visitors).toBeGreaterThan(0)
    expect(r.goals.find((g) => g.id === 'pro')!.events).toBeGreaterThan(0)
  })

  it('answers with filters from the events, as the same visitors filtered', async () => {
    const r = await goalStats(s.db, fixtureQuery({ filters: { country: 'NL' } }), GOALS)
    expect(r.source).toBe('events')
    expect({ visitors: r.visitors, goals: r.goals }).toEqual(expected((e) => e.country === 'NL'))
  })

  it('answers the visitors alone when a site has no goal', async () => {
    const r = await goalStats(s.db, fixtureQuery(), [])
    expect(r).toEqual({ source: 'rollup', visitors: expected(() => true).visitors, goals: [] })
  })
})
