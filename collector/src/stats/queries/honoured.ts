import type { Db } from '../../db/client.ts'
import type { StatsQuery } from '../range.ts'

export interface HonouredResult {
  /** Requests not tracked because they carried DNT: 1 or Sec-GPC: 1, by signal. */
  dnt: number
  gpc: number
}

/**
 * How many requests were honoured (not tracked) for DNT or GPC over the range. The counts come from
 * `tellen.rejections`, whose days are UTC days; no visitor is identified by them.
 */
export async function honoured(db: Db, q: Pick<StatsQuery, 'site' | 'from' | 'to'>): Promise<HonouredResult> {
  const rs = await db.query({
    query: `SELECT sumIf(count, reason = 'dnt') AS dnt, sumIf(count, reason = 'gpc') AS gpc FROM tellen.rejections
            WHERE site = {site:String} AND day BETWEEN {from:Date} AND {to:Date} AND reason IN ('dnt', 'gpc')`,
    query_params: { site: q.site, from: q.from, to: q.to },
    format: 'JSONEachRow',
  })
  const [r] = await rs.json<{ dnt: number; gpc: number }>()
  return { dnt: Number(r?.dnt ?? 0), gpc: Number(r?.gpc ?? 0) }
}
