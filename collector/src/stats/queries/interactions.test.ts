import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, fixtureQuery, openStatsDb, type SentEvent, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
import type { Filters } from '../dimensions.ts'
import { interactions } from './interactions.ts'

const events = buildFixture()
let s: StatsDb

beforeAll(async () => {
  s = await openStatsDb()
  await s.ingest(events)
})
afterAll(() => s?.close())

function expected(keep: (e: SentEvent) => boolean) {
  const leaves = events.filter((e) => e.type === 'leave' && keep(e))
  const clicks = events.filter((e) => e.type === 'click' && keep(e))
  const scroll = new Map<number, number>()
  for (const e of leaves) {
    const depth = Math.floor((e.wire.scroll as number) / 10) * 10
    scroll.set(depth, (scroll.get(depth) ?? 0) + 1)
  }
  const clickGrid = Array.from({ length: 10 }, () => new Array<number>(10).fill(0))
  const moves = Array.from({ length: 10 }, () => new Array<number>(10).fill(0))
  const elements = new Map<string, number>()
  for (const e of clicks) {
    clickGrid[e.wire.cy as number]![e.wire.cx as number]!++
    elements.set(e.wire.el as string, (elements.get(e.wire.el as string) ?? 0) + 1)
  }
  for (const e of leaves) (e.wire.grid as number[]).forEach((n, i) => (moves[Math.floor(i / 10)]![i % 10]! += n))
  return {
    scroll: [...scroll.entries()].sort((a, b) => a[0] - b[0]).map(([depth, views]) => ({ depth, views })),
    clicks: clickGrid,
    moves,
    elements: [...elements.entries()].map(([element, n]) => ({ element, clicks: n })).sort((a, b) => b.clicks - a.clicks || a.element.localeCompare(b.element)),
  }
}

describe('interactions', () => {
  it('reports scroll depth, click and movement grids and top elements for the whole site', async () => {
    const r = await interactions(s.db, fixtureQuery())
    expect(r.source).toBe('rollup')
    expect(r).toEqual({ source: 'rollup', ...expected(() => true) })
  })

  it('narrows to one page from the rollup', async () => {
    const r = await interactions(s.db, fixtureQuery({ filters: { page: '/pricing' } }))
    expect(r).toEqual({ source: 'rollup', ...expected((e) => e.path === '/pricing') })
  })

  it.each<[string, Filters, (e: SentEvent) => boolean]>([
    ['a country', { country: 'US' }, (e: SentEvent) => e.country === 'US'],
    ['a country and a device', { country: 'NL', device: 'mobile' }, (e: SentEvent) => e.country === 'NL' && e.device === 'mobile'],
    ['a page and a device', { page: '/', device: 'desktop' }, (e: SentEvent) => e.path === '/' && e.device === 'desktop'],
    ['a country nobody came from', { country: 'JP' }, (e: SentEvent) => e.country === 'JP'],
  ])('answers %s with scroll and moves from the audience rollup, the same as from the events', async (_, filters, keep) => {
    const r = await interactions(s.db, fixtureQuery({ filters }))
    const want = expected(keep)
    expect(r).toEqual({ source: 'events', ...want })
    if (filters.country !== 'JP') expect(want.scroll.length).toBeGreaterThan(0)
  })

  const entryPage = (e: SentEvent) => events.find((x) => x.visitor === e.visitor && x.visit === e.visit && x.type === 'pageview')!.path
  const exitPage = (e: SentEvent) => events.filter((x) => x.visitor === e.visitor && x.visit === e.visit && x.type === 'pageview').at(-1)!.path
  it.each<[string, Filters, (e: SentEvent) => boolean]>([
    ['a source', { source: 'Google' }, (e) => e.source === 'Google'],
    ['a referrer', { referrer: 'news.ycombinator.com' }, (e) => e.referrer === 'news.ycombinator.com'],
    ['a UTM source', { utm_source: 'newsletter' }, (e) => e.utm_source === 'newsletter'],
    ['an entry page', { entry_page: '/' }, (e) => entryPage(e) === '/'],
    ['an exit page', { exit_page: '/docs' }, (e) => exitPage(e) === '/docs'],
    ['a source nobody came from', { source: 'Bing' }, () => false],
  ])('answers %s from what the visits job keeps by the dimensions of visits', async (_, filters, keep) => {
    const r = await interactions(s.db, fixtureQuery({ filters }))
    const want = expected(keep)
    expect(r).toEqual({ source: 'rollup', ...want })
    if (filters.source !== 'Bing') expect(want.elements.length).toBeGreaterThan(0)
  })

  it('answers a page and screen filter from the events', async () => {
    const r = await interactions(s.db, fixtureQuery({ filters: { page: '/', screen: 'phone' } }))
    expect(r).toEqual({ source: 'events', ...expected((e) => e.path === '/' && e.screen === 'phone') })
  })
})
