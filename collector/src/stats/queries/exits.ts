import type { Db } from '../../db/client.ts'
import { VISITORS_COUNTED, VISITORS_MERGED } from '../visitors.ts'
import { eventsWhere, filterParams, onlyPageFilter, pageWhere, pageOfSpan, rangeWhere, withoutPage, type AnswerSource } from '../dimensions.ts'
import { baseParams, type StatsQuery } from '../range.ts'
import type { Page } from './breakdown.ts'

export interface ExitRow {
  page: string
  /** internal, outbound, download, tel, mailto, form, reload, back_forward, hidden. */
  kind: string
  /** The outbound host, or the page or file the link led to. */
  target: string
  leaves: number
  visitors: number
  /** Mean engaged time on the page before leaving this way, in seconds. */
  engaged_seconds: number
}

export interface ExitsResult {
  source: AnswerSource
  rows: ExitRow[]
}

const order = 'GROUP BY page, kind, target ORDER BY leaves DESC, page, kind, target LIMIT {limit:UInt32} OFFSET {offset:UInt32}'

/** How visitors left pages: by page, exit kind and outbound host or link, most frequent first. */
export async function exits(db: Db, q: StatsQuery, paging: Page): Promise<ExitsResult> {
  const rollup = onlyPageFilter(q.filters)
  const query = rollup
    ? `SELECT path AS page, kind, target, sum(leaves) AS leaves, ${VISITORS_MERGED} AS visitors, sum(engaged_ms) / leaves / 1000 AS engaged_seconds
       FROM ${pageOfSpan('tellen.rollup_leaving', pageWhere(q.filters), ['path', 'kind', 'target'], 'sum(leaves)')} ${withoutPage(order)}`
    : `SELECT path AS page, toString(name) AS kind, target, count() AS leaves, ${VISITORS_COUNTED} AS visitors, avg(value) / 1000 AS engaged_seconds
       FROM tellen.events WHERE type = 'leave' AND ${rangeWhere('ts')}${eventsWhere(q.filters)} ${order}`
  const rs = await db.query({
    query,
    query_params: { ...baseParams(q), ...filterParams(q.filters), limit: paging.limit, offset: paging.offset },
    format: 'JSONEachRow',
  })
  const rows = (await rs.json<ExitRow>()).map((r) => ({
    ...r, leaves: Number(r.leaves), visitors: Number(r.visitors), engaged_seconds: Number(r.engaged_seconds),
  }))
  return { source: rollup ? 'rollup' : 'events', rows }
}
