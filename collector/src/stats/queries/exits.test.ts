import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, fixtureQuery, openStatsDb, type SentEvent, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
import { exits } from './exits.ts'

const events = buildFixture()
let s: StatsDb

beforeAll(async () => {
  s = await openStatsDb()
  await s.ingest(events)
})
afterAll(() => s?.close())

function expected(keep: (e: SentEvent) => boolean) {
  const groups = new Map<string, { page: string; kind: string; target: string; leaves: number; visitors: Set<number>; engaged: number }>()
  for (const e of events.filter((x) => x.type === 'leave' && keep(x))) {
    const kind = e.wire.exit as string
    const url = e.wire.target ? new URL(e.wire.target as string) : undefined
    const target = !url ? '' : kind === 'outbound' ? url.hostname : `${url.hostname}${url.pathname}`
    const key = `${e.path}|${kind}|${target}`
    const g = groups.get(key) ?? { page: e.path, kind, target, leaves: 0, visitors: new Set<number>(), engaged: 0 }
    g.leaves++
    g.engaged += e.wire.engaged as number
    g.visitors.add(e.visitor)
    groups.set(key, g)
  }
  return [...groups.values()]
    .map(({ engaged, ...g }) => ({ ...g, visitors: g.visitors.size, engaged_seconds: engaged / g.leaves / 1000 }))
    .sort((a, b) => b.leaves - a.leaves || a.page.localeCompare(b.page) || a.kind.localeCompare(b.kind) || a.target.localeCompare(b.target))
}

describe('exits', () => {
  it('counts how visitors left each page, by exit kind and outbound host', async () => {
    const r = await exits(s.db, fixtureQuery(), { limit: 1000, offset: 0 })
    expect(r.source).toBe('rollup')
    expect(r.rows).toEqual(expected(() => true))
    expect(r.rows.find((x) => x.kind === 'outbound')!.target).toBe('github.com')
  })

  it('answers a page filter from the rollup and a language filter from the events', async () => {
    const docs = await exits(s.db, fixtureQuery({ filters: { page: '/docs' } }), { limit: 1000, offset: 0 })
    expect(docs.source).toBe('rollup')
    expect(docs.rows).toEqual(expected((e) => e.path === '/docs'))
    const fr = await exits(s.db, fixtureQuery({ filters: { language: 'fr-FR' } }), { limit: 3, offset: 0 })
    expect(fr.source).toBe('events')
    expect(fr.rows).toEqual(expected((e) => e.language === 'fr-FR').slice(0, 3))
  })
})
