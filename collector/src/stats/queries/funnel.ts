import type { Db } from '../../db/client.ts'
import { pageMatch, pagePatternProblem } from '../../goals/goals.ts'
import { filterParams } from '../dimensions.ts'
import { visitTrailsFrom, type EventSpan } from '../event-visits.ts'
import { ParamError } from '../params.ts'
import { baseParams, type StatsQuery } from '../range.ts'
import { VISITORS_COUNTED } from '../visitors.ts'

export const MIN_FUNNEL_STEPS = 2
export const MAX_FUNNEL_STEPS = 8
const EVENT_PREFIX = 'event:'
const MAX_EVENT_NAME_LENGTH = 200

/** A step of a funnel: a pageview whose path matches a pattern, or a custom event of a name. */
export interface FunnelStep {
  /** The step as written: `/pricing`, `/signup/*` or `event:signup`. */
  step: string
  kind: 'page' | 'event'
  /** The page pattern or the custom event's name. */
  value: string
}

/**
 * Parses `steps` (a comma-separated list of page patterns and `event:<name>`), or throws a ParamError
 * naming the step that is wrong.
 * @example parseSteps('/,/pricing,event:signup')
 */
export function parseSteps(text: string): FunnelStep[] {
  const parts = text.split(',')
  if (parts.length < MIN_FUNNEL_STEPS || parts.length > MAX_FUNNEL_STEPS) {
    throw new ParamError(`steps must list ${MIN_FUNNEL_STEPS} to ${MAX_FUNNEL_STEPS} steps separated by commas; it lists ${parts.length}`)
  }
  return parts.map((raw, i) => {
    const step = raw.trim()
    if (!step) throw new ParamError(`step ${i + 1} of steps is empty`)
    if (step.startsWith(EVENT_PREFIX)) {
      const name = step.slice(EVENT_PREFIX.length).trim()
      if (!name) throw new ParamError(`step ${i + 1} ("${step}") names no custom event`)
      if (name.length > MAX_EVENT_NAME_LENGTH) throw new ParamError(`step ${i + 1}: a custom event name is at most ${MAX_EVENT_NAME_LENGTH} characters`)
      return { step, kind: 'event', value: name }
    }
    const problem = pagePatternProblem(step)
    if (problem) throw new ParamError(`step ${i + 1} ("${step.slice(0, 80)}") is not a page pattern or event:<name>: it ${problem}`)
    return { step, kind: 'page', value: step }
  })
}

export interface FunnelStepRow {
  step: string
  /** Visitors with a visit that reached this step after the ones before it. */
  visitors: number
  /** Visitors of the previous step who did not reach this one (0 for the first). */
  drop_off: number
  /** Visitors of this step / visitors of the first, 0 to 1. */
  conversion_rate: number
  /** Median time from the previous step to this one within the visits that reached it; null for the first step or none. */
  median_seconds_from_previous: number | null
}

export interface FunnelResult {
  source: 'events'
  /** The days the answer covers: the range within the event retention (null when none of it is). */
  span: EventSpan | null
  steps: FunnelStepRow[]
}

/** The condition that the trail element `name`, `custom` (a pageview's path or a custom event's name) is step `i`. */
const isStep = (s: FunnelStep, i: number) =>
  s.kind === 'page' ? `(custom = 0 AND ${pageMatch('name', `step${i}`, s.value).sql})` : `(custom = 1 AND name = {step${i}:String})`

/** A bit per step (bit i for step i) for each element of a visit's trail, telling which steps it is. */
const stepMasks = (steps: readonly FunnelStep[]) =>
  `arrayMap((name, custom) -> ${steps.map((s, i) => `toUInt16(${isStep(s, i)}) * ${2 ** i}`).join(' + ')}, trail_names, trail_custom) AS masks`

/**
 * The visits that may reach the first step: those whose trail holds its name, or for a page pattern
 * with a `*` a name that matches it. A name can be a page's and an event's, so this keeps a few
 * more; the first step's position along the trail then decides.
 */
const mayReachFirst = (first: FunnelStep) =>
  first.kind === 'page' && first.value.includes('*')
    ? ` AND arrayExists(name -> ${pageMatch('name', 'step0', first.value).sql}, trail_names)`
    : ' AND has(trail_names, {step0:String})'

/**
 * Visitors through an ordered list of steps within one visit: each visit (of the visits job, started
 * in the range, matching the filters) reaches the steps it completes in order along its trail (its
 * pageviews and custom events in time order, sql/160), each step matched by the first event after
 * the previous step's; a visitor counts at a step when any of their visits reached it. Answers for
 * `span`, the range within the event retention, which the visits are kept for.
 * @example await funnel(db, query, parseSteps('/,/pricing,event:signup'), span)
 */
export async function funnel(db: Db, q: StatsQuery, steps: readonly FunnelStep[], span: EventSpan | null): Promise<FunnelResult> {
  // The position in the trail of the event that reaches each step: the first one with the step's bit
  // after the previous step's (0 once a step is not reached).
  const positions = steps.map((_, i) =>
    i === 0
      ? `arrayFirstIndex(m -> bitTest(m, 0), masks) AS at0`
      : `if(at${i - 1} = 0, 0, arrayFirstIndex((m, j) -> j > at${i - 1} AND bitTest(m, ${i}), masks, arrayEnumerate(masks))) AS at${i}`,
  )
  const reached = `arrayMap(j -> toInt64(trail_ms[j]), arrayFilter(j -> j > 0, [${steps.map((_, i) => `at${i}`).join(', ')}]))`
  const rows = span
    ? await (
        await db.query({
          query: `SELECT step, ${VISITORS_COUNTED} AS visitors, quantileExactIf(0.5)(gap_ms, step > 1) AS median_ms
                  FROM (SELECT visitor, ${stepMasks(steps)}, ${positions.join(', ')}, ${reached} AS reached ${visitTrailsFrom(q.filters, mayReachFirst(steps[0]!))})
                  ARRAY JOIN arrayEnumerate(reached) AS step, arrayMap((t, i) -> if(i = 1, 0, t - reached[i - 1]), reached, arrayEnumerate(reached)) AS gap_ms
                  GROUP BY step ORDER BY step`,
          query_params: {
            ...baseParams({ ...q, ...span }), ...filterParams(q.filters),
            ...Object.fromEntries(steps.map((s, i) => [`step${i}`, s.kind === 'page' ? pageMatch('name', `step${i}`, s.value).value : s.value])),
          },
          format: 'JSONEachRow',
        })
      ).json<{ step: number; visitors: string; median_ms: number }>()
    : []
  const byStep = new Map(rows.map((r) => [Number(r.step), r]))
  const first = Number(byStep.get(1)?.visitors ?? 0)
  return {
    source: 'events',
    span,
    steps: steps.map((s, i) => {
      const row = byStep.get(i + 1)
      const visitors = Number(row?.visitors ?? 0)
      const previous = i === 0 ? visitors : Number(byStep.get(i)?.visitors ?? 0)
      return {
        step: s.step,
        visitors,
        drop_off: previous - visitors,
        conversion_rate: first ? visitors / first : 0,
        median_seconds_from_previous: i === 0 || !row ? null : Number(row.median_ms) / 1000,
      }
    }),
  }
}
