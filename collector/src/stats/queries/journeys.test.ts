import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, fixtureDay, fixtureQuery, openStatsDb, type SentEvent, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
import { journeys, UNKNOWN_EXIT } from './journeys.ts'

const events = buildFixture()
let s: StatsDb
const span = { from: fixtureDay(), to: fixtureDay() }

beforeAll(async () => {
  s = await openStatsDb()
  await s.ingest(events)
})
afterAll(() => s?.close())

function expected(page: string, limit: number, keep: (first: SentEvent) => boolean) {
  const previous = new Map<string, Set<number>>()
  const next = new Map<string, Set<number>>()
  const add = (to: Map<string, Set<number>>, kind: string, value: string, visitor: number) => {
    const key = JSON.stringify([kind, value])
    to.set(key, (to.get(key) ?? new Set()).add(visitor))
  }
  const byVisit = new Map<string, SentEvent[]>()
  for (const e of [...events].sort((a, b) => a.ts - b.ts)) byVisit.set(`${e.visitor}:${e.visit}`, [...(byVisit.get(`${e.visitor}:${e.visit}`) ?? []), e])
  for (const visit of byVisit.values()) {
    const views = visit.filter((e) => e.type === 'pageview')
    if (!keep(views[0]!)) continue
    const lastLeave = visit.filter((e) => e.type === 'leave').at(-1)
    views.forEach((v, i) => {
      if (v.path !== page) return
      if (i === 0) add(previous, 'entry', v.source, v.visitor)
      else add(previous, 'page', views[i - 1]!.path, v.visitor)
      if (i < views.length - 1) add(next, 'page', views[i + 1]!.path, v.visitor)
      else add(next, 'exit', lastLeave && lastLeave.path === v.path && lastLeave.ts >= v.ts ? (lastLeave.wire.exit as string) : UNKNOWN_EXIT, v.visitor)
    })
  }
  const rows = (m: Map<string, Set<number>>) =>
    [...m]
      .map(([key, vs]) => {
        const [kind, value] = JSON.parse(key) as [string, string]
        return { kind, value, visitors: vs.size }
      })
      .sort((a, b) => b.visitors - a.visitors || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
      .slice(0, limit)
  return { previous: rows(previous), next: rows(next) }
}

describe('journeys', () => {
  it('names the previous page or entry source and the next page or exit kind of a page, by visitors', async () => {
    for (const page of ['/', '/pricing', '/docs']) {
      const r = await journeys(s.db, fixtureQuery(), page, 100, span)
      expect(r.source).toBe('events')
      expect({ previous: r.previous, next: r.next }, page).toEqual(expected(page, 100, () => true))
    }
    const r = await journeys(s.db, fixtureQuery(), '/', 100, span)
    expect(r.previous.some((x) => x.kind === 'entry')).toBe(true)
    expect(r.next.some((x) => x.kind === 'exit' && x.value !== UNKNOWN_EXIT)).toBe(true)
  })

  it('keeps the top rows of each side and the visits that match the filters', async () => {
    const r = await journeys(s.db, fixtureQuery({ filters: { browser: 'Firefox' } }), '/pricing', 2, span)
    expect({ previous: r.previous, next: r.next }).toEqual(expected('/pricing', 2, (e) => e.browser === 'Firefox'))
  })
})
