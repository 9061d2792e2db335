import type { Db } from '../../db/client.ts'
import type { Goal } from '../../goals/goals.ts'
import { LIVE_VISIT } from '../../visits/sessionize.ts'
import { eventColumn, eventsWhere, filterParams, rangeWhere, visitColumn, VISIT_SLOT_SECONDS, VISITS_OF_RANGE, type Dimension } from '../dimensions.ts'
import { goalCondition } from '../goal-condition.ts'
import { baseParams, type StatsQuery } from '../range.ts'
import { VISITORS_COUNTED } from '../visitors.ts'

const slot = (time: string) => `intDiv(toUInt32(${time}), ${VISIT_SLOT_SECONDS})`

/**
 * The value of a dimension of a visit for each half-hour slot of the visits of the range (see
 * `eventsWhere`), as `slot_key` and `value`: the event's visit is the one whose slots hold it. A visit
 * holds several custom events, so for `event` a slot has a row per event name.
 */
function visitValues(d: Dimension): string {
  const value = d === 'event' ? 'arrayJoin(events)' : visitColumn(d)!
  const final = d === 'exit_page' ? ' FINAL' : ''
  return `SELECT DISTINCT cityHash64(visitor, arrayJoin(range(${slot('start')}, ${slot('end')} + 1))) AS slot_key, toString(${value}) AS value
          FROM tellen.rollup_visits${final} WHERE ${VISITS_OF_RANGE} AND ${LIVE_VISIT}`
}

/**
 * For a breakdown by `dimension` with a goal chosen: the goal's converted visitors in each of the
 * rows `values`, the same visitors the goals panel counts with the row's value as one more filter.
 * The conversions are read from the anonymised events (within their retention); a dimension of a
 * visit takes the value of the visit each conversion belongs to.
 * @example await goalConversions(db, query, goal, 'country', ['NL', 'US']) // Map { 'NL' => 3, 'US' => 1 }
 */
export async function goalConversions(db: Db, q: StatsQuery, goal: Goal, dimension: Dimension, values: readonly string[]): Promise<Map<string, number>> {
  if (!values.length) return new Map()
  const condition = goalCondition(goal, 'goal')
  const conversions = `FROM tellen.events WHERE ${condition.sql} AND ${rangeWhere('ts')}${eventsWhere(q.filters)}`
  const column = eventColumn(dimension)
  const query = column
    ? `SELECT toString(${column}) AS value, ${VISITORS_COUNTED} AS conversions ${conversions} AND value IN {values:Array(String)} GROUP BY value`
    : `SELECT v.value AS value, ${VISITORS_COUNTED} AS conversions
       FROM (SELECT visitor, cityHash64(visitor, ${slot('ts')}) AS slot_key ${conversions}) AS e
       INNER JOIN (SELECT * FROM (${visitValues(dimension)}) WHERE value IN {values:Array(String)}) AS v ON e.slot_key = v.slot_key
       GROUP BY value`
  const rs = await db.query({
    query,
    query_params: { ...baseParams(q), ...filterParams(q.filters), ...condition.params, values: [...values] },
    format: 'JSONEachRow',
  })
  return new Map((await rs.json<{ value: string; conversions: string }>()).map((r) => [r.value, Number(r.conversions)]))
}
