import type { Db } from '../../db/client.ts'
import { VISITORS_COUNTED, VISITORS_MERGED } from '../visitors.ts'
import { eventsWhere, filterParams, onlyPageFilter, pageWhere, pageOfSpan, rangeWhere, withoutPage, type AnswerSource } from '../dimensions.ts'
import { baseParams, type StatsQuery } from '../range.ts'
import type { Page } from './breakdown.ts'

export interface ErrorRow {
  page: string
  /** img, script, css, media, fetch, other; or `download` for a started file download. */
  kind: string
  resource: string
  count: number
  visitors: number
}

export interface ErrorsResult {
  source: AnswerSource
  rows: ErrorRow[]
}

const order = 'GROUP BY page, kind, resource ORDER BY count DESC, page, kind, resource LIMIT {limit:UInt32} OFFSET {offset:UInt32}'

/** The `kind` that keeps every failed resource and leaves out the downloads that were started. */
export const FAILED_KINDS = 'failed'

/**
 * Resources that failed to load and files whose download started, by page, kind and resource, most
 * frequent first; `?kind=download` (a filter on kind) is applied by the caller through `kind`, and
 * `?kind=failed` keeps every kind but `download`.
 */
export async function errors(db: Db, q: StatsQuery, paging: Page, kind?: string): Promise<ErrorsResult> {
  const rollup = onlyPageFilter(q.filters)
  const kindWhere = kind === FAILED_KINDS ? " AND kind != 'download'" : kind ? ' AND kind = {kind:String}' : ''
  const query = rollup
    ? `SELECT path AS page, kind, resource, sum(count) AS count, ${VISITORS_MERGED} AS visitors FROM ${pageOfSpan('tellen.rollup_errors', `${pageWhere(q.filters)}${kindWhere}`, ['path', 'kind', 'resource'], 'sum(count)')} ${withoutPage(order)}`
    : `SELECT page, kind, resource, count() AS count, ${VISITORS_COUNTED} AS visitors
       FROM (SELECT path AS page, if(type = 'download', 'download', toString(name)) AS kind, target AS resource, visitor
             FROM tellen.events WHERE type IN ('error', 'download') AND ${rangeWhere('ts')}${eventsWhere(q.filters)})
       WHERE 1${kindWhere} ${order}`
  const rs = await db.query({
    query,
    query_params: { ...baseParams(q), ...filterParams(q.filters), limit: paging.limit, offset: paging.offset, ...(kind && kind !== FAILED_KINDS ? { kind } : {}) },
    format: 'JSONEachRow',
  })
  const rows = (await rs.json<ErrorRow>()).map((r) => ({ ...r, count: Number(r.count), visitors: Number(r.visitors) }))
  return { source: rollup ? 'rollup' : 'events', rows }
}
