import type { Db } from '../../db/client.ts'
import { likePattern, pageMatch, type Goal } from '../../goals/goals.ts'
import { eventsWhere, filterDims, filterParams, rangeWhere, rollupSpan, VISIT_DIMENSIONS, VISITS_OF_RANGE, visitsWhere, type AnswerSource } from '../dimensions.ts'
import { goalCondition } from '../goal-condition.ts'
import { LIVE_VISIT } from '../../visits/sessionize.ts'
import { baseParams, type StatsQuery } from '../range.ts'
import { visitorsCountedIf, VISITORS_MERGED } from '../visitors.ts'

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

/**
 * The visitors (part 0, when `total`) and the converted visitors and events of the goals given, from
 * the anonymised events with the filters, in one read of the range's events: each part counts the
 * events of its condition (-If), as a query per part over the same rows would, where the read and
 * the visits a visit filter looks up would be repeated for every goal.
 */
function eventsParts(parts: readonly { part: number; goal: Goal }[], total: boolean, where: string): { sql: string; params: Record<string, string> } {
  const conditions = parts.map(({ part, goal }) => ({ part, ...goalCondition(goal, `g${part - 1}`) }))
  const counted = [...(total ? [{ part: 0, sql: "type = 'pageview'", events: 'toUInt64(0)' }] : []), ...conditions.map((c) => ({ part: c.part, sql: c.sql, events: `toUInt64(countIf(${c.sql}))` }))]
  return {
    sql: `SELECT part, visitors, events FROM (
        SELECT [${counted.map((c) => c.part).join(', ')}] AS parts,
               [${counted.map((c) => `toUInt64(${visitorsCountedIf(c.sql)})`).join(', ')}] AS part_visitors,
               [${counted.map((c) => c.events).join(', ')}] AS part_events
        FROM tellen.events WHERE ${rangeWhere('ts')}${where} AND (${counted.map((c) => `(${c.sql})`).join(' OR ')})
      ) ARRAY JOIN parts AS part, part_visitors AS visitors, part_events AS events`,
    params: Object.assign({}, ...conditions.map((c) => c.params)),
  }
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
               [${visitorsCountedIf('viewed')}${conditions.map((c) => `, ${visitorsCountedIf(`hits${c.part} > 0`)}`).join('')}] AS part_visitors,
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
  const queries: { sql: string; params: Record<string, string> }[] = []
  if (rollup) {
    const parts = goals.map((g, i) => rollupPart(g, `g${i}`))
    queries.push({
      sql: [`SELECT ${VISITORS_MERGED} AS visitors, toUInt64(0) AS events FROM ${rollupSpan('tellen.rollup_site')}`, ...parts.map((p) => p.sql)]
        .map((sql, i) => `SELECT toUInt32(${i}) AS part, visitors, toUInt64(events) AS events FROM (${sql})`)
        .join('\nUNION ALL '),
      params: Object.assign({}, ...parts.map((p) => p.params)),
    })
  } else {
    // The trails hold no properties: a goal with one reads the events under any filter.
    const parts = goals.map((goal, i) => ({ part: i + 1, goal }))
    const fromTrails = trails ? parts.filter((p) => !p.goal.property) : []
    const fromEvents = parts.filter((p) => !fromTrails.includes(p))
    if (fromEvents.length || !trails) queries.push(eventsParts(fromEvents, !trails, where))
    if (trails) queries.push(trailParts(q, fromTrails))
  }
  const rs = await db.query({
    query: queries.map((p) => `SELECT toUInt32(part) AS part, visitors, events FROM (${p.sql})`).join('\nUNION ALL '),
    query_params: { ...baseParams(q), ...filterParams(q.filters), ...Object.assign({}, ...queries.map((p) => p.params)) },
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
