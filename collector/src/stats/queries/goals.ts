import type { Db } from '../../db/client.ts'
import { likePattern, type Goal } from '../../goals/goals.ts'
import { eventsWhere, filterDims, filterParams, rangeWhere, rollupSpan, type AnswerSource } from '../dimensions.ts'
import { goalCondition } from '../goal-condition.ts'
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

/**
 * Each goal's converted visitors, conversion rate and events over the range, all in one query. Without
 * filters the rollups answer, for any range the rollups keep (goals apply to the past); with filters,
 * the anonymised events within their retention, filtered as pageviews are everywhere else.
 * @example await goalStats(db, query, await listGoals(db, 'example.com'))
 */
export async function goalStats(db: Db, q: StatsQuery, goals: readonly Goal[]): Promise<GoalsResult> {
  const rollup = filterDims(q.filters).length === 0
  const where = eventsWhere(q.filters)
  const total = rollup
    ? `SELECT ${VISITORS_MERGED} AS visitors, toUInt64(0) AS events FROM ${rollupSpan('tellen.rollup_site')}`
    : `SELECT ${VISITORS_COUNTED} AS visitors, toUInt64(0) AS events FROM tellen.events WHERE type = 'pageview' AND ${rangeWhere('ts')}${where}`
  const parts = goals.map((g, i) => (rollup ? rollupPart(g, `g${i}`) : eventsPart(g, `g${i}`, where)))
  const query = [total, ...parts.map((p) => p.sql)].map((sql, i) => `SELECT toUInt32(${i}) AS part, visitors, toUInt64(events) AS events FROM (${sql})`).join('\nUNION ALL ')
  const rs = await db.query({
    query,
    query_params: { ...baseParams(q), ...filterParams(q.filters), ...Object.assign({}, ...parts.map((p) => p.params)) },
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
