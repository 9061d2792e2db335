import type { Db } from '../../db/client.ts'
import { VISITORS_COUNTED, VISITORS_MERGED } from '../visitors.ts'
import { eventsWhere, filterParams, onlyPageFilter, pageWhere, pageOfSpan, rangeWhere, withoutPage, type AnswerSource } from '../dimensions.ts'
import { baseParams, type StatsQuery } from '../range.ts'
import type { Page } from './breakdown.ts'

export interface CallRow {
  page: string
  /** The tel: number, digits and a leading + only. */
  number: string
  calls: number
  visitors: number
}

export interface CallsResult {
  source: AnswerSource
  rows: CallRow[]
}

const order = 'GROUP BY page, number ORDER BY calls DESC, page, number LIMIT {limit:UInt32} OFFSET {offset:UInt32}'

/** Clicks on tel: links by page and number, most frequent first. */
export async function calls(db: Db, q: StatsQuery, paging: Page): Promise<CallsResult> {
  const rollup = onlyPageFilter(q.filters)
  const query = rollup
    ? `SELECT path AS page, number, sum(calls) AS calls, ${VISITORS_MERGED} AS visitors
       FROM ${pageOfSpan('tellen.rollup_calls', pageWhere(q.filters), ['path', 'number'], 'sum(calls)')} ${withoutPage(order)}`
    : `SELECT path AS page, target AS number, count() AS calls, ${VISITORS_COUNTED} AS visitors
       FROM tellen.events WHERE type = 'call' AND ${rangeWhere('ts')}${eventsWhere(q.filters)} ${order}`
  const rs = await db.query({
    query,
    query_params: { ...baseParams(q), ...filterParams(q.filters), limit: paging.limit, offset: paging.offset },
    format: 'JSONEachRow',
  })
  const rows = (await rs.json<CallRow>()).map((r) => ({ ...r, calls: Number(r.calls), visitors: Number(r.visitors) }))
  return { source: rollup ? 'rollup' : 'events', rows }
}
