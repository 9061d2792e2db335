import type { Db } from '../../db/client.ts'
import { rangeWhere } from '../dimensions.ts'
import { baseParams, type StatsQuery } from '../range.ts'

export interface HonouredResult {
  /** Requests not tracked because they carried DNT: 1 or Sec-GPC: 1. */
  requests: number
}

/**
 * How many requests were honoured (not tracked) for DNT or GPC over the range, from the hourly
 * counts in `tellen.rollup_honoured`; nothing else of those requests is kept, so no filter applies.
 */
export async function honoured(db: Db, q: StatsQuery): Promise<HonouredResult> {
  const rs = await db.query({
    query: `SELECT sum(requests) AS n FROM tellen.rollup_honoured WHERE ${rangeWhere('hour')}`,
    query_params: baseParams(q),
    format: 'JSONEachRow',
  })
  const [r] = await rs.json<{ n: number }>()
  return { requests: Number(r?.n ?? 0) }
}
