import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, fixtureQuery, openStatsDb, type SentEvent, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
import { errors, FAILED_KINDS } from './errors.ts'

const events = buildFixture()
let s: StatsDb

beforeAll(async () => {
  s = await openStatsDb()
  await s.ingest(events)
})
afterAll(() => s?.close())

function expected(keep: (e: SentEvent) => boolean) {
  const groups = new Map<string, { page: string; kind: string; resource: string; count: number; visitors: Set<number> }>()
  for (const e of events.filter((x) => (x.type === 'error' || x.type === 'download') && keep(x))) {
    const kind = e.type === 'download' ? 'download' : (e.wire.kind as string)
    const resource = String(e.wire.resource).replace('https://', '')
    const key = `${e.path}|${kind}|${resource}`
    const g = groups.get(key) ?? { page: e.path, kind, resource, count: 0, visitors: new Set<number>() }
    g.count++
    g.visitors.add(e.visitor)
    groups.set(key, g)
  }
  return [...groups.values()]
    .map((g) => ({ ...g, visitors: g.visitors.size }))
    .sort((a, b) => b.count - a.count || a.page.localeCompare(b.page) || a.kind.localeCompare(b.kind) || a.resource.localeCompare(b.resource))
}

describe('errors', () => {
  it('counts failed resources and downloads by page, kind and resource', async () => {
    const r = await errors(s.db, fixtureQuery(), { limit: 1000, offset: 0 })
    expect(r.source).toBe('rollup')
    expect(r.rows).toEqual(expected(() => true))
    expect(r.rows.some((x) => x.kind === 'download')).toBe(true)
  })

  it('keeps one kind when asked and answers a browser filter from the events', async () => {
    const downloads = await errors(s.db, fixtureQuery(), { limit: 1000, offset: 0 }, 'download')
    expect(downloads.rows).toEqual(expected((e) => e.type === 'download'))
    const firefox = await errors(s.db, fixtureQuery({ filters: { browser: 'Firefox' } }), { limit: 1000, offset: 0 })
    expect(firefox.source).toBe('events')
    expect(firefox.rows).toEqual(expected((e) => e.browser === 'Firefox'))
  })

  it('keeps failures apart from downloads when asked for the failed kinds', async () => {
    const failed = await errors(s.db, fixtureQuery(), { limit: 1000, offset: 0 }, FAILED_KINDS)
    expect(failed.rows).toEqual(expected((e) => e.type === 'error'))
    expect(failed.rows.length).toBeGreaterThan(0)
    const firefox = await errors(s.db, fixtureQuery({ filters: { browser: 'Firefox' } }), { limit: 1000, offset: 0 }, FAILED_KINDS)
    expect(firefox.rows).toEqual(expected((e) => e.type === 'error' && e.browser === 'Firefox'))
  })
})
