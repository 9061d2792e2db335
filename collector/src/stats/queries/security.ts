import type { Db } from '../../db/client.ts'
import { baseParams, type StatsQuery } from '../range.ts'
import { honoured } from './honoured.ts'

export interface SecurityDay {
  /** A UTC day, `YYYY-MM-DD`. */
  day: string
  reason: string
  /** Requests, or events where one request held several (bot batches, spam page views, invalid events). */
  count: number
}

export interface SecurityPrefix {
  reason: string
  /** The truncated client network (`/24` or `/48` by default), never an address. */
  ip_prefix: string
  count: number
}

export interface SecurityResult {
  source: 'rejections'
  days: SecurityDay[]
  /** The `limit` networks with the highest count for each reason. */
  prefixes: SecurityPrefix[]
  /** Requests not tracked because they carried DNT: 1 or Sec-GPC: 1; nothing else of them is kept. */
  honoured: { requests: number }
}

/** `tellen.rejections` keeps UTC days, so the range is read as UTC days. */
const where = 'site = {site:String} AND day BETWEEN {from:Date} AND {to:Date}'

/**
 * What the collector refused or dropped for a site: counts by day and reason, the networks behind
 * them by reason, and how many requests were honoured for DNT or GPC. Rejections are kept 30 days.
 */
export async function security(db: Db, q: StatsQuery, limit: number): Promise<SecurityResult> {
  const params = { ...baseParams(q), limit }
  const [days, prefixes, honouredCounts] = await Promise.all([
    db
      .query({
        query: `SELECT toString(day) AS d, reason, sum(count) AS n FROM tellen.rejections WHERE ${where} GROUP BY d, reason ORDER BY d, reason`,
        query_params: params,
        format: 'JSONEachRow',
      })
      .then((rs) => rs.json<{ d: string; reason: string; n: number }>()),
    db
      .query({
        query: `SELECT reason, ip_prefix AS prefix, sum(count) AS n FROM tellen.rejections WHERE ${where}
                GROUP BY reason, prefix ORDER BY reason, n DESC, prefix LIMIT {limit:UInt32} BY reason`,
        query_params: params,
        format: 'JSONEachRow',
      })
      .then((rs) => rs.json<{ reason: string; prefix: string; n: number }>()),
    honoured(db, q),
  ])
  return {
    source: 'rejections',
    days: days.map((r) => ({ day: r.d, reason: r.reason, count: Number(r.n) })),
    prefixes: prefixes.map((r) => ({ reason: r.reason, ip_prefix: r.prefix, count: Number(r.n) })),
    honoured: honouredCounts,
  }
}
