import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, fixtureDay, fixtureQuery, openStatsDb, type SentEvent, type StatsDb } from '../../../../test/helpers/stats-fixture.ts'
import { matchesPage } from '../../goals/goals.ts'
import { ParamError } from '../params.ts'
import { funnel, parseSteps, type FunnelStep } from './funnel.ts'

const events = buildFixture()
let s: StatsDb
const span = { from: fixtureDay(), to: fixtureDay() }

beforeAll(async () => {
  s = await openStatsDb()
  await s.ingest(events)
})
afterAll(() => s?.close())

/** The fixture's visits: their events in order, and the values of their first pageview. */
function visits() {
  const byVisit = new Map<string, SentEvent[]>()
  for (const e of [...events].sort((a, b) => a.ts - b.ts)) byVisit.set(`${e.visitor}:${e.visit}`, [...(byVisit.get(`${e.visitor}:${e.visit}`) ?? []), e])
  return [...byVisit.values()]
}

function expected(steps: FunnelStep[], keep: (first: SentEvent) => boolean) {
  const reachedBy = steps.map(() => ({ visitors: new Set<number>(), gaps: [] as number[] }))
  for (const visit of visits()) {
    if (!keep(visit.find((e) => e.type === 'pageview')!)) continue
    let last = 0
    let level = 0
    for (const e of visit) {
      const step = steps[level]
      if (!step) break
      const hit = step.kind === 'page' ? e.type === 'pageview' && matchesPage(step.value, e.path) : e.type === 'custom' && e.wire.name === step.value
      if (!hit) continue
      reachedBy[level]!.visitors.add(e.visitor)
      if (level > 0) reachedBy[level]!.gaps.push(e.ts - last)
      last = e.ts
      level++
    }
  }
  const first = reachedBy[0]!.visitors.size
  return steps.map((step, i) => {
    const visitors = reachedBy[i]!.visitors.size
    const gaps = reachedBy[i]!.gaps.sort((a, b) => a - b)
    return {
      step: step.step, visitors, drop_off: i === 0 ? 0 : reachedBy[i - 1]!.visitors.size - visitors, conversion_rate: first ? visitors / first : 0,
      median_seconds_from_previous: i === 0 || !gaps.length ? null : gaps[Math.floor(gaps.length / 2)]! / 1000,
    }
  })
}

describe('funnel', () => {
  it('counts visitors through ordered page and event steps within a visit, with drop-off and median times', async () => {
    for (const text of ['/,/pricing', '/,/docs,event:signup', '/*,/about,/docs,/pricing', '/pricing,/nowhere']) {
      const steps = parseSteps(text)
      const r = await funnel(s.db, fixtureQuery(), steps, span)
      expect(r.source).toBe('events')
      expect(r.steps, text).toEqual(expected(steps, () => true))
    }
    const r = await funnel(s.db, fixtureQuery(), parseSteps('/,/docs,event:signup'), span)
    expect(r.steps[1]!.visitors).toBeGreaterThan(0)
    expect(r.steps[1]!.median_seconds_from_previous).toBeGreaterThan(0)
  })

  it('keeps the visits that match the filters', async () => {
    const steps = parseSteps('/,/docs')
    for (const [filters, keep] of [
      [{ country: 'NL' }, (e: SentEvent) => e.country === 'NL'],
      [{ source: 'Google' }, (e: SentEvent) => e.source === 'Google'],
    ] as const) {
      expect((await funnel(s.db, fixtureQuery({ filters }), steps, span)).steps).toEqual(expected(steps, keep))
    }
  })

  it('answers empty steps when no day of the range is within the event retention', async () => {
    const r = await funnel(s.db, fixtureQuery(), parseSteps('/,/pricing'), null)
    expect(r.span).toBeNull()
    expect(r.steps.map((x) => x.visitors)).toEqual([0, 0])
  })

  it('names what is wrong with a funnel definition', () => {
    expect(() => parseSteps('/')).toThrow(new ParamError('steps must list 2 to 8 steps separated by commas; it lists 1'))
    expect(() => parseSteps('/a,/b,/c,/d,/e,/f,/g,/h,/i')).toThrow(/it lists 9/)
    expect(() => parseSteps('/,,/pricing')).toThrow('step 2 of steps is empty')
    expect(() => parseSteps('/,pricing')).toThrow('step 2 ("pricing") is not a page pattern or event:<name>: it must start with "/"')
    expect(() => parseSteps('/,/a?b=1')).toThrow(/step 2 .* cannot match/)
    expect(() => parseSteps('/,event:')).toThrow('step 2 ("event:") names no custom event')
  })
})
