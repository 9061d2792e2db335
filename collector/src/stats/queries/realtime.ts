import type { Db } from '../../db/client.ts'
import { VISITORS_COUNTED } from '../visitors.ts'
import { eventsWhere, filterParams } from '../dimensions.ts'
import type { StatsQuery } from '../range.ts'

export interface RealtimeResult {
  source: 'events'
  /** Distinct visitors with an event in the last five minutes. */
  visitors: number
}

/**
 * Visitors in the last five minutes, from the short-lived `tellen.visit_events` (written with every
 * insert, whatever the event retention). Filters apply as on events; the range of `q` is today.
 */
export async function realtime(db: Db, q: Omit<StatsQuery, 'from' | 'to'>, now = Date.now()): Promise<RealtimeResult> {
  const today = new Date(now).toISOString().slice(0, 10)
  const yesterday = new Date(now - 86_400_000).toISOString().slice(0, 10)
  const rs = await db.query({
    query: `SELECT ${VISITORS_COUNTED} AS visitors FROM tellen.visit_events
            WHERE site = {site:String} AND ts > fromUnixTimestamp64Milli({since:Int64}) AND ts <= fromUnixTimestamp64Milli({now:Int64})${eventsWhere(q.filters)}`,
    query_params: { site: q.site, tz: 'UTC', from: yesterday, to: today, since: now - 300_000, now: now + 300_000, ...filterParams(q.filters) },
    format: 'JSONEachRow',
  })
  const [r] = await rs.json<{ visitors: number }>()
  return { source: 'events', visitors: Number(r?.visitors ?? 0) }
}
