import { isDeepStrictEqual } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { matchesPage } from '../collector/src/goals/goals.ts'
import { addDays } from '../collector/src/stats/range.ts'
import { CONDITION_DEADLINE_MS, postEvents, startCollector, type Collector } from './helpers/collector.ts'
import {
  crossesMidnight, cutVisits, daysOf, eastZoneWithMidnight, generateTraffic, localDay, roundFloat, rounded, rowMatches, rowsOf, visitMatches, type Filters, type Request, type Row, type Visit, trafficRange, untilVisitsCut,
} from './helpers/traffic-model.ts'

/**
 * Seeded traffic goes over HTTP into a real collector; the goals, goal conversions in breakdowns,
 * funnels and journeys it answers must equal what the test computes from the traffic it sent, with
 * filters, over the range and each of its days, on a UTC site and on one whose midnight is not UTC's.
 * `TELLEN_DIFF_SEED` replays another seed.
 */
const SEED = Number(process.env.TELLEN_DIFF_SEED ?? 20261207)
const SITES = [
  { domain: 'utc.analysts.test', tz: 'UTC' },
  // East of UTC, with its midnight inside the traffic's 23 hours whenever the test runs.
  { domain: 'east.analysts.test', tz: eastZoneWithMidnight(Date.now()) },
]
const PEOPLE = 22
const GOALS = [
  { name: 'saw pricing', page: '/pricing' },
  { name: 'read the docs', page: '/docs/*' },
  { name: 'signed up', event: 'signup' },
  { name: 'pro newsletter', event: 'newsletter', property: { key: 'plan', value: 'pro' } },
] as const
type GoalDefinition = (typeof GOALS)[number] & { id: string }
const FILTERS: Filters[] = [
  {}, { country: 'NL' }, { source: 'Google' }, { page: '/pricing' }, { event: 'signup' }, { entry_page: '/' }, { exit_page: '/docs' },
  { browser: 'Firefox', source: 'Direct' }, { utm_campaign: 'autumn' }, { device: 'mobile', page: '/docs' },
]
/** The filters also asked of each day alone, to keep the file fast. */
const SOME_FILTERS: Filters[] = [{}, { country: 'NL' }, { source: 'Google' }]
const FUNNELS = ['/,/docs,/docs/install', '/*,event:signup', '/docs*,/pricing,event:newsletter,/about', '/pricing,/pricing']
const JOURNEY_PAGES = ['/', '/pricing']
/** Per test: the machine running the suite may be busy. */
const SLOW = 240_000

let c: Collector
const requests: Request[] = []
const received: number[] = []
let generatedAt = 0
const goals = new Map<string, GoalDefinition[]>()

const get = async (site: string, path: string, params: Record<string, string | undefined>) => {
  const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined))
  const res = await fetch(`${c.url}/api/stats/${site}/${path}?${query}`, { headers: { authorization: `Bearer ${c.adminToken}` } })
  const json = (await res.json()) as any
  if (res.status !== 200) throw new Error(`${path}?${query}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

beforeAll(async () => {
  c = await startCollector({ TRUST_PROXY: '1', TELLEN_VISITS_INTERVAL_MS: '250', TELLEN_RATE_LIMIT_PER_MINUTE: '0' })
  const admin = (route: string, body: unknown) =>
    fetch(`${c.url}${route}`, { method: 'POST', headers: { authorization: `Bearer ${c.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  for (const site of SITES) {
    expect((await admin('/api/admin/sites', { domain: site.domain, timezone: site.tz })).status).toBe(200)
    const defined: GoalDefinition[] = []
    for (const goal of GOALS) {
      const res = await admin('/api/admin/goals', { site: site.domain, ...goal })
      expect(res.status).toBe(201)
      defined.push({ ...goal, id: ((await res.json()) as { id: string }).id })
    }
    goals.set(site.domain, defined)
  }
  generatedAt = Date.now()
  const all = generateTraffic(SITES, PEOPLE, generatedAt, SEED).sort((a, b) => (a.events[0]!.ts as number) - (b.events[0]!.ts as number))
  for (const r of all) {
    requests.push(r)
    received.push(Date.now())
    const res = await postEvents(
      c.url,
      { v: 1, site: r.person.site, sw: r.person.sw, tz: r.person.timezone, lang: r.person.language, events: r.events },
      { 'x-forwarded-for': r.person.ip, 'user-agent': r.person.ua, ...r.headers },
    )
    if (res.status !== 202) throw new Error(`refused: ${JSON.stringify(res.json)}`)
  }
  // Waits until the visits job has cut every visit sent, with its pageviews and duration (goal
  // conversions by a dimension of a visit and funnels read the visits).
  await untilVisitsCut(SITES, rowsOf(requests, received), async (site) => (await get(site.domain, 'overview', rangeOf(site.tz))).current, Date.now() + CONDITION_DEADLINE_MS)
})
afterAll(async () => {
  await c?.stop()
})

const rangeOf = (tz: string) => trafficRange(generatedAt, tz)
const days = daysOf
const distinct = (xs: readonly { visitor: string }[]) => new Set(xs.map((x) => x.visitor)).size
const converts = (g: GoalDefinition, r: Row) =>
  'page' in g ? r.type === 'pageview' && matchesPage(g.page, r.path) : r.type === 'custom' && r.name === g.event && (!('property' in g) || r.props[g.property.key] === g.property.value)

/** The answers the traffic gives for one site: rows and visits cut as the collector cuts them. */
function model(site: { domain: string; tz: string }) {
  const all = rowsOf(requests, received)
  const visits = cutVisits(all).filter((v) => v.site === site.domain)
  const rows = all.filter((r) => r.site === site.domain)
  const inRange = (ms: number, from: string, to: string) => localDay(site.tz, ms) >= from && localDay(site.tz, ms) <= to
  /** The visits that start in the range and match the filters, each with its events in order. */
  const visitsOf = (from: string, to: string, f: Filters) =>
    visits.filter((v) => inRange(v.start, from, to) && visitMatches(v, f)).map((v) => ({ visit: v, events: rows.filter((r) => r.visit === v).sort((a, b) => a.ts - b.ts) }))
  return {
    goals(from: string, to: string, f: Filters) {
      const visitors = distinct(rows.filter((r) => r.type === 'pageview' && inRange(r.ts, from, to) && rowMatches(r, f)))
      return {
        visitors,
        goals: goals.get(site.domain)!.map((g) => {
          const hits = rows.filter((r) => inRange(r.ts, from, to) && rowMatches(r, f) && converts(g, r))
          return rounded({ ...g, visitors: distinct(hits), conversion_rate: visitors ? distinct(hits) / visitors : 0, events: hits.length })
        }),
      }
    },
    conversions(from: string, to: string, f: Filters, goal: GoalDefinition, dimension: string, value: string) {
      return distinct(rows.filter((r) => inRange(r.ts, from, to) && rowMatches(r, { ...f, [dimension]: value }) && converts(goal, r)))
    },
    funnel(from: string, to: string, f: Filters, stepsText: string) {
      const steps = stepsText.split(',')
      const reached = steps.map(() => ({ visitors: new Set<string>(), gaps: [] as number[] }))
      for (const { events } of visitsOf(from, to, f)) {
        let level = 0
        let last = 0
        for (const r of events) {
          const step = steps[level]
          if (step === undefined) break
          const hit = step.startsWith('event:') ? r.type === 'custom' && r.name === step.slice(6) : r.type === 'pageview' && matchesPage(step, r.path)
          if (!hit) continue
          reached[level]!.visitors.add(r.visitor)
          if (level > 0) reached[level]!.gaps.push(r.ts - last)
          last = r.ts
          level++
        }
      }
      const first = reached[0]!.visitors.size
      return steps.map((step, i) => {
        const visitors = reached[i]!.visitors.size
        const gaps = reached[i]!.gaps.sort((a, b) => a - b)
        return rounded({
          step, visitors, drop_off: i === 0 ? 0 : reached[i - 1]!.visitors.size - visitors, conversion_rate: first ? visitors / first : 0,
          median_seconds_from_previous: i === 0 || !gaps.length ? null : gaps[Math.floor(gaps.length / 2)]! / 1000,
        })
      })
    },
    journeys(from: string, to: string, f: Filters, page: string, limit: number) {
      const sides = { previous: new Map<string, Set<string>>(), next: new Map<string, Set<string>>() }
      const add = (side: Map<string, Set<string>>, kind: string, value: string, visitor: string) => {
        const key = JSON.stringify([kind, value])
        side.set(key, (side.get(key) ?? new Set()).add(visitor))
      }
      for (const { visit, events } of visitsOf(from, to, { ...f, page })) {
        const views = events.filter((r) => r.type === 'pageview')
        const leave = events.filter((r) => r.type === 'leave').at(-1)
        views.forEach((v, i) => {
          if (v.path !== page) return
          if (i === 0) add(sides.previous, 'entry', visit.first.source, v.visitor)
          else add(sides.previous, 'page', views[i - 1]!.path, v.visitor)
          if (i < views.length - 1) add(sides.next, 'page', views[i + 1]!.path, v.visitor)
          else add(sides.next, 'exit', leave && leave.path === v.path && leave.ts >= v.ts ? leave.exit : 'unknown', v.visitor)
        })
      }
      const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
      const top = (side: Map<string, Set<string>>) =>
        [...side]
          .map(([key, vs]) => {
            const [kind, value] = JSON.parse(key) as [string, string]
            return { kind, value, visitors: vs.size }
          })
          .sort((a, b) => b.visitors - a.visitors || compare(a.kind, b.kind) || compare(a.value, b.value))
          .slice(0, limit)
      return { previous: top(sides.previous), next: top(sides.next) }
    },
    visits: (from: string, to: string, f: Filters) => visitsOf(from, to, f).map((x) => x.visit as Visit),
  }
}

describe.each(SITES)('goals, funnels and journeys of $domain ($tz) against the traffic sent', (site) => {
  it('sends traffic with conversions, funnel paths and visits across the site\'s midnight', () => {
    const m = model(site)
    const { from, to } = rangeOf(site.tz)
    // Two days, but for UTC in the hour before its midnight (the traffic's window is 23 hours).
    expect(days(from, to).length).toBe(crossesMidnight(generatedAt, site.tz) ? 2 : 1)
    const visits = m.visits(from, to, {})
    expect(visits.some((v) => localDay(site.tz, v.start) !== localDay(site.tz, v.end))).toBe(site.tz !== 'UTC')
    expect(m.goals(from, to, {}).goals.every((g) => (g.visitors as number) > 0)).toBe(true)
    expect(m.funnel(from, to, {}, '/,/docs,/docs/install')[2]!.visitors).toBeGreaterThan(0)
  })

  it('counts each goal\'s visitors, conversion rate and events over the range and each of its days, with filters', async () => {
    const m = model(site)
    const { from, to } = rangeOf(site.tz)
    const mismatches: unknown[] = []
    for (const f of FILTERS) {
      for (const range of [{ from, to }, ...(SOME_FILTERS.includes(f) ? days(from, to).map((d) => ({ from: d, to: d })) : [])]) {
        const got = await get(site.domain, 'goals', { ...range, ...f })
        expect(got.source).toBe(Object.keys(f).length ? 'events' : 'rollup')
        const answer = { visitors: got.visitors, goals: (got.goals as Record<string, unknown>[]).map(rounded) }
        const want = m.goals(range.from, range.to, f)
        if (!isDeepStrictEqual(answer, want)) mismatches.push({ f, range, got: answer, want })
      }
    }
    expect(mismatches).toEqual([])
  }, SLOW)

  it('answers goals from the rollups for a range that reaches past the event retention', async () => {
    const m = model(site)
    const { to } = rangeOf(site.tz)
    const from = addDays(to, -90)
    const got = await get(site.domain, 'goals', { from, to })
    expect(got.source).toBe('rollup')
    expect({ visitors: got.visitors, goals: (got.goals as Record<string, unknown>[]).map(rounded) }).toEqual(m.goals(from, to, {}))
  })

  it('adds each goal\'s conversions and conversion rate to the rows of breakdowns', async () => {
    const m = model(site)
    const { from, to } = rangeOf(site.tz)
    const mismatches: unknown[] = []
    for (const goal of goals.get(site.domain)!.filter((g) => g.name !== 'saw pricing')) {
      for (const f of [{}, { country: 'NL' }] as Filters[]) {
        for (const dimension of ['page', 'source', 'entry_page', 'browser', 'event']) {
          const got = await get(site.domain, `breakdown/${dimension}`, { from, to, ...f, goal: goal.id, limit: '1000' })
          for (const row of got.rows as { value: string; visitors: number; conversions: number; conversion_rate: number }[]) {
            const conversions = m.conversions(from, to, f, goal, dimension, row.value)
            const want = { conversions, conversion_rate: roundFloat(row.visitors ? conversions / row.visitors : 0) }
            const answer = { conversions: row.conversions, conversion_rate: roundFloat(row.conversion_rate) }
            if (!isDeepStrictEqual(answer, want)) mismatches.push({ goal: goal.name, f, dimension, value: row.value, got: answer, want })
          }
        }
      }
    }
    expect(mismatches).toEqual([])
  }, SLOW)

  it('counts every funnel\'s visitors, drop-off, conversion and median time between steps, with filters', async () => {
    const m = model(site)
    const { from, to } = rangeOf(site.tz)
    const mismatches: unknown[] = []
    for (const steps of FUNNELS) {
      for (const f of steps === FUNNELS[0] ? FILTERS : SOME_FILTERS) {
        for (const range of [{ from, to }, ...(steps === FUNNELS[0] && SOME_FILTERS.includes(f) ? days(from, to).map((d) => ({ from: d, to: d })) : [])]) {
          const got = await get(site.domain, 'funnel', { ...range, ...f, steps })
          expect(got.source).toBe('events')
          const answer = (got.steps as Record<string, unknown>[]).map(rounded)
          const want = m.funnel(range.from, range.to, f, steps)
          if (!isDeepStrictEqual(answer, want)) mismatches.push({ steps, f, range, got: answer, want })
        }
      }
    }
    expect(mismatches).toEqual([])
  }, SLOW)

  it('says which days a funnel covers when the range reaches past the event retention', async () => {
    const m = model(site)
    const { to } = rangeOf(site.tz)
    const got = await get(site.domain, 'funnel', { from: addDays(to, -90), to, steps: '/,/pricing' })
    const today = localDay(site.tz, Date.now())
    expect(got.span).toEqual({ from: addDays(today, -29), to })
    expect((got.steps as Record<string, unknown>[]).map(rounded)).toEqual(m.funnel(addDays(to, -90), to, {}, '/,/pricing'))
  })

  it('names the previous and next steps of pages within visits, with filters', async () => {
    const m = model(site)
    const { from, to } = rangeOf(site.tz)
    const mismatches: unknown[] = []
    for (const page of JOURNEY_PAGES) {
      for (const f of page === '/' ? FILTERS.filter((x) => x.page === undefined) : SOME_FILTERS) {
        for (const range of [{ from, to }, ...(SOME_FILTERS.includes(f) ? days(from, to).map((d) => ({ from: d, to: d })) : [])]) {
          for (const limit of f === SOME_FILTERS[0] ? [100, 3] : [100]) {
            const got = await get(site.domain, 'journeys', { ...range, ...f, page, limit: String(limit) })
            const answer = { previous: got.previous, next: got.next }
            const want = m.journeys(range.from, range.to, f, page, limit)
            if (!isDeepStrictEqual(answer, want)) mismatches.push({ page, f, range, limit, got: answer, want })
          }
        }
      }
    }
    expect(mismatches).toEqual([])
  }, SLOW)
})
