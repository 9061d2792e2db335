import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, fixtureQuery, fixtureVisits, openStatsDb, type SentEvent, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
import type { Dimension } from '../dimensions.ts'
import { breakdown } from './breakdown.ts'

const events = buildFixture()
let s: StatsDb

beforeAll(async () => {
  s = await openStatsDb()
  await s.ingest(events)
})
afterAll(() => s?.close())

const all = { limit: 100, offset: 0 }

/** Visitors and pageviews per value of a field of the pageviews, sorted as the API sorts them. */
function byPageviews(field: (e: SentEvent) => string, keep: (e: SentEvent) => boolean = () => true) {
  const groups = new Map<string, { visitors: Set<number>; pageviews: number }>()
  for (const e of events.filter((x) => x.type === 'pageview' && keep(x))) {
    const g = groups.get(field(e)) ?? { visitors: new Set(), pageviews: 0 }
    g.visitors.add(e.visitor)
    g.pageviews++
    groups.set(field(e), g)
  }
  return [...groups.entries()]
    .map(([value, g]) => ({ value, visitors: g.visitors.size, pageviews: g.pageviews }))
    .sort((a, b) => b.visitors - a.visitors || b.pageviews - a.pageviews || (a.value < b.value ? -1 : 1))
}

describe('breakdown', () => {
  it.each([
    ['page', (e: SentEvent) => e.path],
    ['country', (e: SentEvent) => e.country],
    ['browser', (e: SentEvent) => e.browser],
    ['os', (e: SentEvent) => e.os],
    ['device', (e: SentEvent) => e.device],
    ['screen', (e: SentEvent) => e.screen],
    ['timezone', (e: SentEvent) => e.timezone],
    ['language', (e: SentEvent) => e.language],
  ] as const)('breaks pageviews and visitors down by %s from a rollup', async (dimension, field) => {
    const r = await breakdown(s.db, fixtureQuery(), dimension as Dimension, all)
    expect(r.source).toBe('rollup')
    expect(r.rows).toEqual(byPageviews(field))
  })

  it('pages through the rows with limit and offset', async () => {
    const want = byPageviews((e) => e.path)
    const r = await breakdown(s.db, fixtureQuery(), 'page', { limit: 2, offset: 1 })
    expect(r.rows).toEqual(want.slice(1, 3))
  })

  it.each([
    ['entry_page', (v: ReturnType<typeof fixtureVisits>[number]) => v.entry],
    ['exit_page', (v: ReturnType<typeof fixtureVisits>[number]) => v.exit],
    ['source', (v: ReturnType<typeof fixtureVisits>[number]) => v.first.source],
    ['referrer', (v: ReturnType<typeof fixtureVisits>[number]) => v.first.referrer],
    ['utm_source', (v: ReturnType<typeof fixtureVisits>[number]) => v.first.utm_source],
  ] as const)('counts visits by %s', async (dimension, field) => {
    const r = await breakdown(s.db, fixtureQuery(), dimension, all)
    const groups = new Map<string, ReturnType<typeof fixtureVisits>>()
    for (const v of fixtureVisits(events)) groups.set(field(v), [...(groups.get(field(v)) ?? []), v])
    const want = [...groups.entries()]
      .map(([value, vs]) => ({
        value, visitors: new Set(vs.map((v) => v.visitor)).size, visits: vs.length,
        pageviews: vs.reduce((n, v) => n + v.pageviews, 0),
        bounce_rate: vs.filter((v) => v.pageviews === 1 && v.customs === 0).length / vs.length,
      }))
      .sort((a, b) => b.visits - a.visits || (a.value < b.value ? -1 : 1))
    expect(r.rows.map(({ bounce_rate, ...rest }) => rest)).toEqual(want.map(({ bounce_rate, ...rest }) => rest))
    r.rows.forEach((row, i) => expect(row.bounce_rate).toBeCloseTo(want[i]!.bounce_rate, 6))
  })

  it('counts custom events by name', async () => {
    const custom = events.filter((e) => e.type === 'custom')
    const r = await breakdown(s.db, fixtureQuery(), 'event', all)
    const names = [...new Set(custom.map((e) => e.wire.name as string))]
    const want = names
      .map((value) => {
        const of = custom.filter((e) => e.wire.name === value)
        return { value, visitors: new Set(of.map((e) => e.visitor)).size, events: of.length }
      })
      .sort((a, b) => b.events - a.events || (a.value < b.value ? -1 : 1))
    expect(r.rows).toEqual(want)
  })

  it('counts one custom event among the visitors of a country from the events', async () => {
    const r = await breakdown(s.db, fixtureQuery({ filters: { event: 'signup', country: 'NL' } }), 'event', all)
    const of = events.filter((e) => e.type === 'custom' && e.wire.name === 'signup' && e.country === 'NL')
    expect(r.source).toBe('events')
    expect(r.rows).toEqual(of.length ? [{ value: 'signup', visitors: new Set(of.map((e) => e.visitor)).size, events: of.length }] : [])
    expect(of.length).toBeGreaterThan(0)
  })

  it('answers country by browser from the technology rollup when filtered by one of its dimensions', async () => {
    const r = await breakdown(s.db, fixtureQuery({ filters: { device: 'desktop' } }), 'browser', all)
    expect(r.source).toBe('rollup')
    expect(r.rows).toEqual(byPageviews((e) => e.browser, (e) => e.device === 'desktop'))
  })

  it('answers pages filtered by country from the events and says so', async () => {
    const r = await breakdown(s.db, fixtureQuery({ filters: { country: 'FR' } }), 'page', all)
    expect(r.source).toBe('events')
    expect(r.rows).toEqual(byPageviews((e) => e.path, (e) => e.country === 'FR'))
  })

  it('answers countries of visits from a source from the visits rollup', async () => {
    const r = await breakdown(s.db, fixtureQuery({ filters: { source: 'Direct' } }), 'country', all)
    expect(r.source).toBe('rollup')
    const visits = fixtureVisits(events).filter((v) => v.first.source === 'Direct')
    const countries = [...new Set(visits.map((v) => v.first.country))]
    expect(r.rows.map((x) => x.value).sort()).toEqual(countries.sort())
    for (const row of r.rows) {
      const of = visits.filter((v) => v.first.country === row.value)
      expect(row).toEqual({ value: row.value, visitors: new Set(of.map((v) => v.visitor)).size, pageviews: of.reduce((n, v) => n + v.pageviews, 0) })
    }
  })
})
