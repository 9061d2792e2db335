import type { Db } from '../../db/client.ts'
import { VISITORS_COUNTED, VISITORS_MERGED } from '../visitors.ts'
import { eventsWhere, filterDims, filterParams, pageOfSpan, rangeWhere, withoutPage, type AnswerSource } from '../dimensions.ts'
import { baseParams, type StatsQuery } from '../range.ts'
import type { Page } from './breakdown.ts'

export interface PropertyRow {
  event: string
  prop: string
  value: string
  events: number
  visitors: number
}

export interface PropertiesResult {
  source: AnswerSource
  rows: PropertyRow[]
}

const order = 'GROUP BY event, prop, value ORDER BY events DESC, event, prop, value LIMIT {limit:UInt32} OFFSET {offset:UInt32}'

/** Properties of custom events (of one event with the `event` filter) by value, most frequent first. */
export async function properties(db: Db, q: StatsQuery, paging: Page): Promise<PropertiesResult> {
  const rollup = filterDims(q.filters).every((d) => d === 'event')
  const event = q.filters.event !== undefined ? ' AND name = {f_event:String}' : ''
  const query = rollup
    ? `SELECT toString(name) AS event, prop, value, sum(events) AS events, ${VISITORS_MERGED} AS visitors FROM ${pageOfSpan('tellen.rollup_custom', ` AND prop != ''${event}`, ['name', 'prop', 'value'], 'sum(events)')} ${withoutPage(order)}`
    : `SELECT toString(name) AS event, kv.1 AS prop, kv.2 AS value, count() AS events, ${VISITORS_COUNTED} AS visitors
       FROM tellen.events ARRAY JOIN CAST(props, 'Array(Tuple(String, String))') AS kv
       WHERE type = 'custom' AND ${rangeWhere('ts')}${eventsWhere({ ...q.filters, event: undefined })}${event} ${order}`
  const rs = await db.query({
    query,
    query_params: { ...baseParams(q), ...filterParams(q.filters), limit: paging.limit, offset: paging.offset },
    format: 'JSONEachRow',
  })
  const rows = (await rs.json<PropertyRow>()).map((r) => ({ ...r, events: Number(r.events), visitors: Number(r.visitors) }))
  return { source: rollup ? 'rollup' : 'events', rows }
}
