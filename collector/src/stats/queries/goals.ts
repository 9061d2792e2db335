import type { Db } from '../../db/client.ts'
import { likePattern, pageMatch, type Goal } from '../../goals/goals.ts'
import { eventsWhere, filterDims, filterParams, rangeWhere, rollupSpan, VISIT_DIMENSIONS, VISITS_OF_RANGE, visitsWhere, type AnswerSource } from '../dimensions.ts'
import { goalCondition } from '../goal-condition.ts'
import { LIVE_VISIT } from '../../visits/sessionize.ts'
import { baseParams, type StatsQuery } from '../range.ts'
import { VISITORS_COUNTED, VISITORS_MERGED } from '../visitors.ts'

export interface GoalRow extends Omit<Goal, 'site'> {
  /** Visitors who converted: viewed a matching page, or sent the custom event. */
  visitors: number
  /** Converted visitors / visitors, 0 to 1. */
  conversion_rate: number
  /** Matching pageviews, or custom events. */
  events: number
}

export interface GoalsResult {
  source: AnswerSource
  /** Visitors in the range with the filters: what conversion rates are relative to. */
  visitors: number
  goals: GoalRow[]
}

/** One goal's converted visitors and events from the rollups: page patterns from the pages, custom events from theirs. */
function rollupPart(goal: Goal, prefix: string): { sql: string; params: Record<string, string> } {
  if (goal.page !== undefined) {
    return { sql: `SELECT ${VISITORS_MERGED} AS visitors, sum(pageviews) AS events FROM ${rollupSpan('tellen.rollup_pages', ` AND path LIKE {${prefix}:String}`)}`, params: { [prefix]: likePattern(goal.page) } }
  }
  const property = goal.property ? ` AND prop = {${prefix}_key:String} AND value = {${prefix}_value:String}` : ` AND prop = ''`
  return {
    sql: `SELECT ${VISITORS_MERGED} AS visitors, sum(events) AS events FROM ${rollupSpan('tellen.rollup_custom', ` AND name = {${prefix}:String}${property}`)}`,
    params: { [prefix]: goal.event!, ...(goal.property ? { [`${prefix}_key`]: goal.property.key, [`${prefix}_value`]: goal.property.value } : {}) },
  }
}

/** One goal's converted visitors and events from the anonymised events, with the filters. */
function eventsPart(goal: Goal, prefix: string, where: string): { sql: string; params: Record<string, string> } {
  const condition = goalCondition(goal, prefix)
  return { sql: `SELECT ${VISITORS_COUNTED} AS visitors, count() AS events FROM tellen.events WHERE ${condition.sql} AND ${rangeWhere('ts')}${where}`, params: condition.params }
}

/** The condition that a trail element (`name`, `custom`: a pageview's path or a custom event's name) converts a goal without a property. */
function trailCondition(goal: Goal, prefix: string): { sql: string; params: Record<string, string> } {
  if (goal.page === undefined) return { sql: `custom = 1 AND name = {${prefix}:String}`, params: { [prefix]: goal.event! } }
  const page = pageMatch('name', prefix, goal.page)
  return { sql: `custom = 0 AND ${page.sql}`, params: { [prefix]: page.value } }
}

/**
 * The visitors (part 0) and the converted visitors and events of goals without a property (the parts
 * given) from the trails of the visits (sql/160) that match filters on dimensions of a visit alone:
 * the same events as those of `tellen.events` in the slots of the matching visits (`eventsWhere`),
 * in one read of one row per visit instead of a look-up per event. An element counts when its time,
 * the visit's start and its offset, lies in the range.
 */
function trailParts(q: StatsQuery, parts: readonly { part: number; goal: Goal }[]): { sql: string; params: Record<string, string> } {
  const conditions = parts.map(({ part, goal }) => ({ part, ...trailCondition(goal, `t${part - 1}`) }))
  const inRange = 'ms >= lo AND ms < hi'
  const counts = conditions.map((c) => `arrayCount((ms, name, custom) -> ${inRange} AND ${c.sql}, trail_ms, trail_names, trail_custom) AS hits${c.part}`)
  const viewed = `arrayExists((ms, custom) -> ${inRange} AND custom = 0, trail_ms, trail_custom) AS viewed`
  return {
    sql: `SELECT part, visitors, events FROM (
        SELECT [0${conditions.map((c) => `, ${c.part}`).join('')}] AS parts,
               [uniqCombinedIf(12)(visitor, viewed)${conditions.map((c) => `, uniqCombinedIf(12)(visitor, hits${c.part} > 0)`).join('')}] AS part_visitors,
               [toUInt64(0)${conditions.map((c) => `, toUInt64(sum(hits${c.part}))`).join('')}] AS part_events
        FROM (SELECT visitor, ${[viewed, ...counts].join(', ')}
              FROM (SELECT visitor, trail_ms, trail_names, trail_custom,
                           dateDiff('millisecond', start, toDateTime64({from:Date}, 3, {tz:String})) AS lo,
                           dateDiff('millisecond', start, toDateTime64({to:Date} + 1, 3, {tz:String})) AS hi
                    FROM tellen.rollup_visits FINAL WHERE ${VISITS_OF_RANGE} AND ${LIVE_VISIT}${visitsWhere(q.filters)}))
      ) ARRAY JOIN parts AS part, part_visitors AS visitors, part_events AS events`,
    params: Object.assign({}, ...conditions.map((c) => c.params)),
  }
}

/** True when every filter is a dimension of a visit, which the visit's own row holds. */
const visitFiltersOnly = (q: StatsQuery) => filterDims(q.filters).every((d) => VISIT_DIMENSIONS.includes(d))

/**
 * Each goal's converted visitors, conversion rate and events over the range, all in one query. Without
 * filters the rollups answer, for any range the rollups keep (goals apply to the past); with filters,
 * the anonymised events within their retention, filtered as pageviews are everywhere else. With only
 * filters on dimensions of a visit, the visits' trails answer for the visitors and the goals without
 * a property: the same events, kept as long.
 * @example await goalStats(db, query, await listGoals(db, 'example.com'))
 */
export async function goalStats(db: Db, q: StatsQuery, goals: readonly Goal[]): Promise<GoalsResult> {
  const rollup = filterDims(q.filters).length === 0
  const where = eventsWhere(q.filters)
  const trails = !rollup && visitFiltersOnly(q)
  const fromTrails = trails ? goals.flatMap((goal, i) => (goal.property ? [] : [{ part: i + 1, goal }])) : []
  const total = rollup
    ? `SELECT ${VISITORS_MERGED} AS visitors, toUInt64(0) AS events FROM ${rollupSpan('tellen.rollup_site')}`
    : `SELECT ${VISITORS_COUNTED} AS visitors, toUInt64(0) AS events FROM tellen.events WHERE type = 'pageview' AND ${rangeWhere('ts')}${where}`
  const parts = goals.map((g, i) => (rollup ? rollupPart(g, `g${i}`) : eventsPart(g, `g${i}`, where)))
  const own = [total, ...parts.map((p) => p.sql)]
    .map((sql, i) => ({ sql, i }))
    .filter(({ i }) => !trails || (i > 0 && !fromTrails.some((t) => t.part === i)))
    .map(({ sql, i }) => `SELECT toUInt32(${i}) AS part, visitors, toUInt64(events) AS events FROM (${sql})`)
  const trail = trails ? trailParts(q, fromTrails) : undefined
  const query = [...own, ...(trail ? [`SELECT toUInt32(part) AS part, visitors, events FROM (${trail.sql})`] : [])].join('\nUNION ALL ')
  const rs = await db.query({
    query,
    query_params: { ...baseParams(q), ...filterParams(q.filters), ...Object.assign({}, ...parts.map((p) => p.params)), ...trail?.params },
    format: 'JSONEachRow',
  })
  const byPart = new Map((await rs.json<{ part: number; visitors: string; events: string }>()).map((r) => [Number(r.part), r]))
  const visitors = Number(byPart.get(0)?.visitors ?? 0)
  return {
    source: rollup ? 'rollup' : 'events',
    visitors,
    goals: goals.map(({ site: _, ...goal }, i) => {
      const converted = Number(byPart.get(i + 1)?.visitors ?? 0)
      return { ...goal, visitors: converted, conversion_rate: visitors ? converted / visitors : 0, events: Number(byPart.get(i + 1)?.events ?? 0) }
    }),
  }
}
